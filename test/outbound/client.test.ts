import { createOutboundFetch, refusedAddress, type OutboundOptions } from '../../src/outbound';
import { nextPage, readJson } from '../../src/lti/http';
import { LaurelError } from '../../src/errors';

/** A transport that answers by URL, and a resolver that answers by host: no network. */
function fake(routes: Record<string, () => Response>, dns: Record<string, string[]>, extra: Partial<OutboundOptions> = {}) {
  const calls: string[] = [];
  const transport = (async (input: string | URL) => {
    const url = String(input);
    calls.push(url);
    const route = routes[url];
    if (!route) return new Response('nope', { status: 404 });
    return route();
  }) as typeof fetch;
  const client = createOutboundFetch({
    allowHttp: false, allowLoopback: false, allowedPrivateHosts: [], fetch: transport,
    resolve: async (host) => dns[host] ?? ['93.184.216.34'], ...extra,
  });
  return { client, calls };
}

const refusedWith = async (promise: Promise<unknown>, reason: RegExp) => {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(LaurelError);
  expect((error as LaurelError).message).toBe('Laurel refused to call this address.');
  expect(String(((error as LaurelError).cause as Error).message)).toMatch(reason);
};

describe('the outbound client', () => {
  it('refuses private, link-local, loopback and unspecified addresses in production, unless the admin allowed the host', async () => {
    const policy = { allowLoopback: false, allowedPrivateHosts: ['moodle.campus.local'] };
    expect(refusedAddress('lms.example', '10.1.2.3', policy)).toMatch(/private/);
    expect(refusedAddress('lms.example', '169.254.169.254', policy)).toMatch(/linkLocal/);
    expect(refusedAddress('lms.example', '127.0.0.1', policy)).toMatch(/loopback/);
    expect(refusedAddress('lms.example', '::ffff:192.168.0.1', policy)).toMatch(/private/);
    expect(refusedAddress('lms.example', 'fd00::1', policy)).toMatch(/uniqueLocal/);
    expect(refusedAddress('lms.example', '0.0.0.0', policy)).toMatch(/unspecified/);
    expect(refusedAddress('lms.example', '100.64.0.1', policy)).toMatch(/carrierGradeNat/);
    expect(refusedAddress('lms.example', '93.184.216.34', policy)).toBeUndefined();
    expect(refusedAddress('moodle.campus.local', '10.1.2.3', policy)).toBeUndefined();
    expect(refusedAddress('MOODLE.campus.local', '10.1.2.3', policy)).toBeUndefined();
    expect(refusedAddress('lms.example', '127.0.0.1', { ...policy, allowLoopback: true })).toBeUndefined();
    expect(refusedAddress('lms.example', '169.254.169.254', { ...policy, allowLoopback: true })).toMatch(/linkLocal/);
  });

  it('refuses a host any of whose addresses is private (no choosing the public one)', async () => {
    const { client, calls } = fake({ 'https://mixed.example/x': () => new Response('{}') }, { 'mixed.example': ['93.184.216.34', '10.0.0.7'] });
    await refusedWith(client('https://mixed.example/x'), /private/);
    expect(calls).toEqual([]);
  });

  it('allows https only in production, http outside it', async () => {
    const { client } = fake({ 'http://lms.example/x': () => new Response('{}') }, {});
    await refusedWith(client('http://lms.example/x'), /http is not allowed in production/);
    await refusedWith(client('file:///etc/passwd'), /file is not allowed/);
    const dev = fake({ 'http://lms.example/x': () => new Response('{"ok":true}') }, {}, { allowHttp: true });
    expect(await (await dev.client('http://lms.example/x')).json()).toEqual({ ok: true });
  });

  it('follows at most 3 redirects, each re-checked, and never to another host', async () => {
    const to = (location: string) => () => new Response(null, { status: 302, headers: { location } });
    const { client } = fake({
      'https://lms.example/a': to('/b'), 'https://lms.example/b': to('https://lms.example/c'), 'https://lms.example/c': () => new Response('done'),
      'https://lms.example/away': to('https://evil.example/steal'),
      'https://lms.example/loop': to('/loop'),
      'https://lms.example/inside': to('https://lms.example/private'),
    }, {});
    expect(await (await client('https://lms.example/a')).text()).toBe('done');
    await refusedWith(client('https://lms.example/away'), /redirect to another host \(evil.example\)/);
    await refusedWith(client('https://lms.example/loop'), /more than 3 redirects/);
    await refusedWith(client('https://lms.example/a', { redirect: 'error' }), /redirect refused/);
    const rebinding = fake({ 'https://lms.example/inside': to('https://lms.example:8443/x') }, { 'lms.example': ['93.184.216.34'] });
    await refusedWith(rebinding.client('https://lms.example/inside'), /another host/);
  });

  it('limits the size of an answer (declared or streamed) and the time of a call', async () => {
    const big = 'x'.repeat(2048);
    const { client } = fake({
      'https://lms.example/declared': () => new Response(big, { headers: { 'content-length': '2048' } }),
      'https://lms.example/streamed': () => new Response(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode(big)); c.close(); } })),
      'https://lms.example/small': () => new Response('{"a":1}'),
    }, {}, { maxBytes: 1024 });
    await refusedWith(client('https://lms.example/declared'), /2048 bytes is over the 1024-byte limit/);
    await expect((await client('https://lms.example/streamed')).text()).rejects.toBeDefined();
    expect(await (await client('https://lms.example/small')).json()).toEqual({ a: 1 });
    const slow = createOutboundFetch({
      allowHttp: false, allowLoopback: false, allowedPrivateHosts: [], timeoutMs: 50, resolve: async () => ['93.184.216.34'],
      fetch: ((_url: string, init: RequestInit) => new Promise((_resolve, reject) => init.signal!.addEventListener('abort', () => reject(init.signal!.reason)))) as unknown as typeof fetch,
    });
    const started = Date.now();
    await expect(slow('https://lms.example/slow')).rejects.toBeDefined();
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('never follows a Link header to another host, and never echoes a remote body', async () => {
    expect(nextPage('https://lms.example/members?page=1', '/members?page=2')).toBe('https://lms.example/members?page=2');
    expect(() => nextPage('https://lms.example/members?page=1', 'https://evil.example/members?page=2')).toThrow('The LMS named a next page on another host; Laurel does not follow it.');
    const error = (await readJson(new Response('<script>alert(1)</script> secret internal text', { status: 500 }), 'list members').catch((e: unknown) => e)) as LaurelError;
    expect(error.message).toBe('The LMS refused to list members (HTTP 500).');
    expect(JSON.stringify(error.details)).not.toContain('secret internal text');
  });
});
