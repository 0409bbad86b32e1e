import { describe, expect, it } from 'vitest';
import { offlineProposal, parseProposal } from './personality-analysis.js';

describe('offline personality suggestions', () => {
  it('asks for short, casual answers for a user who writes short casual messages', () => {
    const proposal = offlineProposal(['hey lol', 'ok cool thx', 'yeah gonna try that']);
    expect(proposal?.instructions).toBe(
      '- Keep answers short: two or three sentences, no preamble.\n- Use a relaxed, friendly, casual tone.',
    );
    expect(proposal?.reason).toBe(
      'In 3 messages, their messages are short (3 words on average); they write casually (100% of their messages).',
    );
    expect(proposal?.confidence).toBe(0.51);
  });

  it('asks for detail and a formal tone, and names the topics a user keeps coming back to', () => {
    const proposal = offlineProposal([
      'Dear assistant, could you kindly explain how the timer of my garden irrigation should be set for the dry ' +
        'season, considering that the pressure drops in the afternoon and the sprinklers on the north side never ' +
        'reach the far corner of the lawn where the roses grow next to the old fence?',
      'Thank you. I would like to know, in addition, which valve of the irrigation line in my garden ought to be ' +
        'replaced first, since two of them leak slightly whenever the system starts early in the morning before ' +
        'the heat, and a neighbour suggested brass fittings instead of plastic ones.',
      'I would appreciate your advice on the pump as well: my garden is on a slope, and the irrigation pump ' +
        'struggles to push water uphill to the vegetable beds, so I wonder whether a larger model or a second ' +
        'tank higher up the hill would serve better over a whole summer.',
    ]);
    expect(proposal?.instructions).toContain('Give detailed answers');
    expect(proposal?.instructions).toContain('Use a formal, courteous tone.');
    expect(proposal?.instructions).toBe(
      '- Give detailed answers: explain step by step, with examples.\n- Use a formal, courteous tone.\n' +
        '- Draw examples from what they often talk about: garden, irrigation.',
    );
    expect(proposal?.reason).toMatch(/they write at length/);
  });

  it('asks to check the question when the user was unhappy twice', () => {
    const proposal = offlineProposal([
      'How do I reset the router to its factory settings?',
      "That's not what I asked, the router is the one from the ISP.",
      'This does not work, the router has no reset button on its back.',
    ]);
    expect(proposal?.instructions).toContain('Make sure you understood the question');
    expect(proposal?.reason).toContain('unhappy with an answer 2 times');
  });

  it('suggests nothing when nothing stands out', () => {
    expect(offlineProposal([])).toBeUndefined();
    expect(
      offlineProposal([
        'What is the capital of Peru and how many people live there?',
        'Which mountains are the highest in South America, and where are they?',
        'How long does the train from Cusco to the nearest valley town usually take?',
      ]),
    ).toBeUndefined();
  });

  it('reads a JSON proposal, fenced or not, and refuses anything else', () => {
    const valid = { instructions: 'Be warm.', reason: 'They are friendly.', confidence: 0.7 };
    expect(parseProposal(JSON.stringify(valid))).toEqual(valid);
    expect(parseProposal('```json\n' + JSON.stringify(valid) + '\n```')).toEqual(valid);
    expect(() => parseProposal('Be warm.')).toThrow(/valid personality suggestion/);
    expect(() => parseProposal(JSON.stringify({ ...valid, confidence: 2 }))).toThrow();
    expect(() => parseProposal(JSON.stringify({ ...valid, instructions: '' }))).toThrow();
  });
});
