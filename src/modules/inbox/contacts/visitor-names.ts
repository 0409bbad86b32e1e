import { createHash } from 'node:crypto';

// Short, friendly and unlike each other at a glance. 48 × 48 pairs alone repeated among 80 visitors (the
// birthday bound of 2,304 names is about 57); a number from 10 to 99 makes 207,360 names, about 540.
const adjectives = (
  'Amber Brave Bright Calm Clever Cosy Curious Daring Eager Fancy Gentle Golden Happy Honest Jolly Kind ' +
  'Lively Lucky Merry Mellow Nimble Noble Patient Plucky Polite Quick Quiet Rapid Rosy Shiny Silver Sleepy ' +
  'Smart Sunny Swift Tidy Tiny Upbeat Velvet Vivid Warm Wise Witty Zesty Breezy Cheerful Dapper Frosty'
).split(' ');
const animals = (
  'Badger Bear Beaver Bison Camel Cat Cheetah Crane Deer Dolphin Eagle Falcon Finch Fox Gecko Giraffe Hare ' +
  'Hedgehog Heron Ibis Koala Lemur Lion Llama Lynx Marmot Moose Otter Owl Panda Parrot Pelican Penguin ' +
  'Puffin Quail Rabbit Raccoon Robin Seal Sparrow Squirrel Swan Tiger Toucan Turtle Walrus Whale Wolf'
).split(' ');

/**
 * A readable name for a contact nobody has named yet ("Gentle Otter 42"), the same for the contact every
 * time: drawn from a hash of its id, since a UUID v7's first characters are its arrival time and would
 * make visitors who came in the same minute look alike.
 */
export function visitorNameOf(contactId: string): string {
  const digest = createHash('sha256').update(contactId).digest();
  const number = 10 + (digest.readUInt16BE(2) % 90);
  return `${adjectives[digest[0]! % adjectives.length]} ${animals[digest[1]! % animals.length]} ${number}`;
}
