import { describe, expect, it } from 'vitest';
import { kindByName } from './command-inspection.js';
import { buildChildEnvironment, findDeniedEnvironmentName } from './command-policy.js';

describe('kindByName', () => {
  it.each([
    ['/bin/sh', 'shell'],
    ['/usr/bin/env', 'runner'],
    ['/usr/local/bin/npx', 'runner'],
    ['/usr/bin/zsh-5.9', 'shell'],
    ['/opt/bin/uvx', 'runner'],
    ['/usr/bin/node', 'interpreter'],
    ['/usr/bin/python3.12', 'interpreter'],
    ['/usr/local/bin/deno', 'interpreter'],
    ['/usr/bin/node-20', 'interpreter'],
    ['/usr/bin/python3.12-dbg', 'interpreter'],
    ['/usr/bin/python3.7m', 'interpreter'],
    ['/usr/local/bin/node-red', 'binary'],
    ['/opt/app/node_modules/.bin/tsx', 'interpreter'],
    ['/usr/bin/ruby3.1', 'interpreter'],
    ['/usr/bin/find', 'runner'],
    ['/usr/bin/sqlite3', 'runner'],
    ['/usr/bin/ed', 'runner'],
    ['/usr/bin/run-parts', 'runner'],
    ['/lib64/ld-linux-x86-64.so.2', 'loader'],
    ['/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', 'loader'],
    ['/usr/local/bin/mcp-server-node', 'binary'],
    ['/usr/local/bin/github-mcp-server', 'binary'],
  ] as const)('classes %s as %s', (file, kind) => {
    expect(kindByName(file)).toBe(kind);
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

  it('refuses proxies and variables that name a configuration file or directory (issue 33)', () => {
    for (const name of [
      'http_proxy',
      'HTTPS_PROXY',
      'ALL_PROXY',
      'no_proxy',
      'CURL_HOME',
      'TZDIR',
      'WGETRC',
      'AWS_CONFIG_FILE',
      'KUBECONFIG',
      'JAVA_HOME',
      'SSH_AUTH_SOCK',
    ]) {
      // prettier-ignore
      expect(findDeniedEnvironmentName(['API_TOKEN', name]), name).toBe(name);
    }
  });

  it.each([
    'ERL_AFLAGS', 'ERL_LIBS', 'BASHOPTS', 'BASH_ENV', 'PGHOST', 'PGPASSFILE', 'PGSERVICEFILE', 'PGOPTIONS',
    'PIP_INDEX_URL', 'PIP_EXTRA_INDEX_URL', 'UV_INDEX_URL', 'NPM_CONFIG_REGISTRY', 'GOPROXY', 'GOFLAGS',
    'GOOGLE_APPLICATION_CREDENTIALS', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_EC2_METADATA_SERVICE_ENDPOINT', 'KUBECONFIG', 'NETRC', 'NODE_PATH', 'GEM_PATH', 'LUA_CPATH',
    'MAVEN_OPTS', 'RUBYOPT', 'PYTEST_ADDOPTS', 'DOCKER_HOST', 'SOME_TOOL_CONFIG', 'PLUGIN_DIR', 'NPMRC',
    'MY_SERVICE_PASSWORD_FILE', 'HEX_MIRROR', 'CARGO_REGISTRIES_CRATES_IO_PROTOCOL', 'MYSQL_PWD',
  ])('refuses %s by what names of its shape do (issue 44)', (name) => {
    expect(findDeniedEnvironmentName(['API_TOKEN', name])).toBe(name);
  }); // prettier-ignore

  it.each([
    'API_TOKEN', 'TOOL_TOKEN', 'TOOLS_TOKEN', 'WEATHER_TOKEN', 'GITHUB_PERSONAL_ACCESS_TOKEN', 'OPENAI_API_KEY',
    'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', 'GOOGLE_API_KEY', 'SLACK_BOT_TOKEN', 'REGION',
  ])('lets a template list %s, a plain value', (name) => {
    expect(findDeniedEnvironmentName([name])).toBeUndefined();
  }); // prettier-ignore

  it('sets PATH, HOME and the identity variables itself, over anything given', () => {
    const env = buildChildEnvironment({ API_TOKEN: 't', PATH: '/evil' }, '/data/mcp/s1');
    expect(env).toMatchObject({ API_TOKEN: 't', PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/data/mcp/s1' });
  });
});
