import type { Kysely } from 'kysely';
import type { Config } from '../config';
import { LaurelError } from '../errors';
import type { UnsignedCredential } from './builder';
import { createCanonizer, type Canonizer } from './canonize';
import { createDocumentLoader, knownContextUrls, type ContextMap } from './contexts';
import { createDataIntegrityProof, w3cDate } from './data-integrity';
import { getIssuer } from './issuers';
import { appendMembers, signVcJwt, signVcJwtOfJson } from './jwt';
import { keyEncryptionKey, loadKey, on, type LoadedKey } from './keys';

export interface SignedOutput {
  /** The credential with `proof` as an array holding the DataIntegrityProof. */
  credential: Record<string, unknown>;
  /** VC-JWT (compact JWS, RS256) of the DI-signed credential. */
  jws: string;
  /** Key ids used: [Ed25519 verification method, RSA kid]. */
  keyIds: string[];
}

/** `SignedOutput` with the signed credential as JSON (what crosses between threads and goes to the database). */
export interface SerializedSignedOutput {
  /** JSON of the credential with `proof` as an array holding the DataIntegrityProof. */
  documentJson: string;
  jws: string;
  keyIds: string[];
}

export interface CredentialSigner {
  /** Both proofs: Data Integrity first, then the VC-JWT of the DI-signed credential. */
  sign(issuerId: string, unsigned: UnsignedCredential | Record<string, unknown>): Promise<SignedOutput>;
  /**
   * `sign` for a credential that arrives and leaves as JSON (`unsignedJson` = `JSON.stringify` of an
   * unsigned credential): the signed JSON is the unsigned JSON with the proof appended and the VC-JWT
   * payload that with the claims appended, so the document is serialised once, by the caller. The
   * result is byte for byte `JSON.stringify` of what `sign` returns.
   */
  signSerialized(issuerId: string, unsignedJson: string): Promise<SerializedSignedOutput>;
  /** Data Integrity proof only (status list credentials, CLR). */
  signDataIntegrity(issuerId: string, unsigned: Record<string, unknown>): Promise<Record<string, unknown>>;
  /**
   * VC-JWT alone, for documents whose JSON-LD contexts are not available offline (a Data Integrity
   * proof needs them to canonicalise; a JWS signs the bytes and does not).
   */
  signJwt(issuerId: string, unsigned: Record<string, unknown>): Promise<SignedOutput>;
  /** Forgets cached keys (after `rotateKeys` in this process). */
  refresh(): void;
  canonizer: Canonizer;
}

export interface SignerOptions {
  /** Clock for `proof.created`. Default `() => new Date()`. */
  now?: () => Date;
  /** Extra JSON-LD contexts (e.g. CLR 2.0.1, which no npm package ships). */
  contexts?: ContextMap;
  /** How long decrypted keys are cached, so rotations in other processes are seen. Default 30 s. */
  keyCacheMs?: number;
}

interface IssuerKeys {
  did: string;
  ed25519: LoadedKey;
  rsa: LoadedKey;
  loadedAt: number;
}

