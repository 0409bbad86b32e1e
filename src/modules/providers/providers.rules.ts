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

/** The settings each kind of provider reads (provider-entries.ts); any other would be stored and never used. */
const settingsOfKind: Readonly<Record<ProviderKind, readonly string[]>> = {
  openai: ['organization', 'project'],
  azure: ['resourceName', 'apiVersion'],
  anthropic: [],
  'openai-compatible': [],
  cohere: [],
};

/**
 * Settings are shown to every admin in clear, so one the provider does not read is refused rather than
 * kept: a key pasted there by mistake would otherwise sit unencrypted in every provider listing.
 */
export function requireKnownSettings(kind: ProviderKind, settings: Readonly<Record<string, string>> | undefined): void {
  const known = settingsOfKind[kind];
  const unknown = Object.keys(settings ?? {}).find((name) => !known.includes(name));
  if (unknown === undefined) return;
  const takes = known.length ? `it takes only ${known.join(' and ')}` : 'it takes none';
  const hint = /key|secret|token|password/i.test(unknown)
    ? '; send an API key as apiKey, which is stored encrypted'
    : '';
  throw invalidField(`settings.${unknown}`, `is not a setting of an '${kind}' provider (${takes})${hint}`);
}

/** The kinds whose SDK cannot call without a key (provider-entries.ts); an OpenAI-compatible server may need none. */
const kindsNeedingKey: ReadonlySet<ProviderKind> = new Set(['openai', 'anthropic', 'azure', 'cohere']);

/** An Azure resource is a host name label; anything else would change the host the key is sent to. */
const azureResourceName = /^[a-z0-9][a-z0-9-]{0,62}$/i;
/** Dated versions (`2024-10-21`, `2025-04-01-preview`) or the v1 API's `v1` / `preview`. */
const azureApiVersion = /^(v1|preview|\d{4}-\d{2}-\d{2}(-preview)?)$/;

/** Refuses now what the model registry would refuse at chat time, so the admin hears it here. */
export function requireCompleteConfiguration(
  kind: ProviderKind,
  baseUrl: string | null | undefined,
  settings: Readonly<Record<string, string>>,
  hasApiKey: boolean,
): void {
  if (kind === 'openai-compatible' && !baseUrl) {
    throw invalidField('baseUrl', "is required for an 'openai-compatible' provider");
  }
  if (kind === 'azure' && !baseUrl && !settings['resourceName']) {
    throw invalidField('settings.resourceName', "an 'azure' provider needs settings.resourceName or a baseUrl");
  }
  if (kindsNeedingKey.has(kind) && !hasApiKey) {
    throw invalidField('apiKey', `is required for an '${kind}' provider`);
  }
  if (kind === 'azure' && settings['resourceName'] !== undefined && !azureResourceName.test(settings['resourceName'])) {
    throw invalidField('settings.resourceName', 'must be the resource name alone: letters, digits and dashes');
  }
  if (kind === 'azure' && settings['apiVersion'] !== undefined && !azureApiVersion.test(settings['apiVersion'])) {
    throw invalidField('settings.apiVersion', "must be a dated version such as '2024-10-21', or 'v1' or 'preview'");
  }
  if (baseUrl && /[?#]/.test(baseUrl)) {
    throw invalidField('baseUrl', 'must not have a query string or fragment: the client adds paths after it');
  }
}

/**
 * A stored key goes only where it was given for: moving a provider to another address or kind takes the
 * key again. Otherwise any admin could send the tenant's key to a host of their own without ever seeing it.
 */
export function requireKeyForNewAddress(
  current: {
    kind: ProviderKind;
    baseUrl: string | null;
    settings: Readonly<Record<string, string>>;
    hasApiKey: boolean;
  },
  next: {
    kind: ProviderKind;
    baseUrl: string | null;
    settings: Readonly<Record<string, string>>;
    sendsApiKey: boolean;
  },
): void {
  if (!current.hasApiKey || next.sendsApiKey) return;
  const moved =
    next.kind !== current.kind ||
    next.baseUrl !== current.baseUrl ||
    next.settings['resourceName'] !== current.settings['resourceName'];
  if (moved) {
    throw invalidField(
      'apiKey',
      'must be sent again when the kind, baseUrl or resourceName changes: a stored key only goes to the address it was given for',
    );
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
