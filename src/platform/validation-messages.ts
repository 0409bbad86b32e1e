import type { z } from 'zod';

type Issue = z.core.$ZodRawIssue;

/** Zod's "Invalid email address" or "Invalid UUID" after a field's name, as what the value must be. */
const formatExpected: Partial<Record<string, string>> = {
  email: 'must be an email address',
  uuid: 'must be a UUID',
  url: 'must be a URL',
  datetime: 'must be a date and time (ISO 8601)',
};

/** Zod's "Invalid input: expected int, received number" as what the value must be. */
const typeExpected: Partial<Record<string, string>> = {
  string: 'must be text',
  number: 'must be a number',
  int: 'must be a whole number',
  boolean: 'must be true or false',
  array: 'must be a list',
  object: 'must be an object',
};

/**
 * Zod's words for the issues every schema meets, as a sentence a person reads after the field's name
 * ("name: must not be empty"), where Zod says "Too small: expected string to have >=1 characters".
 * A schema's own message still wins; anything else keeps Zod's.
 */
export function plainIssueMessage(issue: Issue): string | undefined {
  // A field left out reads "role: is required", where Zod's own words ("Invalid option: expected one of
  // …", "expected string, received undefined") left the caller to work out that it was missing.
  if (issue.input === undefined) return 'is required';
  if (issue.code === 'invalid_type') return typeExpected[issue.expected];
  if (issue.code === 'invalid_format') return formatExpected[issue.format];
  if (issue.code === 'invalid_value') {
    const [only, ...others] = issue.values.map((value) => JSON.stringify(value));
    return others.length === 0 ? `must be ${only}` : `must be one of ${[only, ...others].join(', ')}`;
  }
  if (issue.code === 'too_small' || issue.code === 'too_big') {
    const isMinimum = issue.code === 'too_small';
    const bound = Number(isMinimum ? issue.minimum : issue.maximum);
    const atLeastOrMost = isMinimum ? 'at least' : 'at most';
    switch (issue.origin) {
      case 'string':
        if (isMinimum && bound === 1) return 'must not be empty';
        return `must be ${atLeastOrMost} ${bound} character${bound === 1 ? '' : 's'}`;
      case 'array':
      case 'set':
        if (isMinimum && bound === 1) return 'must not be empty';
        return `must have ${atLeastOrMost} ${bound} item${bound === 1 ? '' : 's'}`;
      case 'number':
      case 'int':
      case 'bigint':
        if (issue.inclusive === false) return `must be ${isMinimum ? 'greater' : 'less'} than ${bound}`;
        return `must be ${atLeastOrMost} ${bound}`;
      default:
        return undefined;
    }
  }
  return undefined;
}
