import fastifyCookie from '@fastify/cookie';
import { traceRequests } from './platform/http/request-tracing.js';
import fastifyCors from '@fastify/cors';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type RouteOptions } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { satisfiesAccess } from './access/actor.js';
import type { Config } from './config.js';
import { createAuthModule, credentialNotAccepted, presentsApiKey } from './modules/auth/index.js';
import { createPasswordHasher } from './modules/auth/passwords.js';
import { serverDefaultModelRef } from './ai/model-registry.js';
import { createAgentsRepository } from './modules/agents/agents.repository.js';
import { createDefaultAgent } from './modules/agents/default-agent.js';
import type { ImportsService } from './modules/knowledge/index.js';
import type { McpRuntimeOptions } from './modules/mcp/index.js';
import type { ChatTuning } from './modules/chat/index.js';
import type { RealtimeLimits } from './modules/realtime/index.js';
import { registerModules } from './app-modules.js';
import { isWidgetApiUrl } from './modules/widget/widget-origin.js';
import { registerHealthRoutes } from './modules/health/health.routes.js';
import type { DatabaseHandle } from './platform/db/client.js';
import {
  createLocalInvalidationBus,
  openRedisInvalidationBus,
  type InvalidationBus,
} from './platform/cache/invalidation-bus.js';
import { AppError } from './platform/errors.js';
import { answerClientError, answerConnectRequest } from './platform/http/client-errors.js';
import {
  answerFrameworkError,
  registerErrorHandler,
  registerNotFoundHandler,
  sendProblem,
} from './platform/http/error-handler.js';
import { registerJsonBodyParser } from './platform/http/json-body-parser.js';
import { registerRateLimits } from './platform/http/rate-limits.js';
import { transformForDocs } from './platform/http/openapi-document.js';
import { refuseEncodedBody } from './platform/http/encoded-body-guard.js';
import { refuseUnstorableInput } from './platform/http/unstorable-input-guard.js';
import { registerWebConsole } from './platform/http/web-console.js';
import { registerPublicPluginRoutes, requireDeclaredAccess } from './platform/http/route-access.js';
import type { App } from './platform/http/types.js';
import { newId } from './platform/ids.js';
import type { Logger } from './platform/logger.js';
import { createMetrics, type Metrics } from './platform/metrics.js';
import type { ServerKeys } from './platform/secrets.js';
import type { Shutdown } from './platform/shutdown.js';
import type { Redis } from 'ioredis';
import type { EvaluationTuning } from './modules/evaluations/index.js';

/** What the `parley` commands that act inside a tenant call, the same objects the HTTP routes call. */
export interface CommandServices {
  readonly knowledgeImports: ImportsService;
}

export interface AppDeps {
  readonly config: Config;
  readonly database: DatabaseHandle;
  readonly logger: Logger;
  readonly keys: ServerKeys;
  /** Shared state across nodes when REDIS_URL is set; in-process otherwise. */
  readonly redis?: Redis;
  readonly metrics?: Metrics;
  /** Where the built web console lives; defaults to `web/dist` of this checkout. */
  readonly webRoot?: string;
  /** Sees every route as it is added (tests use it to check the whole route table). */
  readonly onRoute?: (route: RouteOptions) => void;
  /** MCP time and size bounds (tests shorten them); defaults in src/modules/mcp/index.ts. */
  readonly mcp?: Partial<McpRuntimeOptions>;
  /** Chat's bounds and intervals (tests shorten them); defaults in src/modules/chat/index.ts. */
  readonly chat?: Partial<ChatTuning>;
  /** The realtime socket's bounds (tests shorten the heartbeat); defaults from the REALTIME_* settings. */
  readonly realtime?: Partial<RealtimeLimits>;
  /**
   * Whether this node runs background jobs (document indexing); default true. A node that does not still
   * queues them, for another node, or for this one after a restart, to run.
   */
  readonly runsJobs?: boolean;
  /** Hands the services a command run on the server uses (`parley import`) to it, once they are built. */
  readonly onServices?: (services: CommandServices) => void;
  /** The process's stop, driven by serve.ts; a node that is never stopped that way (tests) gets its own. */
  readonly shutdown?: Shutdown;
  /** The proactive scheduler's clock (tests move it instead of sleeping); real time by default. */
  readonly clock?: () => Date;
  /** Evaluation runs' bounds (tests narrow them); defaults in src/modules/evaluations/index.ts. */
  readonly evaluations?: Partial<EvaluationTuning>;
}

