import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Secrets at rest (signing keys, Moodle shared secrets) are sealed with AES-256-GCM under
 * KEY_ENCRYPTION_KEY. The associated data names what the secret belongs to (a key id, an event
 * source id), so a ciphertext copied onto another row fails to open instead of being used there.
 * Format: `v1.<iv>.<tag>.<ciphertext>`, each part base64url.
 */

const VERSION = 'v1';

export function sealBytes(props: { plaintext: Buffer; associatedData: string; kek: Buffer }): string {
  if (props.kek.length !== 32) throw new TypeError('The key-encryption key must be 32 bytes');
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', props.kek, iv);
  cipher.setAAD(Buffer.from(props.associatedData, 'utf8'));
  const body = Buffer.concat([cipher.update(props.plaintext), cipher.final()]);
  return [VERSION, ...[iv, cipher.getAuthTag(), body].map((p) => p.toString('base64url'))].join('.');
}

/** The plaintext, or a `SealError` when the format is unknown, the key is wrong or the data was moved or altered. */
export function openBytes(props: { sealed: string; associatedData: string; kek: Buffer }): Buffer {
  const [version, iv, tag, body, extra] = props.sealed.split('.');
  if (version !== VERSION || !iv || !tag || body === undefined || extra !== undefined) throw new SealError('format', 'not a sealed value in a known format');
  try {
    const decipher = createDecipheriv('aes-256-gcm', props.kek, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(props.associatedData, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]);
  } catch (cause) {
    throw new SealError('open', 'cannot be opened with this key-encryption key', { cause });
  }
}

/** True when `value` has the sealed format (it may still fail to open). */
export function isSealed(value: string): boolean {
  return /^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(value);
}

/** Raised by `openBytes`; callers turn it into their own LaurelError code (a key, an event source). */
export class SealError extends Error {
  override readonly name = 'SealError';
  constructor(readonly reason: 'format' | 'open', message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
