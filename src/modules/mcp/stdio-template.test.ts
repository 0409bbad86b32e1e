import { describe, expect, it } from 'vitest';
import type { StdioTemplateParameter } from '../../platform/db/schema/mcp.js';
import { renderArguments } from './stdio-template.js';

const optional = (name: string): StdioTemplateParameter => ({
  name,
  type: 'string',
  pattern: '[a-z.]+',
  required: false,
  description: '',
});

describe('renderArguments', () => {
  const template = {
    args: ['--db', '{db}', '--readonly', '--city={city}', 'serve'],
    parameters: [optional('db'), optional('city')],
  };

  it('drops a fixed option together with its empty optional value, so it cannot take the next one (issue 44)', () => {
    expect(renderArguments(template, {})).toEqual(['--readonly', 'serve']);
    expect(renderArguments(template, { db: '' })).toEqual(['--readonly', 'serve']);
  });

  it('keeps the option and its value when the value is given', () => {
    expect(renderArguments(template, { db: 'notes.db', city: 'lisbon' })).toEqual([
      '--db',
      'notes.db',
      '--readonly',
      '--city=lisbon',
      'serve',
    ]);
  });

  it('keeps a fixed option whose next element is not a lone placeholder', () => {
    expect(renderArguments({ args: ['--verbose', 'run', '{db}'], parameters: [optional('db')] }, {})).toEqual([
      '--verbose',
      'run',
    ]);
  });
});
