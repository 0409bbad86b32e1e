import { describe, expect, it } from 'vitest';
import { isAllowListEntry } from './address-policy.js';
import { createOutboundHttp } from './create-outbound-http.js';
import { OutboundRefusedError } from './outbound-refused-error.js';

// A resolver that fails the test if a literal address or a refused name ever reaches DNS.
const unreachableDns = () => Promise.reject(new Error('DNS must not be asked'));
const guard = createOutboundHttp({ allowList: [], resolve: unreachableDns });

describe('outbound guard: addresses written in the URL', () => {
  it.each([
    ['http://127.0.0.1/', 'loopback'],
    ['http://127.1/', 'loopback'],
    ['http://0x7f000001/', 'loopback'],
    ['http://2130706433/', 'loopback'],
    ['http://017700000001/', 'loopback'],
    ['http://0177.0.0.1/', 'loopback'],
    ['http://0x7f.1/', 'loopback'],
    ['http://127.0.0.1./', 'loopback'],
    ['http://%31%32%37.0.0.1/', 'loopback'],
    ['http://①②⑦.0.0.1/', 'loopback'],
    ['http://[0:0:0:0:0:ffff:127.0.0.1]/', 'loopback'],
    ['http://[::1]/', 'loopback'],
    ['http://[::ffff:127.0.0.1]/', 'loopback'],
    ['http://[::ffff:7f00:1]/', 'loopback'],
    ['http://[::ffff:0:7f00:1]/', 'loopback'],
    ['http://[::7f00:1]/', 'IPv4-compatible'],
    ['http://0.0.0.0/', 'unspecified'],
    ['http://0/', 'unspecified'],
    ['http://[::]/', 'unspecified'],
    ['http://10.1.2.3/', 'private'],
    ['http://172.16.0.1/', 'private'],
    ['http://172.31.255.255/', 'private'],
    ['http://192.168.1.1/', 'private'],
    ['http://[::ffff:10.0.0.1]/', 'private'],
    ['http://[64:ff9b::10.0.0.1]/', 'private'],
    ['http://[64:ff9b::7f00:1]/', 'loopback'],
    ['http://[64:ff9b:1::1]/', 'NAT64'],
    ['http://[2002:7f00:1::]/', 'loopback'],
    ['http://[fc00::1]/', 'unique local'],
    ['http://[fd12:3456::1]/', 'unique local'],
    ['http://[fec0::1]/', 'site-local'],
    ['http://169.254.1.1/', 'link-local'],
    ['http://[fe80::1]/', 'link-local'],
    ['http://169.254.169.254/latest/meta-data/', 'cloud metadata'],
    ['http://[fd00:ec2::254]/', 'cloud metadata'],
    ['http://[::ffff:169.254.169.254]/', 'cloud metadata'],
    ['http://100.100.100.200/', 'cloud metadata'],
    ['http://192.0.0.192/', 'cloud metadata'],
    ['http://100.64.0.1/', 'carrier-grade NAT'],
    ['http://100.127.255.254/', 'carrier-grade NAT'],
    ['http://224.0.0.1/', 'multicast'],
    ['http://[ff02::1]/', 'multicast'],
    ['http://255.255.255.255/', 'broadcast'],
    ['http://240.0.0.1/', 'reserved'],
    ['http://192.0.2.10/', 'reserved'],
    ['http://198.18.0.1/', 'reserved'],
    ['http://[2001:db8::1]/', 'reserved'],
    ['http://[2001::1]/', 'Teredo'],
    ['http://[2001:2::1]/', 'benchmarking'],
    ['http://[100::1]/', 'discard'],
    ['http://[4000::1]/', 'reserved'],
  ])('refuses %s (%s)', async (url, reason) => {
    const refusal = guard.assertAllowed(url);
    await expect(refusal).rejects.toBeInstanceOf(OutboundRefusedError);
    await expect(refusal).rejects.toThrow(reason);
    await expect(refusal).rejects.toThrow('OUTBOUND_ALLOW');
    await expect(refusal).rejects.toMatchObject({ code: 'validation_failed', status: 400 });
  });

  it('names the address and the reason in its message', async () => {
    await expect(guard.assertAllowed('http://127.0.0.1:8080/x')).rejects.toThrow(
      '127.0.0.1 is a loopback address; an administrator can allow it with OUTBOUND_ALLOW',
    );
  });

  it.each([
    'http://8.8.8.8/',
    'https://1.1.1.1/dns',
    'http://[2606:4700:4700::1111]/',
    'http://[::ffff:8.8.8.8]/',
    'http://[64:ff9b::8.8.8.8]/',
  ])('lets the public address %s through', async (url) => {
    await expect(guard.assertAllowed(url)).resolves.toBeUndefined();
  });
});

