import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LookupAddress } from 'node:dns';
import { createOutboundFetch, guardedLookup, type LookupFunction } from '../../src/outbound';
import { LaurelError } from '../../src/errors';

/**
 * DNS rebinding: the name resolves to a public address when the client checks it and to a private one
 * when the socket connects. The connection's own lookup is checked, so the second answer is refused.
 * Every resolver here is ours; the only traffic is to 127.0.0.1, and only when the policy allows it.
 */
const answering = (table: Record<string, string[]>, asked: string[] = []): LookupFunction => (hostname, _options, callback) => {
  asked.push(hostname);
  const addresses = table[hostname];
  if (!addresses) return callback(Object.assign(new Error(`no ${hostname}`), { code: 'ENOTFOUND' }), []);
  callback(null, addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
};

const lookupOnce = (lookup: LookupFunction, host: string, all: boolean) =>
  new Promise<{ error: Error | null; address: string | LookupAddress[] }>((resolve) => lookup(host, { all }, (error, address) => resolve({ error, address })));

describe('the connection checks the address it connects to', () => {
  let server: Server;
  let port: number;
  const requests: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => { requests.length = 0; });

  it('the guarded lookup refuses any private answer and passes public ones on, in both callback forms', async () => {
    const lookup = guardedLookup({ allowLoopback: false, allowedPrivateHosts: ['moodle.campus'] }, answering({
      'lms.example': ['93.184.216.34'],
      'rebind.example': ['93.184.216.34', '169.254.169.254'],
      'moodle.campus': ['10.0.0.8'],
      'sneaky.example': ['::ffff:10.0.0.1'],
    }));
    expect(await lookupOnce(lookup, 'lms.example', false)).toEqual({ error: null, address: '93.184.216.34' });
    expect(await lookupOnce(lookup, 'lms.example', true)).toEqual({ error: null, address: [{ address: '93.184.216.34', family: 4 }] });
    expect((await lookupOnce(lookup, 'rebind.example', false)).error?.message).toMatch(/linkLocal address \(169\.254\.169\.254\)/);
    expect((await lookupOnce(lookup, 'sneaky.example', true)).error?.message).toMatch(/private/);
    expect(await lookupOnce(lookup, 'moodle.campus', false)).toEqual({ error: null, address: '10.0.0.8' });
  });

  it('a name that was public when checked and private when connecting is refused, and nothing is sent', async () => {
    const asked: string[] = [];
    const client = createOutboundFetch({
      allowHttp: true, allowLoopback: false, allowedPrivateHosts: [],
      resolve: async () => ['93.184.216.34'], // the check sees a public address…
      lookup: answering({ 'lms.example': ['127.0.0.1'] }, asked), // …the connection gets loopback
    });
    const error = await client(`http://lms.example:${port}/x`).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(LaurelError);
    expect((error as LaurelError).message).toBe('Laurel refused to call this address.');
    expect(String(((error as LaurelError).cause as Error).message)).toMatch(/loopback address \(127\.0\.0\.1\).*at connect time/);
    expect(asked).toEqual(['lms.example']);
    expect(requests).toEqual([]);
  });

  it('refuses a cloud metadata address reached by rebinding, with our own message', async () => {
    const client = createOutboundFetch({
      allowHttp: false, allowLoopback: false, allowedPrivateHosts: [],
      resolve: async () => ['93.184.216.34'],
      lookup: answering({ 'lms.example': ['169.254.169.254'] }),
    });
    const error = await client('https://lms.example/latest/meta-data/').then(() => undefined, (e: unknown) => e);
    expect((error as LaurelError).message).toBe('Laurel refused to call this address.');
    expect(String(((error as LaurelError).cause as Error).message)).toMatch(/linkLocal.*at connect time/);
  });

  it('connects when the connect-time answer is allowed (loopback outside production)', async () => {
    const client = createOutboundFetch({
      allowHttp: true, allowLoopback: true, allowedPrivateHosts: [],
      resolve: async () => ['127.0.0.1'],
      lookup: answering({ 'lms.test': ['127.0.0.1'] }),
    });
    const response = await client(`http://lms.test:${port}/page?x=1`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    expect(requests).toEqual(['/page?x=1']);
  });

  it('connects to a private address only for a host the admin allowed', async () => {
    const policy = { allowHttp: true, allowLoopback: false, resolve: async () => ['127.0.0.1'], lookup: answering({ 'moodle.campus': ['127.0.0.1'], 'other.campus': ['127.0.0.1'] }) };
    const allowed = createOutboundFetch({ ...policy, allowedPrivateHosts: ['moodle.campus'] });
    expect(await (await allowed(`http://moodle.campus:${port}/ok`)).json()).toEqual({ ok: true });
    const error = await allowed(`http://other.campus:${port}/no`).then(() => undefined, (e: unknown) => e);
    expect((error as LaurelError).message).toBe('Laurel refused to call this address.');
    expect(requests).toEqual(['/ok']);
  });
});
