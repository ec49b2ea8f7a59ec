/** base58btc (Bitcoin alphabet) and the multibase/multicodec wrappers used by Ed25519 Multikeys. */
const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const INDEX = new Map([...ALPHABET].map((c, i) => [c, i]));
const ED25519_PUB_PREFIX = Buffer.from([0xed, 0x01]);

export function base58Encode(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  const digits: number[] = [];
  for (let i = zeros; i < bytes.length; i++) {
    let carry = bytes[i];
    for (let j = 0; j < digits.length; j++) {
      carry += digits[j] << 8;
      digits[j] = carry % 58;
      carry = (carry / 58) | 0;
    }
    while (carry > 0) {
      digits.push(carry % 58);
      carry = (carry / 58) | 0;
    }
  }
  return '1'.repeat(zeros) + digits.reverse().map((d) => ALPHABET[d]).join('');
}

/** Decodes base58btc; returns undefined for characters outside the alphabet (untrusted input). */
export function base58Decode(text: string): Buffer | undefined {
  let zeros = 0;
  while (zeros < text.length && text[zeros] === '1') zeros++;
  const bytes: number[] = [];
  for (let i = zeros; i < text.length; i++) {
    let carry = INDEX.get(text[i]);
    if (carry === undefined) return undefined;
    for (let j = 0; j < bytes.length; j++) {
      carry += bytes[j] * 58;
      bytes[j] = carry & 0xff;
      carry >>= 8;
    }
    while (carry > 0) {
      bytes.push(carry & 0xff);
      carry >>= 8;
    }
  }
  return Buffer.concat([Buffer.alloc(zeros), Buffer.from(bytes.reverse())]);
}

/** `z` + base58btc, the multibase form of a Data Integrity `proofValue`. */
export function multibaseEncode(bytes: Uint8Array): string {
  return 'z' + base58Encode(bytes);
}

export function multibaseDecode(text: string): Buffer | undefined {
  if (typeof text !== 'string' || !text.startsWith('z') || text.length > 4096) return undefined;
  return base58Decode(text.slice(1));
}

/** Multikey `publicKeyMultibase` of a raw 32-byte Ed25519 public key. */
export function ed25519PublicKeyMultibase(raw: Uint8Array): string {
  return multibaseEncode(Buffer.concat([ED25519_PUB_PREFIX, raw]));
}

export function ed25519RawFromMultibase(multibase: string): Buffer | undefined {
  const bytes = multibaseDecode(multibase);
  if (!bytes || bytes.length !== 34 || !bytes.subarray(0, 2).equals(ED25519_PUB_PREFIX)) return undefined;
  return bytes.subarray(2);
}
