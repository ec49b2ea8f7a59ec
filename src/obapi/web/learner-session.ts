import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { jwtVerify, SignJWT } from 'jose';
import { signedInPerson } from '../../lti';

const COOKIE = 'laurel_obapi_learner';
const AUDIENCE = 'laurel:obapi-learner';
const MAX_AGE_SECONDS = 30 * 60;

/**
 * Who is deciding on a consent page: a learner signed in through an LTI launch (any course), or one
 * who opened a one-time sign-in link from their Laurel page (a short first-party cookie on /oauth).
 */
export class ConsentIdentity {
  private readonly key: Uint8Array;
  private readonly csrfKey: Buffer;

  constructor(secret: string, private readonly secure: boolean) {
    // Keys of their own, so no other feature's token or MAC is valid here.
    this.key = createHash('sha256').update(`laurel-obapi-learner:${secret}`).digest();
    this.csrfKey = createHash('sha256').update(`laurel-obapi-consent-csrf:${secret}`).digest();
  }

  async learnerOf(req: Request): Promise<string | undefined> {
    const lti = await signedInPerson(req);
    if (lti) return lti.learnerId;
    const token = (req.cookies as Record<string, unknown> | undefined)?.[COOKIE];
    if (typeof token !== 'string') return undefined;
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], audience: AUDIENCE });
      return typeof payload.sub === 'string' ? payload.sub : undefined;
    } catch {
      return undefined;
    }
  }

  async signIn(res: Response, learnerId: string): Promise<void> {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(learnerId).setAudience(AUDIENCE).setIssuedAt(now).setExpirationTime(now + MAX_AGE_SECONDS).sign(this.key);
    res.cookie(COOKIE, token, { httpOnly: true, secure: this.secure, sameSite: 'lax', path: '/oauth', maxAge: MAX_AGE_SECONDS * 1000 });
  }

  /** The consent form's anti-forgery token: bound to the request shown and the learner it was shown to. */
  csrfFor(requestId: string, learnerId: string): string {
    return createHmac('sha256', this.csrfKey).update(`${requestId}\n${learnerId}`).digest('base64url');
  }

  csrfMatches(requestId: string, learnerId: string, presented: string): boolean {
    const expected = Buffer.from(this.csrfFor(requestId, learnerId));
    const given = Buffer.from(presented);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

/** Consent must never be framed (clickjacking): overrides the LMS frame-ancestors for this response. */
export function forbidFraming(res: Response): void {
  const csp = res.getHeader('Content-Security-Policy');
  if (typeof csp === 'string') res.setHeader('Content-Security-Policy', csp.replace(/frame-ancestors[^;]*/, "frame-ancestors 'none'"));
  res.setHeader('X-Frame-Options', 'DENY');
}
