import { accessSync, chmodSync, constants, mkdirSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { parseModelRef } from './ai/model-ref.js';
import { findMountProblem, type MountPlaces } from './platform/mount-policy.js';
import { isAllowListEntry } from './platform/outbound/address-policy.js';
import { fileSettings } from './secret-files.js';
import { plainIssueMessage } from './platform/validation-messages.js';

/** A provider's address: only HTTP(S) reaches one (file: or javascript: would be read as one and fail late). */
const optionalUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
  .max(2048)
  .optional();

const modelRefSchema = z
  .string()
  .min(1)
  .max(200)
  .refine(
    (value) => parseModelRef(value) !== undefined,
    "must be 'offline' or 'provider:model', e.g. 'openai:gpt-4o-mini'",
  );

const proxyNames = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** An IP address or CIDR range, or one of proxy-addr's names for the private ranges. */
const isProxyAddress = (entry: string): boolean => {
  if (proxyNames.has(entry)) return true;
  const [address = '', bits, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128));
};

function isTrustProxySetting(value: string): boolean {
  return /^(true|false|\d{1,2})$/.test(value) || listOf(value).every(isProxyAddress);
}

function toTrustProxy(value: string): boolean | number | string {
  if (value === 'true' || value === 'false') return value === 'true';
  return /^\d+$/.test(value) ? Number(value) : listOf(value).join(',');
}

/** `*`, or an origin as browsers send it: scheme, host and port, nothing after. */
const isCorsOrigin = (entry: string): boolean =>
  entry === '*' || (URL.canParse(entry) && new URL(entry).origin === entry.replace(/\/$/, ''));
const optionalSecret = z.string().min(1).max(4096).optional();

/**
 * A count or size in plain digits. Number() also reads '0x10F4', '1e3' and '0b101', which a person
 * setting PORT or a limit does not mean, and which would start the server on a value nobody wrote.
 */
