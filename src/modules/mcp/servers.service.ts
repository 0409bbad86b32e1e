import type { MountPlaces } from '../../platform/mount-policy.js';
import type { Actor } from '../../access/actor.js';
import { requireAdmin, requirePlatformAdmin } from '../../access/require-access.js';
import type { Database } from '../../platform/db/client.js';
import { isForeignKeyViolation, isUniqueViolation } from '../../platform/db/errors.js';
import { AppError, conflict, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { OutboundHttp } from '../../platform/outbound/index.js';
import { inspectExecutable, type ExecutableInspection } from './command-inspection.js';
import {
  requireAllowableExecutable,
  requireAllowedEnvironment,
  requireListedEnvironment,
  requireSafeArguments,
} from './command-policy.js';
import type { StdioEnvironment } from './stdio-sandbox.js';
import { renderArguments, requireMountableExecutable, requireValidTemplate } from './stdio-template.js';
import type { ConnectionPool } from './connection-pool.js';
import { requireSecretsSentAgainWhenMoved, type ServerSecrets } from './server-secrets.js';
import type { McpServerChanges, McpServerRow, ServersRepository, StdioCommandRow } from './servers.repository.js';
import {
  presentInspection,
  presentServer,
  presentStdioCommand,
  type ExecutableInspectionView,
  type CreateServerInput,
  type CreateStdioCommandInput,
  type ServerView,
  type StdioCommandView,
  type UpdateServerInput,
  type UpdateStdioCommandInput,
} from './servers.schemas.js';
import type { ToolsRepository } from './tools.repository.js';
import { presentTool, type ToolView } from './tools.schemas.js';
import { cutToLength } from '../../platform/text-cut.js';

const stdioCommandForeignKey = 'mcp_servers_stdio_command_id_mcp_stdio_commands_id_fk';

export interface ServersServiceDeps {
  readonly db: Database;
  readonly servers: ServersRepository;
  readonly tools: ToolsRepository;
  readonly secrets: ServerSecrets;
  readonly pool: ConnectionPool;
  readonly outbound: Pick<OutboundHttp, 'assertAllowed'>;
  readonly mountPlaces: MountPlaces;
  readonly stdioEnvironment: () => Promise<StdioEnvironment>;
}

const serverNameTaken = (name: string): AppError =>
  conflict(`An MCP server named '${name}' already exists in this tenant`);

export function createServersService(deps: ServersServiceDeps) {
  const { db, servers, tools, secrets, pool, outbound, mountPlaces, stdioEnvironment } = deps;
  const { dataDir } = mountPlaces;

  async function findServer(actor: Actor, serverId: string): Promise<McpServerRow> {
    const server = await servers.findServer(db, actor.tenantId, serverId);
    if (!server) throw notFound('MCP server', serverId);
    return server;
  }

  async function findCommand(commandId: string): Promise<StdioCommandRow> {
    const command = await servers.findStdioCommand(db, commandId);
    if (!command) {
      throw new AppError('validation_failed', `Command template '${commandId}' was not found`, {
        fields: [
          { field: 'stdioCommandId', message: 'is not one of the command templates a platform administrator made' },
        ],
      });
    }
    return command;
  }

  async function present(server: McpServerRow): Promise<ServerView> {
    const command = server.stdioCommandId ? await servers.findStdioCommand(db, server.stdioCommandId) : undefined;
    const argv = (() => {
      if (!command) return undefined;
      try {
        return [command.executablePath, ...renderArguments(command, server.parameters)];
      } catch {
        return undefined; // Its template changed under it: the sync says what to fill.
      }
    })();
    return presentServer(server, argv, secrets.names(server));
  }

  /** A template as a whole: its executable, its arguments and parameters, its env names and paths. */
  async function requireValidStdioCommand(
    template: Pick<
      CreateStdioCommandInput,
      'executablePath' | 'allowInterpreter' | 'args' | 'parameters' | 'envNames' | 'readOnlyPaths'
    >,
  ): Promise<ExecutableInspection> {
    const inspection = await requireAllowableExecutable(template.executablePath, template.allowInterpreter);
    requireValidTemplate(template, mountPlaces);
    requireMountableExecutable(inspection.resolvedPath, mountPlaces);
    // A shell, loader or interpreter runs its first argument: a literal vetted script (a placeholder is
    // no absolute path, so it is refused), checked now rather than at a tenant's first sync.
    const { scriptDirs } = await stdioEnvironment();
    await requireSafeArguments(inspection, template.args.slice(0, 1), { dataDir, scriptDirs });
    return inspection;
  }

  const inspectQuietly = (executablePath: string): Promise<ExecutableInspection | undefined> =>
    inspectExecutable(executablePath).catch(() => undefined);

  /** The rules of each transport, checked on create and on every update against the resulting configuration. */
  async function requireValidConfiguration(configuration: {
    transport: McpServerRow['transport'];
    url?: string | null | undefined;
    stdioCommandId?: string | null | undefined;
    parameters: Readonly<Record<string, string>>;
    env?: Readonly<Record<string, string>> | null | undefined;
    hasHeaders: boolean;
  }): Promise<void> {
    const field = (name: string, message: string) =>
      new AppError('validation_failed', `${name} ${message}`, { fields: [{ field: name, message }] });
    if (configuration.transport === 'stdio') {
      if (!configuration.stdioCommandId) throw field('stdioCommandId', 'is required for a stdio server');
      if (configuration.url) throw field('url', 'is for HTTP servers; a stdio server runs a command');
      if (configuration.hasHeaders) throw field('headers', 'are for HTTP servers; a stdio server takes env');
      const envNames = Object.keys(configuration.env ?? {});
      requireAllowedEnvironment(envNames);
      const command = await findCommand(configuration.stdioCommandId);
      requireListedEnvironment(envNames, command.envNames);
      const args = renderArguments(command, configuration.parameters);
      const inspection = await inspectExecutable(command.executablePath).catch(() => undefined);
      if (inspection)
        await requireSafeArguments(inspection, args, { dataDir, scriptDirs: (await stdioEnvironment()).scriptDirs });
      return;
    }
    if (!configuration.url) throw field('url', `is required for a ${configuration.transport} server`);
    const hasParameters = Object.keys(configuration.parameters).length > 0;
    if (configuration.stdioCommandId || hasParameters || configuration.env) {
      throw field('stdioCommandId', 'parameters and env are for stdio servers; an HTTP server takes url and headers');
    }
    await outbound.assertAllowed(configuration.url);
  }

  /** What another request changed between our checks and our write: a name taken, a command withdrawn. */
  async function guardWriteRaces<T>(
    input: { name?: string | undefined; stdioCommandId?: string | null | undefined },
    write: () => Promise<T>,
  ): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (input.name && isUniqueViolation(error, 'mcp_servers_tenant_name_unique')) throw serverNameTaken(input.name);
      if (input.stdioCommandId && isForeignKeyViolation(error, stdioCommandForeignKey)) {
        await findCommand(input.stdioCommandId);
      }
      throw error;
    }
  }

  return {
    // ---- allowed stdio commands: the platform admin's, server-wide ----

    async listStdioCommands(actor: Actor) {
      requireAdmin(actor);
      const rows = await servers.listStdioCommands(db);
      const inspections = await Promise.all(rows.map((row) => inspectQuietly(row.executablePath)));
      const { isolation } = await stdioEnvironment();
      return {
        items: rows.map((row, index) => presentStdioCommand(row, inspections[index])),
        isolation: { ...isolation, missing: [...isolation.missing] },
      };
    },

    /** What an executable is, before a platform admin allows it: resolved path, kind, interpreter, copy of what. */
    async inspectExecutable(actor: Actor, executablePath: string): Promise<ExecutableInspectionView> {
      requirePlatformAdmin(actor);
      return presentInspection(await requireAllowableExecutable(executablePath, true));
    },

    async createStdioCommand(actor: Actor, input: CreateStdioCommandInput): Promise<StdioCommandView> {
      requirePlatformAdmin(actor);
      const inspection = await requireValidStdioCommand(input);
      try {
        const now = new Date();
        const row = await servers.insertStdioCommand(db, {
          id: newId(),
          name: input.name,
          executablePath: input.executablePath,
          description: input.description,
          allowInterpreter: input.allowInterpreter,
          args: input.args,
          parameters: input.parameters,
          envNames: input.envNames,
          allowNetwork: input.allowNetwork,
          readOnlyPaths: input.readOnlyPaths,
          createdBy: actor.userId,
          createdAt: now,
          updatedAt: now,
        });
        return presentStdioCommand(row, inspection);
      } catch (error) {
        if (isUniqueViolation(error)) throw conflict(`A command template named '${input.name}' already exists`);
        throw error;
      }
    },

    /**
     * Changes a template. Servers using it are checked against it at their next start (a value that no
     * longer fits its parameter is refused, naming it), and their pooled connections are replaced then,
     * since the template is part of the configuration a connection was made from.
     */
    async updateStdioCommand(
      actor: Actor,
      commandId: string,
      input: UpdateStdioCommandInput,
    ): Promise<StdioCommandView> {
      requirePlatformAdmin(actor);
      const current = await servers.findStdioCommand(db, commandId);
      if (!current) throw notFound('Command template', commandId);
      const next = {
        executablePath: input.executablePath ?? current.executablePath,
        allowInterpreter: input.allowInterpreter ?? current.allowInterpreter,
        args: input.args ?? current.args,
        parameters: input.parameters ?? current.parameters,
        envNames: input.envNames ?? current.envNames,
        allowNetwork: input.allowNetwork ?? current.allowNetwork,
        readOnlyPaths: input.readOnlyPaths ?? current.readOnlyPaths,
      };
      const inspection = await requireValidStdioCommand(next);
      const row = await servers.updateStdioCommand(db, commandId, {
        ...next,
        ...(input.description !== undefined && { description: input.description }),
      });
      if (!row) throw notFound('Command template', commandId);
      return presentStdioCommand(row, inspection);
    },

    /**
     * Withdraws the command even while servers use it: they stay, without a command, marked in error with
     * what to do, and their running processes on this node are stopped. Other nodes' connections are
     * replaced at their next use, since the command is part of the configuration a connection was made from.
     */
    async removeStdioCommand(actor: Actor, commandId: string): Promise<void> {
      requirePlatformAdmin(actor);
      const command = await servers.findStdioCommand(db, commandId);
      if (!command) throw notFound('Allowed command', commandId);
      const affected = await db.transaction(async (tx) => {
        const ids = await servers.markCommandWithdrawn(
          tx,
          commandId,
          `Its command template '${command.name}' was withdrawn by a platform administrator; choose another command template or delete this server`,
        );
        await servers.deleteStdioCommand(tx, commandId);
        return ids;
      });
      await Promise.all(affected.map((serverId) => pool.drop(serverId)));
    },

    // ---- a tenant's MCP servers ----

    async listServers(actor: Actor): Promise<{ items: ServerView[] }> {
      requireAdmin(actor);
      const rows = await servers.listServers(db, actor.tenantId);
      return { items: await Promise.all(rows.map(present)) };
    },

    async getServer(actor: Actor, serverId: string): Promise<ServerView> {
      requireAdmin(actor);
      return present(await findServer(actor, serverId));
    },

    async createServer(actor: Actor, input: CreateServerInput): Promise<ServerView> {
      requireAdmin(actor);
      const parameters = input.parameters ?? {};
      await requireValidConfiguration({
        ...input,
        parameters,
        hasHeaders: Object.keys(input.headers ?? {}).length > 0,
      });
      const now = new Date();
      const row = await guardWriteRaces(input, () =>
        servers.insertServer(db, {
          id: newId(),
          tenantId: actor.tenantId,
          name: input.name,
          transport: input.transport,
          url: input.url ?? null,
          encryptedHeaders: secrets.seal(input.headers),
          stdioCommandId: input.stdioCommandId ?? null,
          parameters,
          encryptedEnv: secrets.seal(input.env),
          enabled: input.enabled,
          createdBy: actor.userId,
          createdAt: now,
          updatedAt: now,
        }),
      );
      return present(row);
    },

    async updateServer(actor: Actor, serverId: string, input: UpdateServerInput): Promise<ServerView> {
      requireAdmin(actor);
      const server = await findServer(actor, serverId);
      requireSecretsSentAgainWhenMoved(server, input);
      const env = input.env === undefined ? secrets.open(server, server.encryptedEnv) : input.env;
      const headers = input.headers === undefined ? secrets.open(server, server.encryptedHeaders) : input.headers;
      await requireValidConfiguration({
        transport: server.transport,
        url: input.url ?? server.url,
        stdioCommandId: input.stdioCommandId ?? server.stdioCommandId,
        parameters: input.parameters ?? server.parameters,
        env: server.transport === 'stdio' ? env : input.env,
        hasHeaders: Object.keys(headers ?? {}).length > 0,
      });
      const changes: McpServerChanges = {
        name: input.name,
        url: input.url,
        stdioCommandId: input.stdioCommandId,
        parameters: input.parameters,
        enabled: input.enabled,
        ...(input.headers !== undefined && { encryptedHeaders: secrets.seal(input.headers) }),
        ...(input.env !== undefined && { encryptedEnv: secrets.seal(input.env) }),
      };
      const updated = await guardWriteRaces(input, () => servers.updateServer(db, actor.tenantId, serverId, changes));
      if (!updated) throw notFound('MCP server', serverId);
      // The configuration changed: a pooled connection of the old one must not be used again.
      await pool.drop(serverId);
      return present(updated);
    },

    async removeServer(actor: Actor, serverId: string): Promise<void> {
      requireAdmin(actor);
      await findServer(actor, serverId);
      // The row goes first: a call that starts meanwhile then finds no server, instead of opening a new
      // connection after the drop that would outlive the server until its idle timeout.
      await servers.deleteServer(db, actor.tenantId, serverId);
      await pool.drop(serverId);
    },

    /** Connects (outside any transaction), lists the tools, stores them, and records how it went. */
    async syncServer(actor: Actor, serverId: string): Promise<{ items: ToolView[] }> {
      requireAdmin(actor);
      const server = await findServer(actor, serverId);
      if (!server.enabled) throw conflict(`MCP server '${server.name}' is disabled; enable it before syncing`);
      const command = server.stdioCommandId ? await servers.findStdioCommand(db, server.stdioCommandId) : undefined;
      try {
        const target = secrets.toTarget(server, command);
        const discovered = await pool.listTools(target);
        const stored = await db.transaction(async (tx) => {
          const rows = await tools.replaceServerTools(tx, actor.tenantId, serverId, discovered, newId);
          await servers.updateServer(tx, actor.tenantId, serverId, {
            status: 'connected',
            statusMessage: `Connected; ${rows.length} tool${rows.length === 1 ? '' : 's'} found`,
            lastSyncedAt: new Date(),
          });
          return rows;
        });
        return { items: stored.map(presentTool) };
      } catch (error) {
        const message = error instanceof AppError ? error.message : 'The sync failed unexpectedly';
        await servers.updateServer(db, actor.tenantId, serverId, {
          status: 'error',
          statusMessage: cutToLength(message, 1000),
        });
        throw error;
      }
    },
  };
}

export type ServersService = ReturnType<typeof createServersService>;