export async function createSigner<T>(db: Kysely<T>, config: Config, options: SignerOptions = {}): Promise<CredentialSigner> {
  const now = options.now ?? (() => new Date());
  const cacheMs = options.keyCacheMs ?? 30000;
  const kek = keyEncryptionKey(config);
  const canonizer = createCanonizer({ documentLoader: createDocumentLoader(options.contexts), fastContexts: knownContextUrls(options.contexts) });
  const cache = new Map<string, Promise<IssuerKeys>>();

  async function load(issuerId: string): Promise<IssuerKeys> {
    // Whatever these keys sign fixes the issuer's DID (see issuerForIssuing): mark it before the keys
    // are read, so an issuer still following BASE_URL can never swap out a key that has signed.
    await on(db).updateTable('credential_issuers').set({ first_issued_at: now() }).where('id', '=', issuerId).where('first_issued_at', 'is', null).execute();
    const issuer = await getIssuer(db, issuerId);
    if (!issuer) throw new LaurelError('ERR_KEY_UNAVAILABLE', `No issuer ${issuerId}`);
    const rows = await on(db).selectFrom('signing_keys').selectAll().where('issuer_id', '=', issuerId).where('status', '=', 'active').execute();
    const ed = rows.find((r) => r.algorithm === 'Ed25519');
    const rsa = rows.find((r) => r.algorithm === 'RS256');
    if (!ed || !rsa) throw new LaurelError('ERR_KEY_UNAVAILABLE', `Issuer ${issuerId} has no active keys: run 'laurel bootstrap'`);
    return { did: issuer.did, ed25519: loadKey(ed, kek), rsa: loadKey(rsa, kek), loadedAt: Date.now() };
  }

  async function keysFor(issuerId: string): Promise<IssuerKeys> {
    let entry = cache.get(issuerId);
    if (entry) {
      const keys = await entry.catch(() => undefined);
      if (keys && Date.now() - keys.loadedAt < cacheMs) return keys;
    }
    entry = load(issuerId);
    cache.set(issuerId, entry);
    entry.catch(() => cache.delete(issuerId));
    return entry;
  }

  async function signDataIntegrity(issuerId: string, unsigned: Record<string, unknown>): Promise<Record<string, unknown>> {
    const keys = await keysFor(issuerId);
    assertIssuer(unsigned, keys.did);
    const { proof: _existing, ...document } = unsigned;
    const proof = await createDataIntegrityProof({
      document,
      key: { verificationMethod: keys.ed25519.id, privateKey: keys.ed25519.privateKey },
      created: w3cDate(now()),
      canonizer,
    });
    // The 2024 schema build requires an array; a one-element array means the same in JSON-LD.
    return { ...document, proof: [proof] };
  }

  async function sign(issuerId: string, unsigned: Record<string, unknown>): Promise<SignedOutput> {
    const credential = await signDataIntegrity(issuerId, unsigned);
    const keys = await keysFor(issuerId);
    const jws = await signVcJwt(credential, { kid: keys.rsa.id, privateKey: keys.rsa.privateKey });
    return { credential, jws, keyIds: [keys.ed25519.id, keys.rsa.id] };
  }

  return {
    canonizer,
    signDataIntegrity,
    sign,
    async signSerialized(issuerId, unsignedJson) {
      const unsigned = JSON.parse(unsignedJson) as Record<string, unknown>;
      if (Object.hasOwn(unsigned, 'proof')) {
        // A proof to replace: the JSON changes in place, so take the general path.
        const signed = await sign(issuerId, unsigned);
        return { documentJson: JSON.stringify(signed.credential), jws: signed.jws, keyIds: signed.keyIds };
      }
      const keys = await keysFor(issuerId);
      assertIssuer(unsigned, keys.did);
      const proof = await createDataIntegrityProof({
        document: unsigned,
        key: { verificationMethod: keys.ed25519.id, privateKey: keys.ed25519.privateKey },
        created: w3cDate(now()),
        canonizer,
      });
      const credential = { ...unsigned, proof: [proof] };
      const documentJson = appendMembers(unsignedJson, { proof: credential.proof });
      const jws = await signVcJwtOfJson(credential, documentJson, { kid: keys.rsa.id, privateKey: keys.rsa.privateKey });
      return { documentJson, jws, keyIds: [keys.ed25519.id, keys.rsa.id] };
    },
    async signJwt(issuerId, unsigned) {
      const keys = await keysFor(issuerId);
      assertIssuer(unsigned, keys.did);
      const { proof: _existing, ...credential } = unsigned;
      const jws = await signVcJwt(credential, { kid: keys.rsa.id, privateKey: keys.rsa.privateKey });
      return { credential, jws, keyIds: [keys.rsa.id] };
    },
    refresh: () => cache.clear(),
  };
}

/** The key's controller must be the credential's issuer, or verifiers reject the proof. */
function assertIssuer(unsigned: Record<string, unknown>, did: string): void {
  const issuer = unsigned.issuer;
  const id = typeof issuer === 'string' ? issuer : (issuer as { id?: unknown } | undefined)?.id;
  if (id !== did) throw new TypeError(`credential issuer ${String(id)} is not the signing issuer ${did}`);
}
