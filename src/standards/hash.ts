import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * hex SHA-256 of the RFC 8785 (JCS) canonical form of a JSON value: the same for any serialisation
 * of the same data (whitespace, key order, number spelling), different for any change of content.
 */
export function canonicalSha256(value: unknown): string {
  const canonical = canonicalize(value);
  if (canonical === undefined) throw new TypeError('value has no JSON form');
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

/** Parses JSON text and checks it against a pin; the parsed value, or the reason it was refused. */
export function checkJson(text: string, sha256: string): { ok: true; value: object } | { ok: false; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (!value || typeof value !== 'object') return { ok: false, reason: 'not a JSON object' };
  const actual = canonicalSha256(value);
  return actual === sha256 ? { ok: true, value } : { ok: false, reason: `SHA-256 of its canonical JSON is ${actual}, expected ${sha256}` };
}