describe('outbound guard: names and URL shapes', () => {
  it.each([
    ['http://localhost/', 'loopback name'],
    ['http://LOCALHOST./', 'loopback name'],
    ['http://api.localhost/', 'loopback name'],
    ['http://metadata.google.internal/computeMetadata/v1/', 'cloud metadata name'],
    ['http://metadata/', 'cloud metadata name'],
    ['http://db.internal/', 'private network name'],
    ['http://printer.local/', 'private network name'],
  ])('refuses %s before any DNS lookup (%s)', async (url, reason) => {
    await expect(guard.assertAllowed(url)).rejects.toThrow(reason);
  });

  it.each([
    ['file:///etc/passwd', 'Only http and https'],
    ['ftp://example.com/', 'Only http and https'],
    ['gopher://example.com/', 'Only http and https'],
    ['http://user:secret@example.com/', 'user name or password'],
    ['http://user@example.com/', 'user name or password'],
    ['http://[fe80::1%25eth0]/', 'not a valid URL'],
    ['not a url', 'not a valid URL'],
  ])('refuses %s', async (url, message) => {
    const refusal = guard.assertAllowed(url);
    await expect(refusal).rejects.toBeInstanceOf(OutboundRefusedError);
    await expect(refusal).rejects.toThrow(message);
  });

  it('never repeats the password of a URL it refuses', async () => {
    await expect(guard.assertAllowed('http://user:hunter2@example.com/')).rejects.not.toThrow('hunter2');
  });

  it('refuses a public-looking name that resolves to a private address', async () => {
    const outbound = createOutboundHttp({
      allowList: [],
      resolve: async () => [{ address: '10.0.0.5', family: 4 }],
    });
    await expect(outbound.assertAllowed('https://docs.example.com/a.pdf')).rejects.toThrow(
      'docs.example.com resolves to 10.0.0.5, a private address',
    );
  });

  it('refuses a name when any one of its addresses is private', async () => {
    const outbound = createOutboundHttp({
      allowList: [],
      resolve: async () => [
        { address: '93.184.216.34', family: 4 },
        { address: '::1', family: 6 },
      ],
    });
    await expect(outbound.assertAllowed('https://mixed.example.com/')).rejects.toThrow('::1, a loopback address');
  });

  it('answers a name that does not resolve with a sentence, not a DNS error code', async () => {
    const outbound = createOutboundHttp({
      allowList: [],
      resolve: () => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' })),
    });
    await expect(outbound.assertAllowed('https://nowhere.example.com/')).rejects.toThrow(
      'The host nowhere.example.com could not be found',
    );
  });
});

describe('outbound guard: the allow-list', () => {
  const resolveTo =
    (address: string, family = 4) =>
    async () => [{ address, family }];

  it('opens an IP address, in all its spellings', async () => {
    const outbound = createOutboundHttp({ allowList: ['127.0.0.1'], resolve: unreachableDns });
    for (const url of ['http://127.0.0.1:9/', 'http://2130706433/', 'http://[::ffff:127.0.0.1]/']) {
      await expect(outbound.assertAllowed(url)).resolves.toBeUndefined();
    }
    await expect(outbound.assertAllowed('http://127.0.0.2/')).rejects.toThrow('loopback');
  });

  it('opens a CIDR range for literals and for the addresses names resolve to', async () => {
    const outbound = createOutboundHttp({
      allowList: ['10.20.0.0/16', 'fd00:1::/32'],
      resolve: resolveTo('10.20.3.4'),
    });
    await expect(outbound.assertAllowed('http://10.20.255.1/')).resolves.toBeUndefined();
    await expect(outbound.assertAllowed('http://[fd00:1:2::3]/')).resolves.toBeUndefined();
    await expect(outbound.assertAllowed('http://wiki.corp.example/')).resolves.toBeUndefined();
    await expect(outbound.assertAllowed('http://10.21.0.1/')).rejects.toThrow('private');
  });

  it('opens an address, a range or a name on one port only, when the entry gives one', async () => {
    const outbound = createOutboundHttp({
      allowList: ['127.0.0.1:11434', '[::1]:11434', '10.9.0.0/16:8000', 'ollama.lan:11434'],
      resolve: resolveTo('127.0.0.1'),
    });
    for (const url of [
      'http://127.0.0.1:11434/',
      'http://[::1]:11434/',
      'http://10.9.1.2:8000/',
      'http://ollama.lan:11434/',
    ]) {
      await expect(outbound.assertAllowed(url), url).resolves.toBeUndefined();
    }
    await expect(outbound.assertAllowed('http://127.0.0.1:3000/metrics')).rejects.toThrow('loopback');
    await expect(outbound.assertAllowed('http://127.0.0.1/')).rejects.toThrow('loopback');
    await expect(outbound.assertAllowed('http://10.9.1.2:22/')).rejects.toThrow('private');
    // A name that resolves to an opened address is held to its port too.
    await expect(outbound.assertAllowed('http://public.example:11434/')).resolves.toBeUndefined();
    await expect(outbound.assertAllowed('http://public.example:8080/')).rejects.toThrow('127.0.0.1');
  });

  it('takes entries with a port in OUTBOUND_ALLOW, and refuses a port that is none', () => {
    for (const entry of ['127.0.0.1:11434', '[::1]:11434', 'ollama.lan:11434', '10.0.0.0/8:80', 'fd00::/8', '::1']) {
      expect(isAllowListEntry(entry), entry).toBe(true);
    }
    for (const entry of ['127.0.0.1:0', '127.0.0.1:70000', 'host:', '[::1]:x', 'a:b:c']) {
      expect(isAllowListEntry(entry), entry).toBe(false);
    }
  });

  it('opens a host name, whatever it resolves to, and only that name', async () => {
    const outbound = createOutboundHttp({
      allowList: ['Wiki.Corp.Example', 'localhost'],
      resolve: resolveTo('10.0.0.9'),
    });
    await expect(outbound.assertAllowed('http://wiki.corp.example./page')).resolves.toBeUndefined();
    await expect(outbound.assertAllowed('http://localhost:3000/')).resolves.toBeUndefined();
    await expect(outbound.assertAllowed('http://other.corp.example/')).rejects.toThrow('10.0.0.9');
  });
});
