import { createHash, timingSafeEqual } from 'node:crypto';
import { LaurelError } from '../errors';

/** The settings that guard LTI Dynamic Registration (see src/config/schema.ts). */
export interface RegistrationPolicy {
  /** The key `/lti/register` requires as `?key=`; undefined leaves registration open (older installs). */
  registrationKey?: string | undefined;
  /** `manual`: dynamically registered platforms wait as `pending` until an administrator activates them. */
  approval: 'auto' | 'manual';
  /** Plain http to the LMS is accepted only outside production (the emulator and tests run on http). */
  allowHttp: boolean;
}

/** The registration URL an administrator pastes into the LMS, with the key when one is set. Show it only to admins. */
export function registrationUrl(props: { baseUrl: string; registrationKey?: string | undefined }): string {
  const url = `${props.baseUrl.replace(/\/+$/, '')}/lti/register`;
  return props.registrationKey ? `${url}?key=${encodeURIComponent(props.registrationKey)}` : url;
}

/**
 * True when the request may register. Compared in constant time over SHA-256 digests (equal lengths,
 * so neither the key's characters nor its length leak through response timing).
 */
export function registrationKeyAccepted(expected: string | undefined, given: unknown): boolean {
  if (!expected) return true;
  if (typeof given !== 'string' || given === '') return false;
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(expected), digest(given));
}

/**
 * Checks a URL the registering party gave before Laurel fetches it: an absolute https URL (http only
 * when allowed), with no credentials in it. This narrows the SSRF surface to what an LMS legitimately
 * sends; the registration key is what keeps strangers out.
 */
export function checkPlatformUrl(value: string, props: { field: string; allowHttp: boolean }): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(props.field, `${props.field} is not a URL.`, 'must be an absolute https URL');
  }
  const allowed = props.allowHttp ? ['https:', 'http:'] : ['https:'];
  if (!allowed.includes(url.protocol)) throw invalid(props.field, `${props.field} must be an https URL.`, 'must be an https URL');
  if (url.username || url.password) throw invalid(props.field, `${props.field} must not carry credentials.`, 'must not contain user:password@');
  return url;
}

/**
 * LTI Dynamic Registration 1.0 ("issuer and openid_configuration URL match") requires the tool to check that the issuer of the
 * configuration it fetched is on the host of the openid_configuration URL: otherwise a page on one host
 * could register itself as another LMS's issuer, and Laurel would accept launches signed by its keys.
 *
 * Canvas Cloud is the documented exception: every account names the issuer `https://canvas.instructure.com`
 * (or its beta/test twins) while the configuration is served from the account's own host. For those
 * issuers the registration endpoint must then be on the configuration URL's host instead, so the
 * registration still lands on the LMS that started it.
 */
export function checkIssuerHost(props: { configurationUrl: URL; issuer: string; registrationEndpoint: string }): void {
  const issuerHost = hostOf(props.issuer);
  if (issuerHost === props.configurationUrl.host) return;
  if (issuerHost && CANVAS_CLOUD_ISSUERS.has(issuerHost) && hostOf(props.registrationEndpoint) === props.configurationUrl.host) return;
  throw new LaurelError('ERR_VALIDATION', `The platform's issuer (${props.issuer}) is not on the host of its openid_configuration URL (${props.configurationUrl.host}).`, {
    issues: [{ field: 'issuer', message: 'must be on the host of the openid_configuration URL' }],
  });
}

const CANVAS_CLOUD_ISSUERS = new Set(['canvas.instructure.com', 'canvas.beta.instructure.com', 'canvas.test.instructure.com']);

function hostOf(value: string): string | undefined {
  try {
    return new URL(value).host;
  } catch {
    return undefined;
  }
}

function invalid(field: string, message: string, issue: string): LaurelError {
  return new LaurelError('ERR_VALIDATION', message, { issues: [{ field, message: issue }] });
}
