import { createHmac } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { CredentialPort, AwardFacts } from '../../../src/badges';

/** A stand-in credentials engine: HMAC "signatures" and in-memory status bits. */
export function fakeCredentialPort(): CredentialPort & { revoked: Set<string>; signed: AwardFacts[] } {
  const revoked = new Set<string>();
  const signed: AwardFacts[] = [];
  let nextIndex = 0;
  return {
    revoked,
    signed,
    async defaultIssuerId() {
      return 'issuer-default';
    },
    async issuerProfile(_db, id) {
      return { id, name: 'Test University', url: 'https://example.edu' };
    },
    async sign<T>(_trx: Kysely<T>, facts: AwardFacts) {
      signed.push(facts);
      const document = { id: `urn:uuid:${facts.credentialId}`, type: ['VerifiableCredential', 'OpenBadgeCredential'], name: facts.achievement.name };
      const jws = `fake.${Buffer.from(JSON.stringify(document)).toString('base64url')}.${createHmac('sha256', 'k').update(facts.credentialId).digest('base64url')}`;
      return { document, jws, keyIds: ['k1'], statusListId: 'list-1', statusIndex: nextIndex++ };
    },
    async setRevoked(_trx, entry, value) {
      const key = `${entry.listId}#${entry.index}`;
      if (value) revoked.add(key);
      else revoked.delete(key);
    },
    async verify() {
      return { verified: true, checks: [{ check: 'proof', ok: true }] };
    },
    bakePng: (png) => png,
    bakeSvg: (svg) => svg,
    defaultBadgeSvg: ({ name }) => `<svg xmlns="http://www.w3.org/2000/svg"><text>${name}</text></svg>`,
    defaultBadgePng: () => Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  };
}
