import { describe, expect, it } from 'vitest';
import { formatAttachedText, parseAttachedText } from './attached-text.js';

describe('attached text', () => {
  it('reads back the name and text it writes, a name with quotes and a note included', () => {
    const written = formatAttachedText(
      { filename: 'the "final" plan.pdf', kind: 'document', note: 'cut' },
      'Line one.\nTwo.',
    );
    expect(written.startsWith('Attached file "the \\"final\\" plan.pdf" (cut):\n')).toBe(true);
    expect(parseAttachedText(written)).toEqual({ filename: 'the "final" plan.pdf', text: 'Line one.\nTwo.' });
    const audio = formatAttachedText({ filename: 'call.wav', kind: 'audio' }, 'Hello.');
    expect(audio).toBe('Transcript of the attached audio "call.wav":\nHello.');
    expect(parseAttachedText(audio)).toEqual({ filename: 'call.wav', text: 'Hello.' });
  });

  it('leaves a text the user wrote alone', () => {
    expect(parseAttachedText('Attached file is what I mean: see above')).toBeUndefined();
    expect(parseAttachedText('What is the cherry code?')).toBeUndefined();
  });
});
