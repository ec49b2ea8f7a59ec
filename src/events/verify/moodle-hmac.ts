import { createHmac, timingSafeEqual } from 'node:crypto';
import { LaurelError } from '../../errors';

/**
 * The Moodle plugin signs `timestamp + "." + body` with HMAC-SHA256 and the source's shared secret:
 * `X-Laurel-Timestamp: <unix seconds>`, `X-Laurel-Signature: sha256=<hex>`. Signing the timestamp
 * with the body stops an attacker from replaying an old delivery with a fresh timestamp; the window
 * bounds how long a captured delivery stays usable (the event id dedupes replays inside it).
 */

export const MOODLE_TIMESTAMP_HEADER = 'x-laurel-timestamp';
export const MOODLE_SIGNATURE_HEADER = 'x-laurel-signature';
/** Default accepted distance between the plugin's clock and ours, in seconds. */
export const MOODLE_MAX_SKEW_SECONDS = 300;

export function signMoodleBody(props: { secret: string; timestamp: number; body: string | Buffer }): string {
  const mac = createHmac('sha256', props.secret);
  mac.update(`${props.timestamp}.`);
  mac.update(props.body);
  return `sha256=${mac.digest('hex')}`;
}

export function verifyMoodleSignature(props: {
  secret: string;
  timestampHeader: string | undefined;
  signatureHeader: string | undefined;
  body: Buffer;
  now: Date;
  maxSkewSeconds?: number;
}): void {
  if (!props.timestampHeader || !props.signatureHeader) {
    throw new LaurelError('ERR_EVENT_SIGNATURE', 'The event is unsigned: X-Laurel-Timestamp and X-Laurel-Signature are required.');
  }
  if (!/^\d{1,12}$/.test(props.timestampHeader)) throw new LaurelError('ERR_EVENT_SIGNATURE', 'X-Laurel-Timestamp must be Unix seconds.');
  const match = /^sha256=([0-9a-f]{64})$/i.exec(props.signatureHeader.trim());
  if (!match) throw new LaurelError('ERR_EVENT_SIGNATURE', 'X-Laurel-Signature must be sha256=<64 hex digits>.');
  const timestamp = Number(props.timestampHeader);
  const expected = Buffer.from(signMoodleBody({ secret: props.secret, timestamp, body: props.body }).slice('sha256='.length), 'hex');
  const given = Buffer.from(match[1]!.toLowerCase(), 'hex');
  // Constant-time comparison: a byte-by-byte early exit would let a caller find the MAC by timing.
  if (!timingSafeEqual(expected, given)) throw new LaurelError('ERR_EVENT_SIGNATURE', 'The event signature does not match.');
  // Checked after the MAC so only the holder of the secret learns about clock problems.
  const skew = Math.abs(props.now.getTime() / 1000 - timestamp);
  if (skew > (props.maxSkewSeconds ?? MOODLE_MAX_SKEW_SECONDS)) {
    throw new LaurelError('ERR_EVENT_STALE', `The event timestamp is ${Math.round(skew)} s away from Laurel's clock (at most ${props.maxSkewSeconds ?? MOODLE_MAX_SKEW_SECONDS} s).`);
  }
}
