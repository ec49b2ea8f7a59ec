import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { clearJwksCache, configureCanvasJwks, verifyCanvasJwt } from '../../src/events';
import { startJwksServer, type JwksServer } from './support';

// The Canvas Live Events verifier (src/events/verify/canvas-jwt.ts): jose resolves the key, node:crypto
// checks RS256. Each token is made by hand so headers jose would refuse to sign can be tried.
describe('Canvas Live Event JWT verification', () => {
  let jwks: JwksServer;
  const keys = (bits: number, kid: string) => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
    return { kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } };
  };
  const good = keys(2048, 'good');
  const short = keys(1024, 'short');
  const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
  const token = (props: { header?: Record<string, unknown>; claims?: unknown; key?: KeyObject; kid?: string; rawHeader?: string }) => {
    const header = props.rawHeader ?? b64({ alg: 'RS256', kid: props.kid ?? good.kid, ...props.header });
    const payload = b64(props.claims ?? { metadata: { event_name: 'grade_change' }, body: {}, iat: now() });
    const signature = sign('sha256', Buffer.from(`${header}.${payload}`), props.key ?? good.privateKey).toString('base64url');
    return `${header}.${payload}.${signature}`;
  };
  const now = () => Math.floor(Date.now() / 1000);
  /** The text with 'A's appended until its length is 1 mod 4 (signed as it is, so only the decoding can refuse it). */
  const oneModFour = (text: string) => {
    let padded = text;
    while (padded.length % 4 !== 1) padded += 'A';
    return padded;
  };
  const verify = (jwt: string) => verifyCanvasJwt(jwt, { jwksUrl: jwks.url });

  beforeAll(async () => {
    jwks = await startJwksServer();
    jwks.keys.push(good.jwk as never, short.jwk as never);
    configureCanvasJwks({ cooldownMs: 0 });
  });
  afterAll(async () => {
    clearJwksCache();
    configureCanvasJwks({});
    await jwks.close();
  });

  it('returns the claims of a token signed with a key of the set', async () => {
    const claims = await verify(token({ claims: { metadata: { event_name: 'grade_change' }, body: { score: 7 }, exp: now() + 60 } }));
    expect(claims).toMatchObject({ body: { score: 7 } });
  });

  it.each([
    ['a payload changed after signing', () => { const [h, , s] = token({}).split('.'); return `${h}.${b64({ metadata: {}, body: { score: 100 } })}.${s}`; }, 'ERR_EVENT_SIGNATURE', /does not verify/],
    ['a crit header', () => token({ header: { crit: ['exp'] } }), 'ERR_EVENT_SIGNATURE', /not a valid signed JWT/],
    ['an unencoded payload (b64: false)', () => token({ header: { b64: false } }), 'ERR_EVENT_SIGNATURE', /not a valid signed JWT/],
    ['alg none', () => token({ header: { alg: 'none' } }), 'ERR_EVENT_SIGNATURE', /Only RS256/],
    ['a header that is not JSON', () => token({ rawHeader: b64('not json') }), 'ERR_EVENT_SIGNATURE', /not a valid signed JWT/],
    ['a header of 1 mod 4 characters (no base64url)', () => token({ rawHeader: oneModFour(b64({ alg: 'RS256', kid: 'good' })) }), 'ERR_EVENT_SIGNATURE', /not a valid signed JWT/],
    ['claims that are an array', () => token({ claims: [1, 2] }), 'ERR_EVENT_SIGNATURE', /not a valid signed JWT/],
    ['a not-before in the future (beyond the tolerance)', () => token({ claims: { metadata: {}, body: {}, nbf: now() + 3600 } }), 'ERR_EVENT_SIGNATURE', /not a valid signed JWT/],
    ['an exp that is not a number', () => token({ claims: { metadata: {}, body: {}, exp: 'tomorrow' } }), 'ERR_EVENT_SIGNATURE', /not a valid signed JWT/],
    ['an expired token', () => token({ claims: { metadata: {}, body: {}, exp: now() - 3600 } }), 'ERR_EVENT_STALE', /expired/],
    ['a kid the set does not hold', () => token({ kid: 'nobody' }), 'ERR_EVENT_SIGNATURE', /No key of the source/],
    ['the right kid signed by another key', () => token({ key: keys(2048, 'x').privateKey }), 'ERR_EVENT_SIGNATURE', /does not verify/],
  ])('refuses %s', async (_name, make, code, message) => {
    await expect(verify(make())).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
  });

  it('accepts a token inside the clock tolerance (exp 60 s ago, 300 s allowed)', async () => {
    await expect(verify(token({ claims: { metadata: {}, body: {}, exp: now() - 60 } }))).resolves.toMatchObject({ metadata: {} });
  });

  it('does not trust an RS256 key shorter than 2048 bits (as jose), whatever the signature', async () => {
    await expect(verify(token({ kid: short.kid, key: short.privateKey }))).rejects.toMatchObject({ code: 'ERR_UNAVAILABLE' });
  });
});
