import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/errors.js';
import { createArgumentValidator } from './tool-arguments.js';

const toolWith = (inputSchema: Record<string, unknown>) => ({
  id: 'tool-1',
  name: 'lookup',
  syncedAt: new Date('2026-01-01T00:00:00Z'),
  inputSchema,
});

describe('tool arguments against the published schema', () => {
  it('leaves patterns to the server: none is run on the event loop', () => {
    // Run by JavaScript's backtracking engine, `^(a+)+$` takes hours on 40 a's and a '!' (not tried here:
    // a synchronous loop cannot be timed out). A pattern that is not run does not refuse what it excludes.
    const tool = toolWith({ type: 'object', properties: { a: { type: 'string', pattern: '^(a+)+$' } } });
    const args = { a: 'does not match' };
    expect(createArgumentValidator().requireValid(tool, args)).toBe(args);
  });

  it('still refuses wrong types and missing fields, naming each', () => {
    const tool = toolWith({
      type: 'object',
      properties: { a: { type: 'string', pattern: '^x$' }, n: { type: 'integer', maximum: 3 } },
      required: ['a', 'n'],
    });
    let refusal: unknown;
    try {
      createArgumentValidator().requireValid(tool, { a: 5 });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(AppError);
    expect((refusal as AppError).code).toBe('validation_failed');
    expect((refusal as AppError).message).toBe(
      "The arguments do not match tool 'lookup': arguments.n is required; arguments.a must be string",
    );
  });
});