const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\s*\d+\s*$/, 'must be a whole number written in digits')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** The one schema over the environment. Every variable the server reads is named here and in docs/configuration.md (a test checks). */
const environmentSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).max(255).default('0.0.0.0'),
  PORT: wholeNumber(0, 65535).default(3000),
  /**
   * The address people open Parley at (scheme, host and port): where identity providers send them back.
   * Unset, it is made of HOST and PORT (publicUrlOf), fine on one machine, and serve.ts says so.
   */
  PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL, e.g. https://parley.example.com' })
    .max(2048)
    .refine(
      (url) => !URL.canParse(url) || new URL(url).origin === url.replace(/\/$/, '').toLowerCase(),
      'must be the address people open Parley at, without a path, e.g. https://parley.example.com',
    )
    .optional(),
  DATA_DIR: z.string().min(1).max(1024).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .max(2048)
    .optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    // ioredis reads the path as the database number: '/abc' became SELECT NaN, thrown past start-up.
    .refine(
      (url) => !URL.canParse(url) || /^\/?\d*$/.test(new URL(url).pathname),
      'must name its database by number, if at all (redis://host:6379/0)',
    )
    .max(2048)
    .optional(),
  PARLEY_SECRET_KEY: z.string().min(32, 'must be at least 32 characters').max(4096).optional(),
  SIGNUP_MODE: z.enum(['invite', 'open', 'closed']).default('invite'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CORS_ORIGINS: z
    .string()
    .max(4096)
    .default('')
    .refine(
      (value) => listOf(value).every(isCorsOrigin),
      "must be '*' or origins such as https://app.example.com, separated by commas",
    ),
  RATE_LIMIT_PER_MINUTE: wholeNumber(1, 1_000_000).default(600),
  AUTH_RATE_LIMIT_PER_MINUTE: wholeNumber(1, 1_000_000).default(30),
  WIDGET_RATE_LIMIT_PER_MINUTE: wholeNumber(1, 1_000_000).default(60),
  WIDGET_IMAGE_MAX_BYTES: wholeNumber(1024, 100 * 1024 * 1024).default(5 * 1024 * 1024),
  /** The SMTP listener for `email` inboxes: off unless a port is set (0 picks a free one, for tests). */
  EMAIL_SMTP_PORT: wholeNumber(0, 65_535).optional(),
  EMAIL_SMTP_HOST: z.string().min(1).max(255).default('127.0.0.1'),
  /** The largest mail the listener takes (announced with SIZE, refused at DATA with 552 past it). */
  EMAIL_MAX_BYTES: wholeNumber(1024, 200 * 1024 * 1024).default(25 * 1024 * 1024),
  /** Where replies are sent: `smtp://` or `smtps://` (implicit TLS), with the user and password in it if needed. */
  EMAIL_SMTP_URL: z
    .url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL, e.g. smtp://user:pass@mail.example:587' })
    .max(2048)
    .optional(),
  /** Refuse a STARTTLS-less connection to EMAIL_SMTP_URL (smtp:// only; smtps:// is TLS from the start). */
  EMAIL_SMTP_REQUIRE_TLS: z.enum(['true', 'false']).default('false'),
  /** Whether the outbound server's certificate must be valid (turn off only for a server with a self-signed one). */
  EMAIL_SMTP_TLS_VERIFY: z.enum(['true', 'false']).default('true'),
  LOGIN_ATTEMPTS_PER_15_MINUTES: wholeNumber(1, 10_000).default(10),
  /** scrypt's N for new password hashes: a power of two, 2^10 to 2^17 (128 MiB a check). */
  PASSWORD_HASH_COST: wholeNumber(1024, 131_072)
    .refine((cost) => (cost & (cost - 1)) === 0, 'must be a power of two, e.g. 16384')
    .default(16_384),
  ACCESS_TOKEN_TTL_SECONDS: wholeNumber(30, 86_400).default(900),
  REFRESH_TOKEN_TTL_DAYS: wholeNumber(1, 365).default(30),
  BODY_LIMIT_BYTES: wholeNumber(1024, 100 * 1024 * 1024).default(1024 * 1024),
  REQUEST_TIMEOUT_MS: wholeNumber(1000, 3_600_000).default(300_000),
  MODEL_TIMEOUT_MS: wholeNumber(1000, 3_600_000).default(300_000),
  MODEL_STALL_TIMEOUT_MS: wholeNumber(100, 3_600_000).default(60_000),
  /** `off` (or `0`): plain streamed turns on Chat Completions servers go through the AI SDK's own parse again (ADR 28). */
  MODEL_LEAN_STREAM: z.enum(['on', 'off', '1', '0']).default('on'),
  // An integration may serve many people through one API key (a support widget): 100 at once is ~70 MB.
  CONCURRENT_REPLIES_PER_USER: wholeNumber(1, 100_000).default(100),
  CHAT_HISTORY_MAX_CHARS: wholeNumber(1_000, 10_000_000).default(120_000),
  CHAT_HISTORY_MAX_TOKENS: wholeNumber(500, 10_000_000).default(30_000),
  MODEL_CONTEXT_TOKENS: wholeNumber(1_024, 10_000_000).default(16_384),
  SHUTDOWN_GRACE_MS: wholeNumber(0, 600_000).default(10_000),
  // How often a node runs its maintenance sweep, and how long a reply's lease may go unrenewed before
  // the sweep marks it interrupted (its node was killed). Tests shorten both to see a kill -9 at work.
  MAINTENANCE_SWEEP_INTERVAL_MS: wholeNumber(100, 3_600_000).default(60_000),
  PROACTIVE_CHECK_INTERVAL_MS: wholeNumber(100, 86_400_000).default(300_000),
  // How often each job worker asks the queue for work: the longest a queued job waits on an idle node.
  JOB_POLL_INTERVAL_MS: wholeNumber(500, 60_000).default(2_000),
  // Crash tests only: how long a node waits after a change commits before it relays the change's webhook
  // events and queues its snooze wake, so a test can kill it in between and see another node make up for it.
  TEST_PAUSE_AFTER_COMMIT_MS: wholeNumber(0, 600_000).default(0),
  ANALYTICS_REFRESH_INTERVAL_MS: wholeNumber(100, 3_600_000).default(10_000),
  REPLY_LEASE_STALE_MS: wholeNumber(1_000, 3_600_000).default(90_000),
  IMPORT_LEASE_STALE_MS: wholeNumber(1_000, 3_600_000).default(90_000),
  JOB_LEASE_STALE_MS: wholeNumber(2_000, 3_600_000).default(120_000),
  // How often each node looks for conversations due a personality suggestion (docs/companion.md).
  PERSONALITY_SUGGESTION_INTERVAL_MS: wholeNumber(1_000, 86_400_000).default(20 * 60_000),
  // The realtime WebSocket's bounds (docs/realtime.md).
  REALTIME_CONNECTIONS_PER_USER: wholeNumber(1, 100_000).default(20),
  REALTIME_SUBSCRIPTIONS_PER_CONNECTION: wholeNumber(1, 10_000).default(100),
  REALTIME_FRAME_MAX_BYTES: wholeNumber(256, 10 * 1024 * 1024).default(128 * 1024),
  REALTIME_FRAMES_PER_SECOND: wholeNumber(1, 10_000).default(20),
  REALTIME_BUFFER_MAX_BYTES: wholeNumber(1024, 1024 * 1024 * 1024).default(4 * 1024 * 1024),
  REALTIME_HEARTBEAT_MS: wholeNumber(100, 600_000).default(30_000),
  /** The first retry's delay of a failed webhook delivery; each later one waits four times longer (capped at 8 h). */
  WEBHOOK_RETRY_BASE_MS: wholeNumber(1, 3_600_000).default(60_000),
  /** Attempts per delivery before it fails for good (the default spans about a day). */
  WEBHOOK_MAX_ATTEMPTS: wholeNumber(1, 20).default(8),
  WEBHOOK_TIMEOUT_MS: wholeNumber(100, 60_000).default(15_000),
  /** Deliveries a node sends at once: each mostly waits (on the receiver, on the database). */
  WEBHOOK_DELIVERY_CONCURRENCY: wholeNumber(1, 256).default(16),
  /** An endpoint whose deliveries failed for good this many events in a row, for at least… */
  WEBHOOK_DISABLE_AFTER_FAILED_EVENTS: wholeNumber(1, 10_000).default(10),
  /** …this long since the first of them, is disabled. */
  WEBHOOK_DISABLE_AFTER_MS: wholeNumber(0, 30 * 24 * 3_600_000).default(24 * 3_600_000),
  /**
   * Which `X-Forwarded-For` to believe: `false`; a number of proxies in front (1: the client is the
   * address the nearest proxy saw); the proxies' addresses or CIDR ranges; or `true`, every hop, which
   * takes the left-most address, one the client can write itself (see docs/configuration.md).
   */
  TRUST_PROXY: z
    .string()
    .max(4096)
    .default('false')
    .refine(
      isTrustProxySetting,
      "must be false, true, a number of proxies (1), or the proxies' IP addresses or CIDR ranges (10.0.0.0/8), separated by commas",
    )
    .transform(toTrustProxy),
  DEFAULT_MODEL: modelRefSchema.optional(),
  /** Whether every new tenant starts with an agent, "Assistant", on DEFAULT_MODEL (or the first provider's, or offline). */
  DEFAULT_AGENT: z.enum(['on', 'off']).default('on'),
  /** Whether single sign-on may use an issuer at a plain http:// URL (a provider on your own network, tests). */
  SSO_ALLOW_HTTP_ISSUERS: z.enum(['true', 'false']).default('false'),
  /** How long a session begun by single sign-on lasts, from that sign-in: then its person goes through the provider again. */
  SSO_SESSION_MAX_HOURS: wholeNumber(1, 8_760).default(24),
  /** The API keys of people who sign in through a provider work until this many days after their last single sign-on. */
  SSO_API_KEY_MAX_DAYS: wholeNumber(1, 365).default(30),
  TRANSCRIPTION_MODEL: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,39}:\S{1,200}$/, "must be 'provider:model', e.g. 'openai:whisper-1'")
    .optional(),
  DEFAULT_EMBEDDING_MODEL: modelRefSchema.default('offline'),
  UPLOAD_MAX_BYTES: wholeNumber(1024, 2 * 1024 * 1024 * 1024).default(50 * 1024 * 1024),
  /** What one import's files may add up to: a zip's declared and inflated sizes, and a zip upload itself. */
  IMPORT_MAX_BYTES: wholeNumber(1024, 64 * 1024 * 1024 * 1024).default(1024 * 1024 * 1024),
  /** What one tenant's stored files may add up to (attachments, widget images, knowledge documents); 0: no bound. */
  TENANT_STORAGE_QUOTA_BYTES: wholeNumber(0, 2 ** 50).default(5 * 1024 * 1024 * 1024),
  /** Hosts, IP addresses or CIDR ranges outbound requests may reach even though they are private. */
  OUTBOUND_ALLOW: z
    .string()
    .max(4096)
    .default('')
    .refine(
      (value) => listOf(value).every(isAllowListEntry),
      'must be host names, IP addresses or CIDR ranges (10.0.0.0/8), each with a port (127.0.0.1:11434) or not, separated by commas',
    ),
  /** Directories of vetted scripts that an interpreter allowed for stdio MCP servers may run. */
  MCP_SCRIPT_DIRS: z
    .string()
    .max(4096)
    .default('')
    .refine(
      (value) => listOf(value).every((entry) => path.isAbsolute(entry)),
      'must be absolute directory paths separated by commas',
    )
    // A mistyped directory allowed nothing, and said nothing until a server failed to start.
    .refine(
      (value) => listOf(value).every((entry) => isDirectory(entry)),
      'must name directories that exist, separated by commas',
    ),
  /** The unprivileged user stdio MCP servers run as (a name or `uid:gid`); required when the server runs as root. */
  MCP_STDIO_USER: z
    .string()
    .regex(/^([a-z_][a-z0-9_-]{0,31}|\d{1,10}:\d{1,10})$/, "must be a user name (nobody) or 'uid:gid' (65534:65534)")
    .optional(),
  /** auto (or bubblewrap): stdio servers run in bubblewrap, refused where it cannot run; off: unconfined. */
  MCP_STDIO_SANDBOX: z.enum(['auto', 'bubblewrap', 'off']).default('auto'),
  /** Where programs the server starts itself are found: bubblewrap (`bwrap`) for stdio MCP servers. */
  PATH: z.string().max(16_384).default('/usr/local/bin:/usr/bin:/bin'),
  PARSE_TIMEOUT_MS: wholeNumber(1000, 3_600_000).default(120_000),
  PARSE_MAX_MEMORY_MB: wholeNumber(64, 16_384).default(512),
  PARSE_MAX_CHARACTERS: wholeNumber(1000, 200_000_000).default(10_000_000),
  OPENAI_API_KEY: optionalSecret,
  OPENAI_BASE_URL: optionalUrl,
  ANTHROPIC_API_KEY: optionalSecret,
  ANTHROPIC_BASE_URL: optionalUrl,
  AZURE_OPENAI_API_KEY: optionalSecret,
  AZURE_OPENAI_RESOURCE_NAME: z.string().min(1).max(200).optional(),
  AZURE_OPENAI_BASE_URL: optionalUrl,
  AZURE_OPENAI_API_VERSION: z.string().min(1).max(50).optional(),
  OLLAMA_BASE_URL: optionalUrl,
  OPENAI_COMPATIBLE_BASE_URL: optionalUrl,
  OPENAI_COMPATIBLE_API_KEY: optionalSecret,
  COHERE_API_KEY: optionalSecret,
  COHERE_BASE_URL: optionalUrl,
  OPENAI_COMPATIBLE_NAME: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be lowercase letters, digits and dashes')
    // 'offline:…' would read as the built-in model's, so the provider's models could never be chosen.
    .refine((name) => name !== 'offline', "must not be 'offline', the built-in model's name")
    .default('compatible'),
});

