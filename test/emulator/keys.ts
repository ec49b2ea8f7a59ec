// The platform's RS256 signing keys: a current key, older keys kept in the JWKS after rotation, and
// throw-away keys for tamper tests.
import { randomBytes, randomUUID, createHmac } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import type { ProfileName } from './types';

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function newKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { kid, privateKey, publicJwk: { ...jwk, kid, alg: 'RS256', use: 'sig' } };
}

/** Key ids look like the LMS's: Canvas `<ISO timestamp>_<uuid>`, Moodle 20 hex characters. */
function newKid(profile: ProfileName): string {
  if (profile === 'canvas') return `${new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')}_${randomUUID()}`;
  return randomBytes(10).toString('hex');
}

export interface SignOptions {
  /** Sign with a key that is not published, under the current kid (signature check must fail). */
  foreignKey?: boolean;
  /** Sign with a key whose kid is not published (kid lookup must fail). */
  unknownKid?: boolean;
  /** An unsigned token, `alg: none` (must be refused: attack suite, issue 15). */
  algNone?: boolean;
  /** HS256 with the published public key (as its JWK JSON) as the HMAC secret: the key-confusion attack. */
  hs256PublicKey?: boolean;
}

export class KeyStore {
  private keys: SigningKey[] = [];
  private stranger: SigningKey | undefined;

  private constructor(private readonly profile: ProfileName) {}

  static async create(profile: ProfileName): Promise<KeyStore> {
    const store = new KeyStore(profile);
    store.keys.push(await newKey(newKid(profile)));
    return store;
  }

  get currentKid(): string {
    return this.current.kid;
  }

  private get current(): SigningKey {
    const key = this.keys[this.keys.length - 1];
    if (!key) throw new Error('no signing key');
    return key;
  }

  /** New current key. The old one stays published unless `dropPrevious` (a hard rotation). */
  async rotate(options: { dropPrevious?: boolean } = {}): Promise<string> {
    const key = await newKey(newKid(this.profile));
    this.keys = options.dropPrevious ? [key] : [...this.keys, key];
    return key.kid;
  }

  jwks(): { keys: JWK[] } {
    return { keys: this.keys.map((k) => k.publicJwk) };
  }

  async sign(payload: JWTPayload, options: SignOptions = {}): Promise<string> {
    let key = this.current;
    let kid = key.kid;
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    if (options.algNone) return `${b64({ typ: 'JWT', alg: 'none', kid })}.${b64(payload)}.`;
    if (options.hs256PublicKey) {
      const input = `${b64({ typ: 'JWT', alg: 'HS256', kid })}.${b64(payload)}`;
      return `${input}.${createHmac('sha256', JSON.stringify(key.publicJwk)).update(input).digest('base64url')}`;
    }
    if (options.foreignKey || options.unknownKid) {
      this.stranger ??= await newKey(newKid(this.profile));
      key = this.stranger;
      kid = options.unknownKid ? key.kid : this.current.kid;
    }
    return new SignJWT(payload).setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid }).sign(key.privateKey);
  }
}
