import { gzipSync } from 'node:zlib';
import { bitAt, decodeStatusList, encodeStatusList, scatter } from '../../src/credentials/status-list';
import { isLaurelError } from '../../src/errors';

describe('bitstring status list encoding', () => {
  test('GZIP + multibase base64url (u prefix) round-trips; bit 0 is the most significant bit of byte 0', () => {
    const bits = Buffer.alloc(16384);
    bits[0] = 0x80;
    bits[16383] = 0x01;
    const encoded = encodeStatusList(bits);
    expect(encoded).toMatch(/^u[A-Za-z0-9_-]+$/);
    const decoded = decodeStatusList(encoded);
    expect(decoded.equals(bits)).toBe(true);
    expect(bitAt(decoded, 0)).toBe(true);
    expect(bitAt(decoded, 1)).toBe(false);
    expect(bitAt(decoded, 131071)).toBe(true);
    expect(bitAt(decoded, 131072)).toBeUndefined();
  });

  test('hostile lists are refused: wrong multibase, not gzip, decompression bomb', () => {
    const bomb = 'u' + gzipSync(Buffer.alloc(64 * 1024 * 1024)).toString('base64url');
    for (const bad of ['zabc', 'u***', 'u' + Buffer.from('plain').toString('base64url'), bomb]) {
      let error: unknown;
      try {
        decodeStatusList(bad);
      } catch (e) {
        error = e;
      }
      expect(isLaurelError(error, 'ERR_CREDENTIAL_INVALID')).toBe(true);
    }
  });

  test('index scattering is a permutation of the list, not in issue order, different per list', () => {
    const size = 131072;
    const seen = new Uint8Array(size);
    for (let n = 0; n < size; n++) seen[scatter(n, size, 'list-a')]++;
    expect(seen.every((v) => v === 1)).toBe(true);
    const first = [0, 1, 2].map((n) => scatter(n, size, 'list-a'));
    expect(first).not.toEqual([first[0], first[0] + 1, first[0] + 2]);
    expect(scatter(0, size, 'list-b')).not.toBe(scatter(0, size, 'list-a'));
  });
});
