import { describe, expect, it } from 'vitest';
import { factKeyOf, offlineFacts, parseFactList } from './memory-extraction.js';

describe('offline memory extraction', () => {
  it('turns first-person statements into short third-person facts', () => {
    expect(offlineFacts('Hi! I prefer metric units. My dog is called Rex. What is the weather like?')).toEqual([
      'Prefers metric units',
      'Their dog is called Rex',
    ]);
    expect(offlineFacts("I'm vegetarian. I have a cat named Tom. I don't like mushrooms. My name is Ana")).toEqual([
      'Is vegetarian',
      'Has a cat named Tom',
      'Does not like mushrooms',
      'Is called Ana',
    ]);
    expect(offlineFacts('I live in Lyon and I work as a nurse.')).toEqual(['Lives in Lyon and I work as a nurse']);
  });

  it('finds nothing lasting in questions, requests and passing remarks', () => {
    expect(offlineFacts('Do I need an umbrella? Tell me a joke. I am going out now. I think so.')).toEqual([]);
  });

  it('reads a fenced or plain JSON list from a model, and anything else as no facts', () => {
    expect(parseFactList('```json\n["Prefers tea", "Prefers tea", "Has two kids"]\n```')).toEqual([
      'Prefers tea',
      'Has two kids',
    ]);
    expect(parseFactList('["Likes jazz"]')).toEqual(['Likes jazz']);
    expect(parseFactList('The user likes jazz.')).toEqual([]);
    expect(parseFactList('{"facts": ["Likes jazz"]}')).toEqual([]);
  });

  it('keys facts by their words alone', () => {
    expect(factKeyOf('Prefers  metric units.')).toBe(factKeyOf('prefers metric UNITS'));
  });
});
