import type { Request, Response } from 'express';
import type { Logger } from '../log';
import { isLaurelError } from '../errors';
import { renderPage } from '../http';
import type { LaunchRefusal } from './verify';

const HINT_RELAUNCH = 'Open Laurel again from your course. If it keeps happening, give your LMS administrator the reference below.';
const HINT_ADMIN = 'Your LMS administrator must fix Laurel’s registration (see “Installing in Canvas and Moodle”).';

/** One sentence per refusal reason for people, and the hint that helps them. */
const texts: Record<LaunchRefusal | 'NO_ROLE' | 'JWKS_UNREACHABLE' | 'REGISTRATION_FAILED' | 'UNKNOWN', { message: string; hint: string }> = {
  MALFORMED: { message: 'The LMS sent a launch Laurel cannot read.', hint: HINT_RELAUNCH },
  ALG_NOT_ALLOWED: { message: 'The launch is signed with an algorithm Laurel does not accept.', hint: HINT_ADMIN },
  WRONG_ISS: { message: 'The launch comes from an LMS that is not registered with Laurel.', hint: HINT_ADMIN },
  WRONG_AUD: { message: 'The launch is addressed to another tool, not to this Laurel.', hint: HINT_ADMIN },
  PLATFORM_INACTIVE: { message: 'This LMS is registered with Laurel but not active.', hint: 'A Laurel administrator must activate it.' },
  UNKNOWN_KID: { message: 'The launch is signed with a key the LMS does not publish.', hint: HINT_ADMIN },
  BAD_SIGNATURE: { message: 'The launch signature is not valid.', hint: HINT_RELAUNCH },
  EXPIRED: { message: 'The launch has expired before it reached Laurel.', hint: `${HINT_RELAUNCH} Check that this computer’s clock is right.` },
  TOO_OLD: { message: 'The launch is too old to be accepted.', hint: HINT_RELAUNCH },
  ISSUED_IN_FUTURE: { message: 'The launch claims to have been issued in the future.', hint: `${HINT_RELAUNCH} Check that the LMS server’s clock is right.` },
  MISSING_CLAIM: { message: 'The launch lacks information Laurel requires.', hint: HINT_ADMIN },
  UNKNOWN_DEPLOYMENT: { message: 'This installation of Laurel in your LMS (its deployment) is not registered with Laurel.', hint: HINT_ADMIN },
  REPLAYED_NONCE: { message: 'This launch was already used. Each launch works once.', hint: HINT_RELAUNCH },
  STATE_MISMATCH: { message: 'The launch does not match the sign-in Laurel started, or your browser did not keep Laurel’s cookie.', hint: HINT_RELAUNCH },
  SESSION_EXPIRED: { message: 'Your Laurel session has ended.', hint: HINT_RELAUNCH },
  NO_ROLE: { message: 'Your role in this course does not give access to Laurel.', hint: 'Laurel is for the course’s instructors and learners.' },
  JWKS_UNREACHABLE: { message: 'Laurel could not fetch the LMS’s public keys to check the launch.', hint: HINT_ADMIN },
  UNKNOWN: { message: 'The launch could not be verified.', hint: HINT_RELAUNCH },
  REGISTRATION_FAILED: {
    message: 'Laurel could not register with your LMS.',
    hint: 'Moodle blocks requests to private addresses and to ports other than 80 and 443 by default: if Laurel or Moodle runs on a private host, allow it in Site administration › General › Security › HTTP security, then try again.',
  },
};

/** ltijs's own error messages (res.locals.err.details.message) by the refusal they mean. */
export function refusalOfLtijs(message: string | undefined): LaunchRefusal | 'UNKNOWN' {
  switch (message) {
    case 'NONCE_ALREADY_RECEIVED':
      return 'REPLAYED_NONCE';
    case 'MISSING_VALIDATION_COOKIE':
    case 'ISS_CLAIM_DOES_NOT_MATCH':
      return 'STATE_MISMATCH';
    case 'TOKEN_TOO_OLD':
      return 'TOO_OLD';
    case 'jwt expired':
      return 'EXPIRED';
    case 'invalid signature':
      return 'BAD_SIGNATURE';
    case 'UNREGISTERED_PLATFORM':
      return 'WRONG_ISS';
    case 'PLATFORM_NOT_ACTIVATED':
      return 'PLATFORM_INACTIVE';
    case 'KEY_NOT_FOUND':
      return 'UNKNOWN_KID';
    case 'NO_LTIK_OR_IDTOKEN_FOUND':
    case 'Session not found.':
    case 'IDTOKEN_NOT_FOUND_DB':
    case 'CONTEXTTOKEN_NOT_FOUND_DB':
    case 'jwt malformed':
      return 'SESSION_EXPIRED';
    default:
      return message?.startsWith('NO_') && message.endsWith('_CLAIM') ? 'MISSING_CLAIM' : 'UNKNOWN';
  }
}

export interface Refusal {
  reason: string;
  status: number;
  /** Overrides the reason's standard sentence. */
  message?: string;
  /** Facts for the log line (never secrets or tokens). */
  log?: Record<string, unknown>;
}

/** An error thrown while verifying or recording a launch, as a refusal. */
export function refusalOf(error: unknown): Refusal | undefined {
  if (!isLaurelError(error)) return undefined;
  const reason = typeof error.details.reason === 'string' ? error.details.reason : 'UNKNOWN';
  const status = error.code === 'ERR_LTI_DEPLOYMENT_UNKNOWN' || error.code === 'ERR_FORBIDDEN' ? 403 : error.code === 'ERR_UNAVAILABLE' ? 502 : error.code === 'ERR_LTI_LAUNCH_INVALID' ? 401 : 400;
  return { reason, status, message: error.message };
}

/** Renders the launch error page (never a stack trace) and writes one warning log line. */
export function refuse(req: Request, res: Response, logger: Logger, refusal: Refusal): void {
  const text = texts[refusal.reason as keyof typeof texts] ?? texts.UNKNOWN;
  (req.log ?? logger).warn({ reason: refusal.reason, status: refusal.status, detail: refusal.message, ...refusal.log }, 'LTI launch refused');
  if (res.headersSent) return void res.end();
  const requestId = String((req as { id?: unknown }).id ?? '');
  // A program (a test harness, a platform's own checks) that asks for JSON gets an RFC 9457 problem.
  if (req.accepts(['html', 'json']) === 'json') {
    res.status(refusal.status).type('application/problem+json').json({
      type: `urn:laurel:problem:lti_${refusal.reason.toLowerCase()}`, title: refusal.status === 403 ? 'Not allowed' : 'Launch refused', status: refusal.status,
      detail: text.message, code: 'ERR_LTI_LAUNCH_INVALID', reason: refusal.reason, ...(requestId ? { instance: `urn:laurel:request:${requestId}` } : {}),
    });
    return;
  }
  renderPage(res.status(refusal.status), 'lti-error', {
    title: refusal.status === 403 ? 'Not allowed' : 'Laurel could not open',
    message: refusal.message && refusal.message !== text.message ? `${text.message} ${refusal.message}` : text.message,
    hint: text.hint,
    reason: refusal.reason,
    requestId,
  });
}