/** Builds the HTTP app from its dependencies. No side effects on import; main.ts owns the process. */
export async function buildApp(deps: AppDeps): Promise<App> {
  const { config, database } = deps;
  const { trustProxy } = config;
  const metrics = deps.metrics ?? createMetrics();
  const app: App = Fastify({
    // pino's Logger is wider than FastifyBaseLogger; narrowing keeps App's type the same for every module.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: config.bodyLimitBytes,
    // A number of proxies is a function of the hop here: Fastify takes one at run time, not in its types.
    trustProxy: typeof trustProxy === 'number' ? (_address: string, hop: number) => hop < trustProxy : trustProxy,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,100}$/.test(given) ? given : newId();
    },
    requestIdHeader: false,
    // Bounds how long a client may take to *send* its request (a slow trickle would otherwise hold a
    // connection for ever); a streamed response, however long, is not counted. Node 20 enforces it only
    // when given to the server's constructor (Fastify's own option sets it afterwards, which Node does
    // not act on), and checks open connections on an interval: a quarter of the timeout here.
    requestTimeout: config.requestTimeoutMs,
    http: {
      requestTimeout: config.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(30_000, Math.ceil(config.requestTimeoutMs / 4)),
    },
    frameworkErrors: answerFrameworkError,
    // A node stopping under serve.ts answers its own refusal (below); Fastify's is a bare JSON 503.
    return503OnClosing: deps.shutdown === undefined,
    // `/v1/agents/` is the list, as a caller who typed it meant, not a lookup of an agent whose id is "".
    routerOptions: { ignoreTrailingSlash: true },
    clientErrorHandler: answerClientError,
  }).withTypeProvider<ZodTypeProvider>();

  app.server.on('connect', answerConnectRequest);
  if (deps.onRoute) app.addHook('onRoute', deps.onRoute);
  // Cached tenants' providers are forgotten on every node when they change (ADR 7).
  const invalidations: InvalidationBus = deps.redis
    ? await openRedisInvalidationBus(deps.redis, deps.logger)
    : createLocalInvalidationBus();
  app.addHook('onClose', () => invalidations.close());
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandler(app);
  if (deps.shutdown) refuseRequestsWhileStopping(app, deps.shutdown);
  // The API speaks JSON only; anything else is a clear 415 instead of a confusing validation error.
  app.removeContentTypeParser('text/plain');
  registerJsonBodyParser(app);
  app.decorateRequest('actor', null);
  app.decorateRequest('signInToConfirm', null);
  app.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  traceRequests(app);
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpRequestDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  // Before any route exists, so that every route, ours or a plugin's, passes the access rule.
  requireDeclaredAccess(app);
  await app.register(fastifyCookie);
  // CORS preflight answers before authentication by design: its OPTIONS route is public.
  const apiCors = {
    origin: config.corsOrigins.includes('*') ? true : [...config.corsOrigins],
    credentials: false,
    exposedHeaders: ['x-request-id', 'retry-after', 'traceparent'],
    // An OPTIONS that is not a CORS preflight got a 400 in text/plain, the one answer not in problem+json:
    // it is answered 204 with the allowed methods, as a preflight is.
    strictPreflight: false,
  };
  // The widget API is called from tenants' own sites, which no server-wide list can name: its preflight
  // answers any origin, and every request is then checked against its inbox's allowed origins.
  const widgetCors = { ...apiCors, origin: true };
  await registerPublicPluginRoutes(app, () =>
    app.register(fastifyCors, {
      delegator: (request, callback) => callback(null, isWidgetApiUrl(request.url) ? widgetCors : apiCors),
    }),
  );
  const failedAuthentications = await registerRateLimits(app, {
    perMinute: config.rateLimitPerMinute,
    ...(deps.redis && { redis: deps.redis }),
  });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Parley API', version: '0.1.0', description: 'Self-hosted multi-tenant AI chat platform' },
      tags: [
        { name: 'auth', description: 'Registering, signing in, refreshing and ending sessions' },
        { name: 'tenants', description: 'Tenants (platform admins)' },
        { name: 'users', description: "A tenant's users and their roles (tenant admins)" },
        { name: 'sso', description: 'Single sign-on per tenant with OpenID Connect (docs/sso.md)' },
        { name: 'api-keys', description: 'API keys, usable as Bearer credentials (shown once)' },
        { name: 'budgets', description: "A tenant's token and cost budgets and daily message cap (docs/budgets.md)" },
        { name: 'providers', description: "A tenant's own model providers, with keys encrypted at rest" },
        { name: 'agents', description: 'Agents: a personality, a model, knowledge sources and tools' },
        {
          name: 'evaluations',
          description: "Evaluation sets and runs of an agent's versions, and the gate before publish (docs/agents.md)",
        },
        { name: 'projects', description: "Projects that group a user's conversations" },
        { name: 'conversations', description: 'Conversations, messages, and chat turns (JSON or streamed)' },
        { name: 'companion', description: 'Read receipts and conversation summaries (docs/companion.md)' },
        { name: 'files', description: 'Files attached to chat messages' },
        { name: 'knowledge', description: 'Knowledge sources, their documents, and retrieval' },
        { name: 'mcp', description: "MCP servers and tools, and Parley's own MCP server" },
        { name: 'realtime', description: 'The realtime WebSocket: live conversations (docs/realtime.md)' },
        {
          name: 'inboxes',
          description: 'Customer-service inboxes: the channels contacts write to (docs/customer-service.md)',
        },
        { name: 'contacts', description: "A tenant's end customers, who write through its inboxes" },
        {
          name: 'webhooks',
          description:
            "Signed webhooks: endpoints that receive the tenant's events, and their delivery log (docs/integrations.md)",
        },
        { name: 'support', description: 'Support conversations: their states, operator actions, notes and labels' },
        { name: 'canned-responses', description: 'Tenant-wide saved replies operators insert by shortcode' },
        {
          name: 'teams',
          description: 'Teams of operators, each a queue with its reply-time targets (docs/desk-routing.md)',
        },
        {
          name: 'email',
          description: 'The email channel: the rating page a rating request by mail links to (docs/email-inbox.md)',
        },
        {
          name: 'routing-rules',
          description:
            'Rules that route, label and prioritise support conversations when something happens (docs/desk-routing.md)',
        },
        {
          name: 'widget',
          description:
            'The public widget API: a website visitor talks to an inbox, with a contact token (docs/customer-service.md)',
        },
        { name: 'analytics', description: 'Figures over a date range, with token cost (docs/analytics.md)' },
        { name: 'model-prices', description: 'The price table: USD per million tokens by provider kind and model' },
        {
          name: 'api-channel',
          description:
            "The API channel: your system posts contacts' messages to an `api` inbox; replies come by webhook (docs/integrations.md)",
        },
        { name: 'openai-compatible', description: "OpenAI's Chat Completions and Models APIs, with agents as models" },
        { name: 'operations', description: 'Health, readiness and metrics' },
      ],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'Access token or API key' },
          contactToken: { type: 'http', scheme: 'bearer', description: "A widget visitor's contact token (pct_…)" },
        },
      },
    },
    transform: transformForDocs,
  });
  // The docs UI's own routes are public.
  await registerPublicPluginRoutes(app, () =>
    app.register(fastifySwaggerUi, {
      routePrefix: '/docs',
      // The plugin's own policy, framed by nobody, as the console's page is; inline styles allowed, which
      // Swagger UI sets as it renders (styles only: scripts stay 'self'). Without `upgrade-insecure-requests`,
      // which would send a plain-HTTP server's assets to https.
      staticCSP: true,
      transformStaticCSP: (policy) =>
        policy
          .replace("frame-ancestors 'self'", "frame-ancestors 'none'")
          .replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
          .replace(/\s*upgrade-insecure-requests;?/, ''),
    }),
  );

  const defaultAgent = createDefaultAgent({
    repository: createAgentsRepository(),
    logger: deps.logger,
    isEnabled: config.createsDefaultAgent,
    modelRef: serverDefaultModelRef(config),
  });
  // One cost for every password hashed and checked (PASSWORD_HASH_COST).
  const passwords = createPasswordHasher(config.passwordHashCost);
  const auth = createAuthModule({
    db: database.db,
    passwords,
    keys: deps.keys,
    config,
    redis: deps.redis,
    logger: deps.logger,
    defaultAgent,
    // Open realtime sockets of a signed-out session close at once, on every node.
    onCredentialsChanged: (userId) => invalidations.publish('credentials', userId),
  });
  // A sign-in remembered as live is forgotten at once when it may have ended (it is confirmed anyway).
  invalidations.subscribe('credentials', (userId) => auth.service.forgetSignIns(userId));
  // Before the routes: the realtime socket's upgrade runs through Fastify's hooks like any request. Frames
  // past four times the protocol's own limit are cut by ws itself (1009); below that the protocol answers.
  await app.register(fastifyWebsocket, {
    options: { maxPayload: config.realtime.frameMaxBytes * 4 },
    // Every socket hears why it closes (1001), and one that does not finish closing is cut a second later,
    // so that stopping the server never waits on a client that stopped reading.
    preClose(done) {
      for (const client of this.websocketServer.clients) {
        client.close(1001, 'Server stopping: reconnect and resume with after');
        setTimeout(() => client.terminate(), 1_000).unref();
      }
      done();
    },
  });
  app.addHook('onRequest', async (request, reply) => {
    const access = request.routeOptions.config.access ?? 'public';
    if (failedAuthentications.isBlocked(request) && presentsApiKey(request.headers.authorization)) {
      await failedAuthentications.count(request);
    }
    const identified = await auth.service.identify(request.headers.authorization, {
      mayConfirmLater: request.routeOptions.config.confirmsSignIn === true,
    });
    request.actor = identified?.actor ?? null;
    request.signInToConfirm = identified?.toConfirm ?? null;
    if (request.actor) {
      // reply.log writes the "request completed" line, so both carry the tenant and user.
      request.log = reply.log = request.log.child({ tenantId: request.actor.tenantId, userId: request.actor.userId });
    }
    if (!satisfiesAccess(request.actor, access)) {
      if (!request.actor) await failedAuthentications.count(request);
      if (request.actor) throw new AppError('forbidden', 'Your role does not allow this action');
      throw request.headers.authorization
        ? credentialNotAccepted()
        : new AppError('unauthenticated', 'Sign in or send an API key to use this endpoint');
    }
  });

  app.addHook('preParsing', refuseEncodedBody);
  app.addHook('preValidation', refuseUnstorableInput);

  app.get('/openapi.json', {
    config: { access: 'public' },
    schema: { hide: true },
    handler: () => app.swagger(),
  });
  registerHealthRoutes(app, { database, metrics, keys: deps.keys });
  auth.registerRoutes(app);
  await registerModules(app, { ...deps, metrics, invalidations, defaultAgent, passwords, auth: auth.service });

  const webConsole = await registerWebConsole(app, deps.webRoot);
  registerNotFoundHandler(app, webConsole);

  return app;
}

/**
 * From the stop signal on, every request that still reaches this node (on a connection opened before it:
 * new ones are refused by the closed listener, which a balancer retries on another node) is answered 503
 * with `Retry-After: 1` and `Connection: close`: nothing of it was done, and the client's next attempt
 * opens a connection that reaches another node (docs/operations.md, "Rolling upgrades"). Streams and
 * turns already running go on for the grace period. Not logged one by one: the stop is.
 */
function refuseRequestsWhileStopping(app: App, shutdown: Pick<Shutdown, 'isDraining'>): void {
  const stopping = new AppError('not_ready', 'This server is stopping; send the request again', {
    retryAfterSeconds: 1,
  });
  app.addHook('onRequest', async (_request, reply) => {
    if (!shutdown.isDraining) return;
    void reply.header('connection', 'close');
    return sendProblem(reply, stopping);
  });
}
