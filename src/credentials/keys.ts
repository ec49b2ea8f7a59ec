import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { openBytes, sealBytes, SealError } from '../crypto';
import type { Kysely, Selectable } from 'kysely';
import { asTables, type AnyDb } from '../db';
import type { Config } from '../config';
import { LaurelError } from '../errors';
import { ed25519RawPublicKey } from './ed25519';
import { ed25519PublicKeyMultibase } from './multibase';
import type { CredentialTables, KeyAlgorithm, PublicJwk } from './tables';

export type SigningKeyRow = Selectable<CredentialTables['signing_keys']>;
type CredDb = Kysely<CredentialTables>;
export const on = (db: AnyDb): CredDb => asTables<CredentialTables>(db);

/** A decrypted key ready to sign; lives only in memory. */
export interface LoadedKey {
  id: string;
  issuerId: string;
  algorithm: KeyAlgorithm;
  privateKey: KeyObject;
  publicJwk: PublicJwk;
}

/** Public facts about a key, for `laurel keys list` and DID documents (never the private part). */
export interface KeySummary {
  id: string;
  issuerId: string;
  algorithm: KeyAlgorithm;
  status: 'active' | 'retired';
  createdAt: Date;
  retiredAt: Date | null;
  publicJwk: PublicJwk;
}

/**
 * Private keys are sealed with AES-256-GCM under KEY_ENCRYPTION_KEY; the key id is the associated
 * data, so a ciphertext copied onto another row (e.g. to make an attacker's key "active" under our
 * kid) fails to decrypt instead of signing with the wrong key.
 */
export function sealPrivateKey(der: Buffer, keyId: string, kek: Buffer): string {
  return sealBytes({ plaintext: der, associatedData: keyId, kek });
}

export function openPrivateKey(sealed: string, keyId: string, kek: Buffer): Buffer {
  try {
    return openBytes({ sealed, associatedData: keyId, kek });
  } catch (cause) {
    if (cause instanceof SealError && cause.reason === 'format') throw new LaurelError('ERR_KEY_UNAVAILABLE', `Key ${keyId} is not in a known format`);
    throw new LaurelError('ERR_KEY_UNAVAILABLE', `Key ${keyId} cannot be decrypted: is KEY_ENCRYPTION_KEY the one it was sealed with?`, { cause });
  }
}

export function keyEncryptionKey(config: Pick<Config, 'KEY_ENCRYPTION_KEY'>): Buffer {
  return Buffer.from(config.KEY_ENCRYPTION_KEY, 'base64');
}

/** Generates a key of `algorithm` for `issuerDid`, sealed for storage. Ed25519 for DI, RSA 2048 for RS256 (the spec minimum every verifier accepts, and 3x faster to sign than 3072). */
export function generateKey(props: { issuerDid: string; algorithm: KeyAlgorithm; kek: Buffer; now: Date }) {
  const stamp = props.now.toISOString().slice(0, 10).replace(/-/g, '');
  const suffix = randomBytes(4).toString('hex');
  const { privateKey, publicKey } =
    props.algorithm === 'Ed25519'
      ? generateKeyPairSync('ed25519')
      : generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
  const fragment = props.algorithm === 'Ed25519' ? `ed25519-${stamp}-${suffix}` : `rsa-${stamp}-${suffix}`;
  const id = `${props.issuerDid}#${fragment}`;
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  return { id, publicJwk: publicJwkOf(publicKey, id, props.algorithm), sealed: sealPrivateKey(der, id, props.kek) };
}

export function publicJwkOf(publicKey: KeyObject, kid: string, algorithm: KeyAlgorithm): PublicJwk {
  const jwk = publicKey.export({ format: 'jwk' }) as PublicJwk;
  return algorithm === 'Ed25519'
    ? { kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid, alg: 'EdDSA', use: 'sig' }
    : { kty: 'RSA', n: jwk.n, e: jwk.e, kid, alg: 'RS256', use: 'sig' };
}

export function loadKey(row: SigningKeyRow, kek: Buffer): LoadedKey {
  const der = openPrivateKey(row.private_key_enc, row.id, kek);
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  return { id: row.id, issuerId: row.issuer_id, algorithm: row.algorithm, privateKey, publicJwk: row.public_jwk };
}

export async function insertKey<T>(db: Kysely<T>, props: { issuerId: string; issuerDid: string; algorithm: KeyAlgorithm; kek: Buffer; now: Date }): Promise<string> {
  const key = generateKey(props);
  await on(db)
    .insertInto('signing_keys')
    .values({ id: key.id, issuer_id: props.issuerId, algorithm: props.algorithm, public_jwk: JSON.stringify(key.publicJwk), private_key_enc: key.sealed, retired_at: null })
    .execute();
  return key.id;
}

export async function listKeys<T>(db: Kysely<T>, issuerId?: string): Promise<KeySummary[]> {
  let query = on(db).selectFrom('signing_keys').selectAll().orderBy('issuer_id').orderBy('created_at');
  if (issuerId) query = query.where('issuer_id', '=', issuerId);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: r.id,
    issuerId: r.issuer_id,
    algorithm: r.algorithm,
    status: r.status,
    createdAt: r.created_at,
    retiredAt: r.retired_at,
    publicJwk: r.public_jwk,
  }));
}

/** Every public key (active and retired) so old credentials keep verifying after rotation. */
export async function jwks<T>(db: Kysely<T>): Promise<{ keys: PublicJwk[] }> {
  const keys = await listKeys(db);
  return { keys: keys.map((k) => k.publicJwk) };
}

/** Multikey verification method of an Ed25519 JWK (`x` is base64url of the raw key). */
export function multikeyOf(jwk: PublicJwk, controller: string): Record<string, string> {
  const raw = Buffer.from(jwk.x ?? '', 'base64url');
  return { id: jwk.kid ?? '', type: 'Multikey', controller, publicKeyMultibase: ed25519PublicKeyMultibase(raw) };
}

export function rawEd25519(publicKey: KeyObject): Buffer {
  return ed25519RawPublicKey(publicKey);
}

export function publicKeyFromJwk(jwk: PublicJwk): KeyObject {
  return createPublicKey({ key: jwk as unknown as import('node:crypto').JsonWebKey, format: 'jwk' });
}
