import { describe, expect, it } from 'vitest';
import { buildChildEnvironment, commandKindOf, findDeniedEnvironmentName } from './command-policy.js';

describe('commandKindOf', () => {
  it.each([
    ['/bin/sh', 'forbidden'],
    ['/usr/bin/env', 'forbidden'],
    ['/usr/local/bin/npx', 'forbidden'],
    ['/usr/bin/zsh-5.9', 'forbidden'],
    ['/opt/bin/uvx', 'forbidden'],
    ['/usr/bin/node', 'interpreter'],
    ['/usr/bin/python3.12', 'interpreter'],
    ['/usr/local/bin/deno', 'interpreter'],
    ['/usr/bin/node-20', 'interpreter'],
    ['/usr/bin/python3.12-dbg', 'interpreter'],
    ['/usr/bin/python3.7m', 'interpreter'],
    ['/usr/local/bin/node-red', 'program'],
    ['/opt/app/node_modules/.bin/tsx', 'interpreter'],
    ['/usr/bin/ruby3.1', 'interpreter'],
    ['/usr/bin/find', 'forbidden'],
    ['/usr/local/bin/mcp-server-node', 'program'],
    ['/usr/local/bin/github-mcp-server', 'program'],
  ] as const)('classes %s as %s', (file, kind) => {
    expect(commandKindOf(file)).toBe(kind);
  });
});

describe('the environment of a stdio server', () => {
  it('refuses names that change how programs load, in any case', () => {
    expect(findDeniedEnvironmentName(['API_TOKEN', 'NODE_OPTIONS'])).toBe('NODE_OPTIONS');
    expect(findDeniedEnvironmentName(['ld_preload'])).toBe('ld_preload');
    expect(findDeniedEnvironmentName(['PYTHONSTARTUP'])).toBe('PYTHONSTARTUP');
    expect(findDeniedEnvironmentName(['openssl_conf'])).toBe('openssl_conf');
    expect(findDeniedEnvironmentName(['SSL_CERT_FILE'])).toBe('SSL_CERT_FILE');
    expect(findDeniedEnvironmentName(['API_TOKEN', 'REGION', 'GITHUB_PERSONAL_ACCESS_TOKEN'])).toBeUndefined();
  });

  it('sets PATH, HOME and the identity variables itself, over anything given', () => {
    const env = buildChildEnvironment({ API_TOKEN: 't', PATH: '/evil' }, '/data/mcp/s1');
    expect(env).toMatchObject({ API_TOKEN: 't', PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/data/mcp/s1' });
  });
});
