import { normalizeHostname } from './address-policy.js';
import { takeGateMark } from './gated-call-scope.js';
import { portOf } from './outbound-guard.js';

/**
 * Where the server-wide model providers are reached (the hosts, with their ports, that the environment's
 * provider settings name: `api.openai.com:443`, an OLLAMA_BASE_URL's `127.0.0.1:11434`…). Only a model
 * gate's call, which carries the gate's mark (gated-call-scope.ts), may be sent there: the outbound door
 * (create-outbound-http.ts) and the global fetch (guardGlobalFetch below) refuse anything else at run time.
 */
export interface ProviderHosts {
  /** The name of the server-wide provider reached at this URL's host and port, or undefined. */
  providerAt(url: URL): string | undefined;
}

export function createProviderHosts(
  providers: readonly { readonly provider: string; readonly baseUrl: string }[],
): ProviderHosts {
  const byHost = new Map<string, string>();
  for (const { provider, baseUrl } of providers) {
    if (!URL.canParse(baseUrl)) continue;
    const key = hostKey(new URL(baseUrl));
    if (!byHost.has(key)) byHost.set(key, provider);
  }
  return { providerAt: (url) => byHost.get(hostKey(url)) };
}

function hostKey(url: URL): string {
  return `${normalizeHostname(url.hostname)}:${portOf(url)}`;
}

/** A programming error, not the user's: a 500 whose message is logged, never shown. */
export function refusedOutsideGate(url: URL, provider?: string): Error {
  const named = provider ? `the model provider '${provider}' at '${url.host}'` : `the model provider at '${url.host}'`;
  return new Error(
    `A request to ${named} was refused: it did not come through the model gate (src/ai), so it would be neither admitted by the budgets nor recorded in the usage ledger`,
  );
}

interface InstalledGuard {
  /** The global fetch the guard wrapped. */
  readonly original: typeof fetch;
  readonly guarded: typeof fetch;
  /** One entry per app that installed the guard and has not closed (tests run several in one process). */
  readonly hostSets: Set<ProviderHosts>;
}

let installed: InstalledGuard | undefined;

/**
 * Wraps `globalThis.fetch` so that a request to a server-wide provider's host without the gate's mark is
 * refused (a rejected promise) before anything leaves; a marked one is sent with the mark taken off, and
 * every other request passes through unchanged. What lint forbids outside src/ (a plain `fetch`) is thus
 * refused at run time too. Returns the uninstall, which restores the original fetch once no app needs it.
 */
export function guardGlobalFetch(hosts: ProviderHosts): () => void {
  const guard = (installed ??= installGuard());
  guard.hostSets.add(hosts);
  return () => {
    guard.hostSets.delete(hosts);
    if (guard.hostSets.size > 0 || installed !== guard) return;
    // Left in place when something replaced it since (a test's stub): it passes everything through.
    if (globalThis.fetch === guard.guarded) {
      globalThis.fetch = guard.original;
      installed = undefined;
    }
  };
}

/**
 * The global fetch as it was before the guard: for the providers' pool, which sends what its undici agent
 * cannot (a transcription's form) after it has checked the mark and taken it off.
 */
export const fetchPastGuard: typeof fetch = (input, init) => (installed?.original ?? globalThis.fetch)(input, init);

function installGuard(): InstalledGuard {
  const original = globalThis.fetch;
  const hostSets = new Set<ProviderHosts>();
  const guarded: typeof fetch = (input, init) => {
    const url = urlOf(input);
    const provider = url && providerAmong(hostSets, url);
    if (!url || provider === undefined) return original(input, init);
    // A Request's own headers count too; the init's, given, replace them, so both are merged into it.
    const headers = new Headers(input instanceof Request ? input.headers : undefined);
    new Headers(init?.headers).forEach((value, name) => headers.set(name, value));
    const marked = takeGateMark({ ...init, headers });
    if (!marked.isGated) return Promise.reject(refusedOutsideGate(url, provider));
    return original(input, marked.init);
  };
  globalThis.fetch = guarded;
  return { original, guarded, hostSets };
}

function providerAmong(hostSets: ReadonlySet<ProviderHosts>, url: URL): string | undefined {
  for (const hosts of hostSets) {
    const provider = hosts.providerAt(url);
    if (provider !== undefined) return provider;
  }
  return undefined;
}

function urlOf(input: Parameters<typeof fetch>[0]): URL | undefined {
  const text = input instanceof Request ? input.url : String(input);
  return URL.canParse(text) ? new URL(text) : undefined;
}