export type Environment = z.infer<typeof environmentSchema>;

export interface ServerProviderSettings {
  readonly openai?: { apiKey: string; baseUrl?: string };
  readonly anthropic?: { apiKey: string; baseUrl?: string };
  readonly azure?: { apiKey: string; resourceName?: string; baseUrl?: string; apiVersion?: string };
  readonly ollama?: { baseUrl: string };
  readonly compatible?: { name: string; baseUrl: string; apiKey?: string };
  /** Reranking only (`cohere:rerank-v3.5`): knowledge sources may name it to reorder hybrid results. */
  readonly cohere?: { apiKey: string; baseUrl?: string };
}

export interface Config {
  readonly environment: Environment['NODE_ENV'];
  readonly host: string;
  readonly port: number;
  /** PUBLIC_URL (an origin): the address people open Parley at, for single sign-on's redirects. */
  readonly publicUrl: string;
  /** Whether PUBLIC_URL was unset, so publicUrl was made of HOST and PORT. */
  readonly isPublicUrlDerived: boolean;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly redisUrl: string | undefined;
  readonly secretKey: string | undefined;
  readonly signupMode: Environment['SIGNUP_MODE'];
  readonly logLevel: Environment['LOG_LEVEL'];
  readonly corsOrigins: readonly string[];
  readonly rateLimitPerMinute: number;
  readonly authRateLimitPerMinute: number;
  /** The widget API's budget per contact; an address gets ten times it (many visitors share one NAT). */
  readonly widgetRateLimitPerMinute: number;
  /** The largest image a widget visitor may send. */
  readonly widgetImageMaxBytes: number;
  /** The email channel (docs/customer-service.md, "The email inbox"). */
  readonly email: {
    /** Undefined: no SMTP listener. */
    readonly listenPort: number | undefined;
    readonly listenHost: string;
    readonly maxBytes: number;
    /** Undefined: replies in email conversations wait (and are retried) until it is set. */
    readonly smtpUrl: string | undefined;
    readonly requireTls: boolean;
    readonly verifyTls: boolean;
  };
  readonly loginAttemptsPer15Minutes: number;
  /** scrypt's N for new password hashes (each stored hash keeps its own). */
  readonly passwordHashCost: number;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlDays: number;
  readonly bodyLimitBytes: number;
  /** The longest a client may take to send a whole request (headers and body, an upload included). */
  readonly requestTimeoutMs: number;
  readonly modelTimeoutMs: number;
  /** The longest a message of a conversation's history is read, in characters; an older one longer is not sent. */
  readonly chatHistoryMaxChars: number;
  /** The most of a conversation's history a prompt holds, in tokens; the model's context may allow less. */
  readonly chatHistoryMaxTokens: number;
  /** The context size assumed for a model whose family Parley does not know (ai/model-context.ts). */
  readonly modelContextTokens: number;
  /** Replies one user may have written at once on one node (chat turns and OpenAI-compatible completions). */
  readonly concurrentRepliesPerUser: number;
  /** The longest a provider may stay silent: before its response, or between two parts of its stream. */
  readonly modelStallTimeoutMs: number;
  readonly shutdownGraceMs: number;
  /** How often the maintenance sweep runs (expired rows, abandoned replies). */
  readonly maintenanceSweepIntervalMs: number;
  /** Crash tests only: the pause between a commit and its webhook relay and snooze wake (0 in service). */
  readonly testPauseAfterCommitMs: number;
  /** How often each node's proactive scheduler looks for quiet conversations (docs/companion.md). */
  readonly proactiveCheckIntervalMs: number;
  /** How often each job worker polls the queue (pg-boss fetches; nothing wakes a worker sooner). */
  readonly jobPollIntervalMs: number;
  /** How often each job-running node recounts the analytics rollups of what changed. */
  readonly analyticsRefreshIntervalMs: number;
  /** A reply `streaming` whose lease is older than this lost its node; the sweep marks it interrupted. */
  readonly replyLeaseStaleMs: number;
  /** An import `running` whose node has not renewed it for this long was cut short; the sweep says so. */
  readonly importLeaseStaleMs: number;
  /** A running job whose node has not renewed its lease for this long goes to its retry (PostgreSQL). */
  readonly jobLeaseStaleMs: number;
  /** How often the scan for conversations due a personality suggestion runs. */
  readonly personalitySuggestionIntervalMs: number;
  /** The realtime WebSocket's bounds (REALTIME_*). */
  readonly webhooks: {
    readonly retryBaseMs: number;
    readonly maxAttempts: number;
    readonly timeoutMs: number;
    readonly deliveryConcurrency: number;
    readonly disableAfterFailedEvents: number;
    readonly disableAfterMs: number;
  };
  readonly realtime: {
    readonly connectionsPerUser: number;
    readonly subscriptionsPerConnection: number;
    readonly frameMaxBytes: number;
    readonly framesPerSecond: number;
    readonly bufferMaxBytes: number;
    readonly heartbeatMs: number;
    readonly ticketTtlMs: number;
    readonly typingThrottleMs: number;
    readonly replayPageSize: number;
  };
  /** As Fastify's `trustProxy` takes it: a list is the proxies' addresses, comma-separated. */
  readonly trustProxy: boolean | number | string;
  readonly defaultModel: string | undefined;
  /** DEFAULT_AGENT: a new tenant starts with the agent "Assistant". */
  readonly createsDefaultAgent: boolean;
  /** MODEL_LEAN_STREAM: plain streamed turns on OpenAI-compatible servers skip the SDK's per-chunk parse (ADR 28). */
  readonly isLeanModelStreamOn: boolean;
  /** SSO_ALLOW_HTTP_ISSUERS: identity providers at http:// URLs are accepted (docs/sso.md). */
  readonly ssoAllowHttpIssuers: boolean;
  /** SSO_SESSION_MAX_HOURS: a single sign-on's session ends this long after it (ADR 24). */
  readonly ssoSessionMaxHours: number;
  /** SSO_API_KEY_MAX_DAYS: an SSO user's API keys stop this long after their last single sign-on (ADR 24). */
  readonly ssoApiKeyMaxDays: number;
  /** The speech-to-text model for audio attachments (`provider:model`); unset, OpenAI's whisper-1 if configured. */
  readonly transcriptionModel: string | undefined;
  /** `offline` or `provider:model`; what a new knowledge source embeds with unless it names another. */
  readonly defaultEmbeddingModel: string;
  readonly uploadMaxBytes: number;
  /** IMPORT_MAX_BYTES: the most one import's files may add up to (a zip as stored, and as inflated). */
  readonly importMaxBytes: number;
  /** TENANT_STORAGE_QUOTA_BYTES: a tenant's stored files at most, unless its own quota says otherwise; 0: none. */
  readonly tenantStorageQuotaBytes: number;
  /** Where uploaded files live (a directory under the data dir). */
  readonly filesDir: string;
  readonly outboundAllowList: readonly string[];
  /** An interpreter command (node, python…) runs only scripts inside these directories. */
  readonly mcpScriptDirs: readonly string[];
  /** What a stdio MCP server's sandbox may never show: DATA_DIR, the settings file, secrets' directories. */
  readonly mountPlaces: MountPlaces;
  /** MCP_STDIO_USER: who stdio MCP servers run as; unset, the server's own user (refused when that is root). */
  readonly mcpStdioUser: string | undefined;
  readonly mcpStdioSandbox: 'auto' | 'bubblewrap' | 'off';
  /** PATH: where `bwrap` is looked for. */
  readonly searchPath: string;
  /** Bounds for a document parser running in its worker thread. */
  readonly parseTimeoutMs: number;
  readonly parseMaxMemoryMb: number;
  /** A document whose text is longer is refused: its text, chunks and vectors would not fit in memory. */
  readonly parseMaxCharacters: number;
  readonly providers: ServerProviderSettings;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Creates the data directory if needed. A DATA_DIR that is a file or cannot be created stops start-up
 * with a line naming the variable, rather than with the error of whichever module touched it first.
 */
export function prepareDataDir(dataDir: string): void {
  try {
    // Owner-only: a stdio MCP server's child (another user) must not read the secret or the uploads.
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    // The lock, the secret and stored files are written here: a directory this user may only read
    // failed later as "EACCES: permission denied, open '…/pglite.lock'", naming no setting.
    accessSync(dataDir, constants.W_OK);
    // Made before this was owner-only (0755 by default): closed now, as a stdio MCP server's child runs as
    // another user who must not read the secret or the uploads. Only when it is ours to change.
    const info = statSync(dataDir);
    if ((info.mode & 0o077) !== 0 && info.uid === process.getuid?.()) chmodSync(dataDir, info.mode & 0o700);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // mkdir answers EEXIST for a file in the directory's place, ENOTDIR for a file above it.
    if (code === 'EEXIST') {
      throw new ConfigError(`Invalid environment variable DATA_DIR: ${dataDir} is a file, not a directory`);
    }
    const reason =
      code === 'ENOTDIR'
        ? 'a folder above it is a file'
        : code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
          ? 'this user may not create it or write in it'
          : `it cannot be created (${code ?? 'unknown error'})`;
    throw new ConfigError(`Invalid environment variable DATA_DIR: ${dataDir} is not a usable directory: ${reason}`);
  }
}

/**
 * MCP_SCRIPT_DIRS are mounted into every stdio server's sandbox: judged where they really are (a symlink
 * to DATA_DIR is DATA_DIR), as platform/mount-policy.ts says, before the server starts.
 */
function requireMountableScriptDirs(e: Environment, places: MountPlaces): void {
  for (const entry of listOf(e.MCP_SCRIPT_DIRS)) {
    const problem = findMountProblem(path.resolve(entry), places);
    if (problem) throw new ConfigError(`Invalid environment variable MCP_SCRIPT_DIRS: ${problem}`);
  }
}

/**
 * The server's own places no stdio child may see (platform/mount-policy.ts): DATA_DIR, a database socket's
 * directory, the working directory and the `.env` in it (dot-env-file.ts reads `.env` from there), and
 * the files the `*_FILE` settings name (secret-files.ts), whose values are secrets.
 */
function serverMountPlaces(env: NodeJS.ProcessEnv, e: Environment): MountPlaces {
  return Object.freeze({
    dataDir: path.resolve(e.DATA_DIR),
    socketPaths: databaseSocketDir(e.DATABASE_URL),
    workingDirectory: process.cwd(),
    dotEnvFile: path.resolve('.env'),
    secretFiles: fileSettings.flatMap((name) => {
      const file = env[`${name}_FILE`]?.trim();
      return file ? [path.resolve(file)] : [];
    }),
  });
}

/**
 * The address a browser on this machine reaches the server at when PUBLIC_URL is unset: `localhost` for
 * a server listening on every interface. Behind a proxy or on another machine, PUBLIC_URL must say it:
 * the Host header a request brings is the client's to write, so it never decides where people are sent.
 */
export function publicUrlOf(host: string, port: number): string {
  const name = host === '0.0.0.0' || host === '::' ? 'localhost' : isIP(host) === 6 ? `[${host}]` : host;
  // A HOST no URL can hold (`999.1.1.1`) is refused when the server listens, in a sentence naming it.
  const url = `http://${name}:${port}`;
  return URL.canParse(url) ? new URL(url).origin : `http://localhost:${port}`;
}

/** PostgreSQL reached over a Unix socket (`?host=/var/run/postgresql`): that directory is never mounted. */
export function databaseSocketDir(url: string | undefined): string[] {
  const host = url && URL.canParse(url) ? new URL(url).searchParams.get('host') : null;
  return host?.startsWith('/') ? [path.resolve(host)] : [];
}

/**
 * The reader of Parley's own variables in process.env (libpq's PGOPTIONS, which node-postgres reads
 * itself, is only combined with the session settings in postgres-database.ts). Throws ConfigError with
 * one line naming the variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Blank is unset: `PORT=` or `PORT=' '` in a unit file means the default, not 0 (which coercion would make of it).
  const blankless = Object.fromEntries(Object.entries(env).filter(([, value]) => value?.trim() !== ''));
  // Parsed before the HTTP layer sets these words for every schema: a wrong PORT reads "must be a whole
  // number", not "Invalid input: expected number, received NaN".
  const parsed = environmentSchema.safeParse(blankless, { error: plainIssueMessage });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = issue?.path.join('.') ?? 'environment';
    throw new ConfigError(`Invalid environment variable ${variable}: ${issue?.message ?? 'invalid value'}`);
  }
  const e = parsed.data;
  requireCompleteProviderSettings(blankless);
  const mountPlaces = serverMountPlaces(env, e);
  requireMountableScriptDirs(e, mountPlaces);
  if (e.DATABASE_URL && !e.PARLEY_SECRET_KEY) {
    throw new ConfigError(
      'Missing environment variable PARLEY_SECRET_KEY: it is required with DATABASE_URL (generate one with `openssl rand -hex 32`)',
    );
  }
  return Object.freeze({
    environment: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    publicUrl: e.PUBLIC_URL === undefined ? publicUrlOf(e.HOST, e.PORT) : new URL(e.PUBLIC_URL).origin,
    isPublicUrlDerived: e.PUBLIC_URL === undefined,
    dataDir: path.resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    secretKey: e.PARLEY_SECRET_KEY,
    signupMode: e.SIGNUP_MODE,
    logLevel: e.LOG_LEVEL,
    corsOrigins: listOf(e.CORS_ORIGINS),
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    authRateLimitPerMinute: e.AUTH_RATE_LIMIT_PER_MINUTE,
    widgetRateLimitPerMinute: e.WIDGET_RATE_LIMIT_PER_MINUTE,
    widgetImageMaxBytes: e.WIDGET_IMAGE_MAX_BYTES,
    loginAttemptsPer15Minutes: e.LOGIN_ATTEMPTS_PER_15_MINUTES,
    passwordHashCost: e.PASSWORD_HASH_COST,
    accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlDays: e.REFRESH_TOKEN_TTL_DAYS,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    modelTimeoutMs: e.MODEL_TIMEOUT_MS,
    chatHistoryMaxChars: e.CHAT_HISTORY_MAX_CHARS,
    chatHistoryMaxTokens: e.CHAT_HISTORY_MAX_TOKENS,
    modelContextTokens: e.MODEL_CONTEXT_TOKENS,
    concurrentRepliesPerUser: e.CONCURRENT_REPLIES_PER_USER,
    modelStallTimeoutMs: e.MODEL_STALL_TIMEOUT_MS,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    webhooks: Object.freeze({
      retryBaseMs: e.WEBHOOK_RETRY_BASE_MS,
      maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      deliveryConcurrency: e.WEBHOOK_DELIVERY_CONCURRENCY,
      disableAfterFailedEvents: e.WEBHOOK_DISABLE_AFTER_FAILED_EVENTS,
      disableAfterMs: e.WEBHOOK_DISABLE_AFTER_MS,
    }),
    email: Object.freeze({
      listenPort: e.EMAIL_SMTP_PORT,
      listenHost: e.EMAIL_SMTP_HOST,
      maxBytes: e.EMAIL_MAX_BYTES,
      smtpUrl: e.EMAIL_SMTP_URL,
      requireTls: e.EMAIL_SMTP_REQUIRE_TLS === 'true',
      verifyTls: e.EMAIL_SMTP_TLS_VERIFY === 'true',
    }),
    maintenanceSweepIntervalMs: e.MAINTENANCE_SWEEP_INTERVAL_MS,
    testPauseAfterCommitMs: e.TEST_PAUSE_AFTER_COMMIT_MS,
    proactiveCheckIntervalMs: e.PROACTIVE_CHECK_INTERVAL_MS,
    jobPollIntervalMs: e.JOB_POLL_INTERVAL_MS,
    analyticsRefreshIntervalMs: e.ANALYTICS_REFRESH_INTERVAL_MS,
    replyLeaseStaleMs: e.REPLY_LEASE_STALE_MS,
    importLeaseStaleMs: e.IMPORT_LEASE_STALE_MS,
    jobLeaseStaleMs: e.JOB_LEASE_STALE_MS,
    personalitySuggestionIntervalMs: e.PERSONALITY_SUGGESTION_INTERVAL_MS,
    realtime: Object.freeze({
      connectionsPerUser: e.REALTIME_CONNECTIONS_PER_USER,
      subscriptionsPerConnection: e.REALTIME_SUBSCRIPTIONS_PER_CONNECTION,
      frameMaxBytes: e.REALTIME_FRAME_MAX_BYTES,
      framesPerSecond: e.REALTIME_FRAMES_PER_SECOND,
      bufferMaxBytes: e.REALTIME_BUFFER_MAX_BYTES,
      heartbeatMs: e.REALTIME_HEARTBEAT_MS,
      ticketTtlMs: 30_000,
      typingThrottleMs: 1_000,
      replayPageSize: 200,
    }),
    trustProxy: e.TRUST_PROXY,
    defaultModel: e.DEFAULT_MODEL,
    createsDefaultAgent: e.DEFAULT_AGENT === 'on',
    isLeanModelStreamOn: e.MODEL_LEAN_STREAM === 'on' || e.MODEL_LEAN_STREAM === '1',
    ssoAllowHttpIssuers: e.SSO_ALLOW_HTTP_ISSUERS === 'true',
    ssoSessionMaxHours: e.SSO_SESSION_MAX_HOURS,
    ssoApiKeyMaxDays: e.SSO_API_KEY_MAX_DAYS,
    transcriptionModel: e.TRANSCRIPTION_MODEL,
    defaultEmbeddingModel: e.DEFAULT_EMBEDDING_MODEL,
    uploadMaxBytes: e.UPLOAD_MAX_BYTES,
    importMaxBytes: e.IMPORT_MAX_BYTES,
    tenantStorageQuotaBytes: e.TENANT_STORAGE_QUOTA_BYTES,
    filesDir: path.join(path.resolve(e.DATA_DIR), 'files'),
    mcpScriptDirs: listOf(e.MCP_SCRIPT_DIRS).map((entry) => path.resolve(entry)),
    mountPlaces,
    mcpStdioUser: e.MCP_STDIO_USER,
    mcpStdioSandbox: e.MCP_STDIO_SANDBOX,
    searchPath: e.PATH,
    outboundAllowList: listOf(e.OUTBOUND_ALLOW),
    parseTimeoutMs: e.PARSE_TIMEOUT_MS,
    parseMaxMemoryMb: e.PARSE_MAX_MEMORY_MB,
    parseMaxCharacters: e.PARSE_MAX_CHARACTERS,
    providers: readServerProviders(e),
  });
}

/**
 * A provider's setting that only works beside another: each needs one of the variables listed. Without
 * it the setting would be silently ignored (say, a base URL without its key), so start-up refuses it.
 */
const providerSettingNeeds: readonly (readonly [setting: string, needsOneOf: readonly string[], hint?: string])[] = [
  ['OPENAI_BASE_URL', ['OPENAI_API_KEY'], 'a server that needs no key goes in OPENAI_COMPATIBLE_BASE_URL'],
  ['ANTHROPIC_BASE_URL', ['ANTHROPIC_API_KEY']],
  ['AZURE_OPENAI_API_KEY', ['AZURE_OPENAI_RESOURCE_NAME', 'AZURE_OPENAI_BASE_URL']],
  ['AZURE_OPENAI_RESOURCE_NAME', ['AZURE_OPENAI_API_KEY']],
  ['AZURE_OPENAI_BASE_URL', ['AZURE_OPENAI_API_KEY']],
  ['AZURE_OPENAI_API_VERSION', ['AZURE_OPENAI_API_KEY']],
  ['OPENAI_COMPATIBLE_API_KEY', ['OPENAI_COMPATIBLE_BASE_URL']],
  ['OPENAI_COMPATIBLE_NAME', ['OPENAI_COMPATIBLE_BASE_URL']],
  ['COHERE_BASE_URL', ['COHERE_API_KEY']],
];

function requireCompleteProviderSettings(env: Record<string, string | undefined>): void {
  for (const [setting, needsOneOf, hint] of providerSettingNeeds) {
    if (env[setting] === undefined || needsOneOf.some((variable) => env[variable] !== undefined)) continue;
    throw new ConfigError(
      `Invalid environment variable ${setting}: it has no effect without ${needsOneOf.join(' or ')}${hint ? ` (${hint})` : ''}`,
    );
  }
}

function readServerProviders(e: Environment): ServerProviderSettings {
  return {
    ...(e.OPENAI_API_KEY && { openai: { apiKey: e.OPENAI_API_KEY, baseUrl: e.OPENAI_BASE_URL } }),
    ...(e.ANTHROPIC_API_KEY && { anthropic: { apiKey: e.ANTHROPIC_API_KEY, baseUrl: e.ANTHROPIC_BASE_URL } }),
    ...(e.AZURE_OPENAI_API_KEY && {
      azure: {
        apiKey: e.AZURE_OPENAI_API_KEY,
        resourceName: e.AZURE_OPENAI_RESOURCE_NAME,
        baseUrl: e.AZURE_OPENAI_BASE_URL,
        apiVersion: e.AZURE_OPENAI_API_VERSION,
      },
    }),
    ...(e.OLLAMA_BASE_URL && { ollama: { baseUrl: e.OLLAMA_BASE_URL } }),
    ...(e.OPENAI_COMPATIBLE_BASE_URL && {
      compatible: {
        name: e.OPENAI_COMPATIBLE_NAME,
        baseUrl: e.OPENAI_COMPATIBLE_BASE_URL,
        apiKey: e.OPENAI_COMPATIBLE_API_KEY,
      },
    }),
    ...(e.COHERE_API_KEY && { cohere: { apiKey: e.COHERE_API_KEY, baseUrl: e.COHERE_BASE_URL } }),
  };
}

function isDirectory(entry: string): boolean {
  try {
    return statSync(entry).isDirectory();
  } catch {
    return false;
  }
}

function listOf(value: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}
