import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, prepareDataDir } from './config.js';

const failureOf = (env: Record<string, string>): string => {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
};

describe('loadConfig', () => {
  it('names the variable of a model reference that no agent could use', () => {
    expect(failureOf({ DEFAULT_MODEL: 'gpt4' })).toBe(
      "Invalid environment variable DEFAULT_MODEL: must be 'offline' or 'provider:model', e.g. 'openai:gpt-4o-mini'",
    );
    expect(failureOf({ DEFAULT_EMBEDDING_MODEL: 'Open AI:text-embedding-3-small' })).toContain(
      'DEFAULT_EMBEDDING_MODEL',
    );
    expect(loadConfig({ DEFAULT_MODEL: 'ollama:llama3.1:8b' }).defaultModel).toBe('ollama:llama3.1:8b');
    expect(loadConfig({ DEFAULT_MODEL: 'offline' }).defaultModel).toBe('offline');
  });

  it('refuses a provider address that is not HTTP(S), and a compatible provider named as the built-in model', () => {
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'ftp://models.example']) {
      expect(failureOf({ OLLAMA_BASE_URL: url })).toBe(
        'Invalid environment variable OLLAMA_BASE_URL: must be an http:// or https:// URL',
      );
    }
    expect(loadConfig({ OLLAMA_BASE_URL: 'http://127.0.0.1:11434/v1' }).providers.ollama).toBeDefined();
    expect(
      failureOf({ OPENAI_COMPATIBLE_BASE_URL: 'http://127.0.0.1:8000/v1', OPENAI_COMPATIBLE_NAME: 'offline' }),
    ).toBe("Invalid environment variable OPENAI_COMPATIBLE_NAME: must not be 'offline', the built-in model's name");
  });

  it('names REDIS_URL when its database is not a number, and MCP_SCRIPT_DIRS when a directory does not exist', () => {
    expect(failureOf({ REDIS_URL: 'redis://127.0.0.1:6379/abc' })).toBe(
      'Invalid environment variable REDIS_URL: must name its database by number, if at all (redis://host:6379/0)',
    );
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379/2' }).redisUrl).toBe('redis://127.0.0.1:6379/2');
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).redisUrl).toBe('redis://127.0.0.1:6379');
    // libpq's socket form, which is no WHATWG URL, stays accepted.
    const socket = 'postgres://postgres@/parley?host=/var/run/postgresql';
    expect(loadConfig({ DATABASE_URL: socket, PARLEY_SECRET_KEY: 'k'.repeat(32) }).databaseUrl).toBe(socket);
    const existing = mkdtempSync(path.join(tmpdir(), 'parley-scripts-'));
    expect(loadConfig({ MCP_SCRIPT_DIRS: existing }).mcpScriptDirs).toEqual([existing]);
    expect(failureOf({ MCP_SCRIPT_DIRS: `${existing},${path.join(existing, 'typo')}` })).toBe(
      'Invalid environment variable MCP_SCRIPT_DIRS: must name directories that exist, separated by commas',
    );
  });

  it('says what a wrong number, choice or switch must be, in words', () => {
    // Number() would read the hexadecimal, exponent and binary forms; nobody setting a port means them.
    for (const port of ['abc', '80.5', '0x10F4', '3e3', '0b101', '-1']) {
      expect(failureOf({ PORT: port })).toBe(
        'Invalid environment variable PORT: must be a whole number written in digits',
      );
    }
    expect(failureOf({ UPLOAD_MAX_BYTES: '1e9' })).toBe(
      'Invalid environment variable UPLOAD_MAX_BYTES: must be a whole number written in digits',
    );
    expect(loadConfig({ PORT: ' 8080 ' }).port).toBe(8080);
    expect(loadConfig({}).port).toBe(3000);
    expect(failureOf({ PORT: '70000' })).toBe('Invalid environment variable PORT: must be at most 65535');
    expect(failureOf({ SIGNUP_MODE: 'public' })).toBe(
      'Invalid environment variable SIGNUP_MODE: must be one of "invite", "open", "closed"',
    );
  });

  it('takes PUBLIC_URL as an origin, and makes one of HOST and PORT when it is unset', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://Parley.example.com/' })).toMatchObject({
      publicUrl: 'https://parley.example.com',
      isPublicUrlDerived: false,
    });
    expect(failureOf({ PUBLIC_URL: 'https://parley.example.com/app' })).toBe(
      'Invalid environment variable PUBLIC_URL: must be the address people open Parley at, without a path, e.g. https://parley.example.com',
    );
    expect(failureOf({ PUBLIC_URL: 'parley.example.com' })).toContain('PUBLIC_URL: must be an http:// or https:// URL');
    expect(loadConfig({})).toMatchObject({ publicUrl: 'http://localhost:3000', isPublicUrlDerived: true });
    expect(loadConfig({ HOST: '10.0.0.5', PORT: '8080' }).publicUrl).toBe('http://10.0.0.5:8080');
    expect(loadConfig({ HOST: '::1', PORT: '80' }).publicUrl).toBe('http://[::1]');
    // Not an address at all: the listen that follows names HOST; the configuration must not fail first.
    expect(loadConfig({ HOST: '999.1.1.1', PORT: '0' }).publicUrl).toBe('http://localhost:0');
  });

  it('takes CORS origins as browsers send them, or *, and names anything else', () => {
    expect(failureOf({ CORS_ORIGINS: 'notaurl' })).toContain('Invalid environment variable CORS_ORIGINS');
    expect(failureOf({ CORS_ORIGINS: 'https://app.example.com/chat' })).toContain('CORS_ORIGINS');
    expect(loadConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5173/' }).corsOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:5173/',
    ]);
    expect(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins).toEqual(['*']);
  });

  it('takes host names, addresses and CIDR ranges in OUTBOUND_ALLOW, and names anything else', () => {
    expect(failureOf({ OUTBOUND_ALLOW: 'not a host!!' })).toBe(
      'Invalid environment variable OUTBOUND_ALLOW: must be host names, IP addresses or CIDR ranges (10.0.0.0/8), each with a port (127.0.0.1:11434) or not, separated by commas',
    );
    expect(failureOf({ OUTBOUND_ALLOW: '10.0.0.0/33' })).toContain('OUTBOUND_ALLOW');
    expect(
      loadConfig({ OUTBOUND_ALLOW: 'ollama.internal, 10.0.0.0/8, 192.168.1.20, fd00::/8, ::1' }).outboundAllowList,
    ).toEqual(['ollama.internal', '10.0.0.0/8', '192.168.1.20', 'fd00::/8', '::1']);
  });

  it('takes TRUST_PROXY as a switch, a number of proxies, or their addresses, and names anything else', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.168.1.20,loopback, fd00::/8' }).trustProxy).toBe(
      '10.0.0.0/8,192.168.1.20,loopback,fd00::/8',
    );
    expect(failureOf({ TRUST_PROXY: 'yes please' })).toBe(
      "Invalid environment variable TRUST_PROXY: must be false, true, a number of proxies (1), or the proxies' IP addresses or CIDR ranges (10.0.0.0/8), separated by commas",
    );
    expect(failureOf({ TRUST_PROXY: '10.0.0.0/33' })).toContain('TRUST_PROXY');
    expect(failureOf({ TRUST_PROXY: 'proxy.internal' })).toContain('TRUST_PROXY');
  });

  it('refuses a provider setting that would be ignored without its key or address, naming both', () => {
    expect(failureOf({ OPENAI_BASE_URL: 'http://127.0.0.1:8000/v1' })).toBe(
      'Invalid environment variable OPENAI_BASE_URL: it has no effect without OPENAI_API_KEY (a server that needs no key goes in OPENAI_COMPATIBLE_BASE_URL)',
    );
    expect(failureOf({ AZURE_OPENAI_API_KEY: 'azure-key' })).toBe(
      'Invalid environment variable AZURE_OPENAI_API_KEY: it has no effect without AZURE_OPENAI_RESOURCE_NAME or AZURE_OPENAI_BASE_URL',
    );
    expect(failureOf({ COHERE_BASE_URL: 'https://api.cohere.test' })).toContain('without COHERE_API_KEY');
    expect(failureOf({ OPENAI_COMPATIBLE_API_KEY: 'key' })).toContain('without OPENAI_COMPATIBLE_BASE_URL');
    // Blank values count as unset, as everywhere in the environment.
    expect(loadConfig({ OPENAI_BASE_URL: '', AZURE_OPENAI_API_VERSION: '' }).providers).toEqual({});
    // Spaces too: coerced, ' ' would be the number 0 (a random port, no shutdown grace).
    const spaced = loadConfig({ PORT: ' ', SHUTDOWN_GRACE_MS: '  ' });
    expect([spaced.port, spaced.shutdownGraceMs]).toEqual([3000, 10_000]);
    expect(
      Object.keys(
        loadConfig({
          AZURE_OPENAI_API_KEY: 'azure-key',
          AZURE_OPENAI_RESOURCE_NAME: 'acme',
          OPENAI_COMPATIBLE_BASE_URL: 'http://127.0.0.1:11434/v1',
          OPENAI_COMPATIBLE_NAME: 'local',
        }).providers,
      ),
    ).toEqual(['azure', 'compatible']);
  });
});

describe('prepareDataDir', () => {
  it('creates the directory, and names DATA_DIR when it is a file or lies under one', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'parley-config-'));
    prepareDataDir(path.join(root, 'data', 'nested'));
    const file = path.join(root, 'a-file');
    writeFileSync(file, 'x');
    expect(() => prepareDataDir(file)).toThrow(
      `Invalid environment variable DATA_DIR: ${file} is a file, not a directory`,
    );
    expect(() => prepareDataDir(path.join(file, 'data'))).toThrow(
      `Invalid environment variable DATA_DIR: ${path.join(file, 'data')} is not a usable directory: a folder above it is a file`,
    );
  });
});
