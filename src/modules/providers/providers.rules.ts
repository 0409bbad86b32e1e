import type { ProviderKind } from '../../platform/db/schema/agents.js';
import { AppError } from '../../platform/errors.js';
import { OutboundRefusedError } from '../../platform/outbound/index.js';

/** Names the model registry already gives a meaning to, whatever the tenant configures. */
const reservedNames = new Set(['offline']);

const invalidField = (field: string, message: string): AppError =>
  new AppError('validation_failed', `The request is invalid — ${field}: ${message}`, { fields: [{ field, message }] });

export function requireUsableName(name: string): void {
  if (reservedNames.has(name)) {
    throw invalidField(
      'name',
      `'${name}' is the built-in model's name and cannot name a provider; choose another name`,
    );
  }
}

/** Refuses now what the model registry would refuse at chat time, so the admin hears it here. */
export function requireCompleteConfiguration(
  kind: ProviderKind,
  baseUrl: string | null | undefined,
  settings: Readonly<Record<string, string>>,
): void {
  if (kind === 'openai-compatible' && !baseUrl) {
    throw invalidField('baseUrl', "is required for an 'openai-compatible' provider");
  }
  if (kind === 'azure' && !baseUrl && !settings['resourceName']) {
    throw invalidField('settings.resourceName', "an 'azure' provider needs settings.resourceName or a baseUrl");
  }
}

/**
 * A base URL inside the server's own network (loopback, private, link-local, metadata) is refused now,
 * with the outbound guard's sentence, instead of at the first chat. A name that does not resolve (yet)
 * is accepted: its DNS may come later, and every call is checked again when it connects.
 */
export async function requireReachableBaseUrl(
  baseUrl: string | null | undefined,
  assertAllowed: (url: string) => Promise<void>,
): Promise<void> {
  if (!baseUrl) return;
  try {
    await assertAllowed(baseUrl);
  } catch (error) {
    if (error instanceof OutboundRefusedError) throw invalidField('baseUrl', error.message);
  }
}
