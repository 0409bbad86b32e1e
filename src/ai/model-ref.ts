/** The ref of the built-in model that answers when no language model is configured. */
export const offlineModelRef = 'offline';

export type ParsedModelRef =
  { readonly kind: 'offline' } | { readonly kind: 'provider'; readonly providerName: string; readonly modelId: string };

const providerNamePattern = /^[a-z][a-z0-9-]{0,39}$/;
const maxModelIdLength = 200;

/**
 * Splits `provider:model` at the first colon only, because model ids may contain colons themselves
 * (Ollama tags such as `llama3.1:8b`). Returns undefined for anything that is not a usable ref.
 */
export function parseModelRef(modelRef: string): ParsedModelRef | undefined {
  const ref = modelRef.trim();
  if (ref === offlineModelRef) return { kind: 'offline' };
  const separator = ref.indexOf(':');
  if (separator <= 0) return undefined;
  const providerName = ref.slice(0, separator);
  const modelId = ref.slice(separator + 1).trim();
  if (!providerNamePattern.test(providerName)) return undefined;
  if (modelId.length === 0 || modelId.length > maxModelIdLength) return undefined;
  return { kind: 'provider', providerName, modelId };
}

export function formatModelRef(providerName: string, modelId: string): string {
  return `${providerName}:${modelId}`;
}

/**
 * Whose model a ref names, as the budgets and the ledger record it: its provider's name, or `offline`
 * for the built-in model (and a ref that does not parse, which never reaches a provider).
 */
export function providerOfModelRef(modelRef: string): { providerName: string; isOffline: boolean } {
  const parsed = parseModelRef(modelRef);
  return parsed?.kind === 'provider'
    ? { providerName: parsed.providerName, isOffline: false }
    : { providerName: offlineModelRef, isOffline: true };
}
