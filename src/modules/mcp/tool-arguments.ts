import { createHash } from 'node:crypto';
import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import { AppError, type FieldProblem } from '../../platform/errors.js';
import { createLruCache } from '../../platform/lru-cache.js';

/**
 * Published `pattern`s (and `patternProperties` names) are not matched here, as if every string matched:
 * JavaScript's regular expressions backtrack, so a schema such as `"pattern": "^(a+)+$"` took 29 s on a
 * 33-character argument, doubling with each character, and held the event loop, so every tenant's requests
 * waited. The tool's server checks its own patterns; Parley still checks types, required fields and bounds.
 */
const patternsLeftToTheServer: NonNullable<NonNullable<Options['code']>['regExp']> = Object.assign(
  () => ({ test: () => true }),
  {
    code: 'patternsLeftToTheServer',
  },
);

/**
 * Checks a call's arguments against the JSON schema the server published, before anything is sent: a
 * mismatch is a 400 that names the fields, instead of whatever the server would make of it.
 */
export function createArgumentValidator() {
  // strict: false because servers publish schemas with keywords and formats Ajv does not know; they are ignored.
  const ajv = new Ajv({
    allErrors: true,
    strict: false,
    validateFormats: false,
    logger: false,
    code: { regExp: patternsLeftToTheServer },
  });
  const compiled = createLruCache<ValidateFunction>(1000);

  function compile(cacheKey: string, toolName: string, schema: Record<string, unknown>): ValidateFunction {
    const cached = compiled.get(cacheKey);
    if (cached) return cached;
    // Ajv's default dialect is draft-07; a `$schema` naming another one would fail to load for no benefit.
    const { $schema: _dialect, $id: _id, ...body } = schema;
    try {
      const validate = ajv.compile(body);
      compiled.set(cacheKey, validate);
      return validate;
    } catch (error) {
      throw new AppError(
        'unprocessable',
        `The input schema of tool '${toolName}' cannot be used to check arguments; sync its server again or ask its maintainer`,
        {},
        { cause: error },
      );
    }
  }

  return {
    /** Throws AppError('validation_failed') with one field sentence per problem. */
    requireValid(
      tool: { id: string; name: string; syncedAt: Date; inputSchema: Record<string, unknown> },
      args: unknown,
    ): Record<string, unknown> {
      if (typeof args !== 'object' || args === null || Array.isArray(args)) {
        throw new AppError('validation_failed', `The arguments of tool '${tool.name}' must be a JSON object`, {
          fields: [{ field: 'arguments', message: 'must be a JSON object' }],
        });
      }
      const validate = compile(`${tool.id}:${tool.syncedAt.getTime()}`, tool.name, tool.inputSchema);
      if (!validate(args)) {
        const fields = (validate.errors ?? []).slice(0, 20).map(toFieldProblem);
        const summary = fields.map((problem) => `${problem.field} ${problem.message}`).join('; ');
        throw new AppError('validation_failed', `The arguments do not match tool '${tool.name}': ${summary}`, {
          fields,
        });
      }
      return args as Record<string, unknown>;
    },
  };
}

export type ArgumentValidator = ReturnType<typeof createArgumentValidator>;

function toFieldProblem(error: ErrorObject): FieldProblem {
  const pointer = error.instancePath.split('/').slice(1).join('.');
  const missing =
    error.keyword === 'required' ? String((error.params as { missingProperty?: unknown }).missingProperty) : undefined;
  const extra =
    error.keyword === 'additionalProperties'
      ? String((error.params as { additionalProperty?: unknown }).additionalProperty)
      : undefined;
  const field = ['arguments', pointer, missing ?? extra].filter(Boolean).join('.');
  const message = missing ? 'is required' : extra ? 'is not a parameter of this tool' : (error.message ?? 'is invalid');
  return { field, message };
}

/** sha256 over JSON with sorted keys: equal arguments give equal digests, whatever their key order. */
export function argumentsDigest(args: unknown): string {
  return createHash('sha256').update(canonicalJson(args)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
