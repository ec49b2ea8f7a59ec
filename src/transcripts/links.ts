import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Download links for export files, signed so they can be handed to a browser (or an LMS page) without
 * an API token: HMAC-SHA256 over export id, file name and expiry with a key derived from
 * SESSION_SECRET for this purpose only, so no other Laurel token or cookie can be replayed here.
 */
export function linkKey(sessionSecret: string): Buffer {
  return createHmac('sha256', sessionSecret).update('laurel-transcripts-download-v1').digest();
}

function mac(key: Buffer, exportId: string, file: string, expires: number): Buffer {
  return createHmac('sha256', key).update(`${exportId}\n${file}\n${expires}`).digest();
}

export function signedDownloadPath(props: { key: Buffer; exportId: string; file: string; expires: Date }): string {
  const expires = Math.floor(props.expires.getTime() / 1000);
  const sig = mac(props.key, props.exportId, props.file, expires).toString('base64url');
  return `/transcripts/exports/${props.exportId}/${encodeURIComponent(props.file)}?expires=${expires}&sig=${sig}`;
}

/** True when `sig` was made by us for this export, file and expiry, and the expiry is still ahead. */
export function verifyDownload(props: { key: Buffer; exportId: string; file: string; expires: number; sig: string; now: Date }): boolean {
  if (props.expires * 1000 <= props.now.getTime()) return false;
  const expected = mac(props.key, props.exportId, props.file, props.expires);
  const given = Buffer.from(props.sig, 'base64url');
  // Constant-time comparison: a byte-by-byte early exit would leak how much of a guess is right.
  return given.length === expected.length && timingSafeEqual(given, expected);
}
