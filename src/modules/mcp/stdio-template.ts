import type { StdioTemplateParameter } from '../../platform/db/schema/mcp.js';
import { AppError } from '../../platform/errors.js';
import { findMountProblem, type MountPlaces } from '../../platform/mount-policy.js';
import { environmentNamePattern, findDeniedEnvironmentName } from './command-policy.js';

/**
 * A stdio command template: the platform admin's arguments with `{name}` placeholders, and the typed
 * parameters a tenant fills. Each argument element becomes exactly one argv element, never parsed by a
 * shell; a value never starts with `-` (it cannot become an option) and must match its parameter's type
 * and whole-value pattern. An element whose parameter was left empty (an optional one) is left out, and
 * with it a fixed option just before it that is only that parameter's (`--db`, `{db}`).
 */
export interface StdioTemplate {
  readonly args: readonly string[];
  readonly parameters: readonly StdioTemplateParameter[];
}

export const parameterNamePattern = /^[a-z][a-z0-9_]{0,39}$/;
const placeholderPattern = /\{([a-z][a-z0-9_]{0,39})\}/g;
const valueMaxLength = 1024;

const placeholdersOf = (element: string): string[] => [...element.matchAll(placeholderPattern)].map((m) => m[1]!);

function invalid(field: string, message: string): AppError {
  return new AppError('validation_failed', `${field} ${message}`, { fields: [{ field, message }] });
}

/** Checks a template as the platform admin sends it; its read-only paths are judged by platform/mount-policy.ts. */
export function requireValidTemplate(
  template: StdioTemplate & { readonly envNames: readonly string[]; readonly readOnlyPaths: readonly string[] },
  places: MountPlaces,
): void {
  const declared = new Set<string>();
  for (const [index, parameter] of template.parameters.entries()) {
    if (declared.has(parameter.name)) throw invalid(`parameters.${index}.name`, `'${parameter.name}' is given twice`);
    declared.add(parameter.name);
    try {
      new RegExp(parameter.pattern, 'u');
    } catch {
      throw invalid(`parameters.${index}.pattern`, 'is not a valid regular expression');
    }
  }
  const used = new Set(template.args.flatMap(placeholdersOf));
  for (const name of used) {
    if (!declared.has(name)) throw invalid('args', `use {${name}}, which is not one of the parameters`);
  }
  for (const name of declared) {
    if (!used.has(name)) throw invalid('parameters', `'${name}' is not used in args: put {${name}} in an argument`);
  }
  for (const name of template.envNames) {
    if (!environmentNamePattern.test(name)) throw invalid('envNames', `'${name}' is not a valid variable name`);
  }
  const denied = findDeniedEnvironmentName(template.envNames);
  if (denied) {
    throw invalid(
      'envNames',
      `may not list '${denied}': it changes how programs or their libraries load, where they connect, or overrides what Parley sets`,
    );
  }
  for (const entry of template.readOnlyPaths) {
    const problem = findMountProblem(entry, places);
    if (problem) throw invalid('readOnlyPaths', problem);
  }
}

/** Outside /usr an executable's file is mounted into the sandbox, so it is judged like a read-only path. */
export function requireMountableExecutable(resolvedPath: string, places: MountPlaces): void {
  if (resolvedPath.startsWith('/usr/')) return;
  const problem = findMountProblem(resolvedPath, places);
  if (problem) throw invalid('executablePath', problem);
}

/** Checks a tenant's values against the template and gives the argv after the executable. */
export function renderArguments(template: StdioTemplate, values: Readonly<Record<string, string>>): string[] {
  const declared = new Map(template.parameters.map((parameter) => [parameter.name, parameter]));
  for (const name of Object.keys(values)) {
    if (!declared.has(name)) {
      const known = [...declared.keys()].join(', ') || 'none';
      throw invalid(`parameters.${name}`, `is not a parameter of this command template (its parameters: ${known})`);
    }
  }
  for (const parameter of template.parameters) {
    const value = values[parameter.name];
    if (value === undefined || value === '') {
      if (parameter.required) throw invalid(`parameters.${parameter.name}`, 'is required');
      continue;
    }
    requireValidValue(parameter, value);
  }
  const filled = (name: string) => values[name] !== undefined && values[name] !== '';
  const isLeftOut = (element: string | undefined) => element !== undefined && !placeholdersOf(element).every(filled);
  return template.args
    .filter((element, index) => {
      if (isLeftOut(element)) return false;
      // `--db {db}` with db left empty: the option goes with its value. Kept alone it would take the next
      // element as its value (issue 44), so a fixed option before an element that is only a left-out
      // placeholder is left out too.
      const next = template.args[index + 1];
      const isOptionOfNext = /^-[^={}]*$/.test(element) && next !== undefined && lonePlaceholder.test(next);
      return !(isOptionOfNext && isLeftOut(next));
    })
    .map((element) => element.replace(placeholderPattern, (_match, name: string) => values[name]!));
}

const lonePlaceholder = /^\{[a-z][a-z0-9_]{0,39}\}$/;

function requireValidValue(parameter: StdioTemplateParameter, value: string): void {
  const field = `parameters.${parameter.name}`;
  if (value.length > valueMaxLength) throw invalid(field, `must be at most ${valueMaxLength} characters`);
  // Control characters (a line break among them) have no place in one argument.
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  if (/[\0-\x1f\x7f]/.test(value)) throw invalid(field, 'must not contain control characters or line breaks');
  if (value.startsWith('-')) throw invalid(field, "must not start with '-': a value can never become an option");
  if (parameter.type === 'integer' && !/^\d{1,15}$/.test(value)) throw invalid(field, 'must be a whole number');
  if (parameter.type === 'url') {
    const url = URL.canParse(value) ? new URL(value) : undefined;
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw invalid(field, 'must be an http:// or https:// URL');
    }
  }
  if (!new RegExp(`^(?:${parameter.pattern})$`, 'u').test(value)) {
    throw invalid(
      field,
      `must match the pattern ${parameter.pattern}${parameter.description ? ` (${parameter.description})` : ''}`,
    );
  }
}
