import { exportJWK, generateKeyPair } from 'jose';
import { JwksCache } from '../../src/lti/jwks';

async function rsaJwk(kid: string) {
  const { publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(publicKey)), kid };
}

describe('JwksCache', () => {
  it('caches by kid, refetches when a token names a new kid (rotation), and limits refetches', async () => {
    const keys = [await rsaJwk('k1')];
    let fetches = 0;
    const cache = new JwksCache({
      userAgent: 'Laurel/test',
      missCooldownMs: 30_000,
      fetch: (async () => {
        fetches++;
        return new Response(JSON.stringify({ keys }), { status: 200 });
      }) as unknown as typeof fetch,
    });
    const t0 = 1_000_000;
    expect((await cache.getKey('https://lms/jwks', 'k1', t0)).kid).toBe('k1');
    expect((await cache.getKey('https://lms/jwks', 'k1', t0 + 1000)).kid).toBe('k1');
    expect(fetches).toBe(1);

    keys.push(await rsaJwk('k2'));
    // Within the cooldown, an unknown kid is refused without hammering the platform.
    await expect(cache.getKey('https://lms/jwks', 'k2', t0 + 2000)).rejects.toMatchObject({ code: 'ERR_LTI_LAUNCH_INVALID', details: { reason: 'UNKNOWN_KID' } });
    expect(fetches).toBe(1);
    // After it, the miss triggers one refetch and the rotated key is found.
    expect((await cache.getKey('https://lms/jwks', 'k2', t0 + 31_000)).kid).toBe('k2');
    expect(fetches).toBe(2);
    await expect(cache.getKey('https://lms/jwks', 'nope', t0 + 32_000)).rejects.toMatchObject({ details: { reason: 'UNKNOWN_KID' } });
    expect(fetches).toBe(2);
  });

  it('reports an unreachable key set as unavailable', async () => {
    const cache = new JwksCache({ userAgent: 'x', fetch: (async () => new Response('no', { status: 500 })) as unknown as typeof fetch });
    await expect(cache.getKey('https://lms/jwks', 'k1')).rejects.toMatchObject({ code: 'ERR_UNAVAILABLE' });
  });
});
