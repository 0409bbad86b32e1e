/**
 * Bad values for a request, derived from the route's own OpenAPI schema: for every field, values of
 * the wrong type and values just past its bounds, each sent in an otherwise plausible body. What a
 * client gets wrong is rarely the whole body; it is one field in a body that is otherwise right, and
 * that is the body that reaches the deeper code.
 */

export interface JsonSchema {
  readonly type?: string | string[];
  readonly properties?: Record<string, JsonSchema>;
  readonly required?: string[];
  readonly items?: JsonSchema;
  readonly enum?: unknown[];
  readonly format?: string;
  readonly pattern?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly maxItems?: number;
  readonly anyOf?: JsonSchema[];
  readonly oneOf?: JsonSchema[];
  readonly default?: unknown;
}

export const nilUuid = '00000000-0000-0000-0000-000000000000';
export const maxUuid = 'ffffffff-ffff-ffff-ffff-ffffffffffff';

const typeOf = (schema: JsonSchema): string | undefined => {
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) return variants.map(typeOf).find((type) => type !== undefined && type !== 'null');
  return [schema.type].flat().find((type) => type !== 'null');
};

/** A value the schema accepts, where one can be made without knowing the field's meaning. */
export function plausibleValue(schema: JsonSchema): unknown {
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) return plausibleValue(variants.find((variant) => typeOf(variant) !== undefined) ?? variants[0]!);
  if (schema.enum) return schema.enum[0];
  switch (typeOf(schema)) {
    case 'string':
      if (schema.format === 'uuid') return nilUuid;
      if (schema.format === 'email') return 'someone@example.test';
      if (schema.format === 'uri') return 'https://example.test/';
      if (schema.pattern?.includes('offline')) return 'offline';
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'object':
      return plausibleBody(schema);
    default:
      return 'x';
  }
}

/** The required fields of an object schema, each given a plausible value. */
export function plausibleBody(schema: JsonSchema): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const name of schema.required ?? []) {
    const field = schema.properties?.[name];
    if (field) body[name] = plausibleValue(field);
  }
  return body;
}

/** Values of the wrong type or just out of bounds for one field. */
export function badValues(schema: JsonSchema): unknown[] {
  const wrongTypes: unknown[] = [null, [], {}, true, 12345, 'text', -1];
  const type = typeOf(schema);
  const specific: unknown[] = [];
  if (type === 'string') {
    specific.push('', ' ', '\u202e\ud800', 'x'.repeat((schema.maxLength ?? 10_000) + 1));
    if (schema.format === 'uuid') specific.push('not-a-uuid', nilUuid, maxUuid, `${nilUuid}'; --`);
    if (schema.enum) specific.push('no-such-choice');
  }
  if (type === 'integer' || type === 'number') {
    specific.push(0, -0, 1.5, -1e308, 1e308, Number.MAX_SAFE_INTEGER + 2, '7');
    if (schema.minimum !== undefined) specific.push(schema.minimum - 1);
    if (schema.maximum !== undefined) specific.push(schema.maximum + 1);
  }
  if (type === 'array') {
    const item = schema.items ? plausibleValue(schema.items) : 'x';
    specific.push(
      [null],
      [[]],
      [{}],
      Array.from({ length: (schema.maxItems ?? 1_000) + 1 }, () => item),
    );
    if (schema.items) specific.push(...badValues(schema.items).map((value) => [value]));
  }
  if (type === 'object') {
    for (const [name, field] of Object.entries(schema.properties ?? {})) {
      for (const value of badValues(field).slice(0, 8)) specific.push({ ...plausibleBody(schema), [name]: value });
    }
  }
  return [...wrongTypes, ...specific];
}

/** Whole bodies a client might send by mistake, whatever the route expects. */
export const badWholeBodies: readonly unknown[] = [[], null, 'text', 42, [{}], { constructor: { prototype: {} } }];

/** Headers the API reads, with values it must turn down or ignore: a retry key past any length, a stream asked for. */
export const badHeaders: readonly (readonly [string, string])[] = [
  ['idempotency-key', 'k'.repeat(1_000)],
  ['idempotency-key', ''],
  ['accept', 'text/event-stream'],
  ['accept', 'application/xml'],
];

/** Query-string values that are wrong for any parameter: not numbers, out of range, too long. */
export const badQueryValues: readonly string[] = [
  '',
  '-1',
  '0',
  'abc',
  '1e309',
  '99999999999999999999',
  '1.5',
  nilUuid,
  'not-a-uuid',
  'x'.repeat(5_000),
  '%E0%A4%A',
];

/** Path segments in place of an id: not ids at all, ids of nothing, and too long to be anything. */
export const badPathValues: readonly string[] = [
  'not-a-uuid',
  nilUuid,
  maxUuid,
  'x'.repeat(300),
  '%E0%A4%A',
  '..%2F..',
];

export interface RawBody {
  readonly label: string;
  readonly contentType: string;
  readonly payload: Buffer;
}

/** Upload bodies that are broken as multipart/form-data, or well-formed but not what an upload takes. */
export function badMultipartBodies(): RawBody[] {
  const boundary = 'sweep-boundary';
  const contentType = `multipart/form-data; boundary=${boundary}`;
  const part = (headers: string, content: string) => `--${boundary}\r\n${headers}\r\n\r\n${content}\r\n`;
  const file = (filename: string, field = 'file') =>
    `Content-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: text/plain`;
  const end = `--${boundary}--\r\n`;
  const bodies: [string, string, string][] = [
    ['no boundary', 'multipart/form-data', part(file('a.txt'), 'words') + end],
    ['empty', contentType, ''],
    ['only the closing boundary', contentType, end],
    ['cut off inside the file', contentType, part(file('a.txt'), 'words').slice(0, -4)],
    ['a field but no file', contentType, part('Content-Disposition: form-data; name="note"', 'hello') + end],
    ['the file under another name', contentType, part(file('a.txt', 'upload'), 'words') + end],
    ['two files', contentType, part(file('a.txt'), 'one') + part(file('b.txt'), 'two') + end],
    ['an empty file', contentType, part(file('a.txt'), '') + end],
    ['a path for a name', contentType, part(file('../../etc/passwd'), 'words') + end],
    ['a name past any length', contentType, part(file(`${'n'.repeat(5_000)}.txt`), 'words') + end],
    ['no disposition', contentType, part('Content-Type: text/plain', 'words') + end],
  ];
  return bodies.map(([label, type, text]) => ({ label, contentType: type, payload: Buffer.from(text, 'latin1') }));
}
