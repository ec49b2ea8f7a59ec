import type { Request, RequestHandler, Response } from 'express';
import type { LtiIdToken } from 'ltijs';
import { renderPage } from '../http';
import { recordLaunch, type LaunchOutcome } from './launch';
import { isMyBadgesLaunch, recordAccountLaunch } from './person-session';
import { PLACEMENT_TARGETS } from './tool-config';
import { refuse, refusalOf, refusalOfLtijs } from './refusals';
import { courseRoles } from './roles';
import type { LtiRuntime } from './runtime';
import { loginInitiationSchema } from './schema';
import { LAUNCH_NONCE } from './storage';
import { verifyLaunch } from './verify';
import { withLaunchKey } from './provider';

const COOKIE_CHECK = 'laurel_cookie_check';

function params(req: Request): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const source of [req.query, req.body as unknown]) {
    if (source && typeof source === 'object') {
      for (const [k, v] of Object.entries(source as Record<string, unknown>)) if (typeof v === 'string') merged[k] = v;
    }
  }
  return merged;
}

/**
 * Before ltijs's OIDC login: refuses unknown or inactive platforms and unknown deployments early, checks
 * that the browser keeps Laurel's cookies (inside an LMS iframe they are third-party and may be blocked:
 * then the person gets an "open in a new window" form that restarts the login at top level, where the
 * cookies are first-party), and records the nonce ltijs sends with each state.
 */
export function loginGuard(rt: LtiRuntime): RequestHandler {
  return async (req, res, next) => {
    try {
      const all = params(req);
      const login = loginInitiationSchema.safeParse(all);
      if (!login.success) return refuse(req, res, rt.logger, { reason: 'MALFORMED', status: 400, message: 'The login request lacks iss, login_hint or target_link_uri.' });
      const { iss, client_id: clientId, lti_deployment_id: deploymentId } = login.data;
      const platforms = (await rt.directory.platformsOfIssuer(iss)).filter((p) => !clientId || p.client_id === clientId);
      const platform = platforms[0];
      if (!platform) return refuse(req, res, rt.logger, { reason: 'WRONG_ISS', status: 400, log: { iss, clientId } });
      if (platform.status !== 'active') return refuse(req, res, rt.logger, { reason: 'PLATFORM_INACTIVE', status: 401, log: { iss, clientId } });
      if (deploymentId && platform.registration.acceptNewDeployments !== true && !(await rt.directory.findDeployment(platform.id, deploymentId))) {
        return refuse(req, res, rt.logger, { reason: 'UNKNOWN_DEPLOYMENT', status: 403, log: { iss, clientId, deploymentId } });
      }
      const action = `${req.baseUrl}${req.path}`;
      const fields = Object.entries(all).filter(([name]) => name !== 'laurel_cc').map(([name, value]) => ({ name, value }));
      const cookieOptions = { ...rt.sessions.cookieOptions(), maxAge: 60_000 };
      if (all.laurel_cc !== '1') {
        res.cookie(COOKIE_CHECK, '1', cookieOptions);
        return renderPage(res, 'lti-autopost', { title: 'Opening Laurel', message: 'Opening Laurel…', action, fields: [...fields, { name: 'laurel_cc', value: '1' }], scriptUrl: scriptUrl(rt), embedded: true });
      }
      if (!hasCookie(req, COOKIE_CHECK)) {
        rt.logger.info({ iss }, 'LTI login: cookies blocked in the frame; offering a new window');
        return renderPage(res, 'lti-cookies', { title: 'Open Laurel in a new window', action, fields, embedded: true });
      }
      res.clearCookie(COOKIE_CHECK, { ...cookieOptions, maxAge: undefined });
      captureNonce(rt, res, next);
      next();
    } catch (error) {
      next(error);
    }
  };
}

/** Wraps ltijs's redirect to the platform so the state → nonce pair is stored before the browser leaves. */
function captureNonce(rt: LtiRuntime, res: Response, next: (error?: unknown) => void): void {
  const redirect = res.redirect.bind(res) as (url: string) => void;
  res.redirect = ((url: string) => {
    const query = new URL(url, rt.urls.baseUrl).searchParams;
    const state = query.get('state');
    const nonce = query.get('nonce');
    if (!state || !nonce) return redirect(url);
    rt.store.Insert(false, LAUNCH_NONCE, { state, nonce }).then(() => redirect(url), next);
  }) as Response['redirect'];
}

/**
 * Before ltijs handles an id_token post: Laurel's own verification (verify.ts), then the binding of
 * the token's nonce to the state this browser's login produced. On success ltijs runs with the verified
 * key; on failure the person sees why, and the log says so.
 */
export function launchGuard(rt: LtiRuntime): RequestHandler {
  return async (req, res, next) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (req.method !== 'POST' || typeof body.id_token !== 'string') return next();
    const state = typeof body.state === 'string' ? body.state : '';
    try {
      const verified = await verifyLaunch({
        idToken: body.id_token,
        directory: rt.directory,
        jwks: rt.jwks,
        now: new Date(),
        maxAgeSeconds: rt.options.maxTokenAgeSeconds,
        clockToleranceSeconds: rt.options.clockToleranceSeconds,
      });
      const sentNonce = state ? await rt.store.consumeLaunchNonce(state) : undefined;
      if (!sentNonce) return refuse(req, res, rt.logger, { reason: 'STATE_MISMATCH', status: 401, log: { iss: verified.claims.iss } });
      if (sentNonce !== verified.claims.nonce) return refuse(req, res, rt.logger, { reason: 'REPLAYED_NONCE', status: 401, log: { iss: verified.claims.iss } });
      withLaunchKey({ issuer: verified.platform.issuer, clientId: verified.platform.client_id, jwk: verified.jwk }, () => next());
    } catch (error) {
      const refusal = refusalOf(error);
      if (!refusal) return next(error);
      if (state) await rt.store.Delete('state', { state }).catch(() => undefined);
      refuse(req, res, rt.logger, refusal);
    }
  };
}

/** ltijs callbacks: a launch that passed every check opens a Laurel session; failures get our page. */
export function installLtijsCallbacks(rt: LtiRuntime, onDeepLinking: (token: LtiIdToken, req: Request, res: Response) => Promise<void>): void {
  rt.lti.onConnect(async (token, req, res) => {
    try {
      // Canvas account navigation ("My badges"): a person across courses, launched without a course.
      if (rt.people && isMyBadgesLaunch(token, PLACEMENT_TARGETS.myBadges)) {
        const { platform, learner } = await recordAccountLaunch(rt.db, token);
        await rt.people.issue(res, { platformId: platform.id, learnerId: learner.id });
        rt.logger.info({ platformId: platform.id, learnerId: learner.id }, 'LTI launch (my badges)');
        return res.redirect(303, `${rt.options.basePath}/me/badges`);
      }
      const outcome = await recordLaunch(rt.db, token);
      await rt.sessions.issue(res, outcome.session);
      rt.logger.info({ platformId: outcome.platform.id, courseId: outcome.course.id, learnerId: outcome.learner.id, roles: outcome.session.roles }, 'LTI launch');
      // Before the redirect: what this launch made known (parked events, a new course's grades) shows on the page.
      if (rt.hooks.afterLaunch) {
        await rt.hooks.afterLaunch(outcome).catch((error: unknown) => rt.logger.warn({ err: error, courseId: outcome.course.id }, 'after-launch work failed; the sweep and jobs will catch up'));
      }
      res.redirect(303, landingPath(rt.options.basePath, outcome));
    } catch (error) {
      const refusal = refusalOf(error);
      if (!refusal) throw error;
      refuse(req, res, rt.logger, refusal);
    }
  });
  rt.lti.onDeepLinking(async (token, req, res) => {
    const roles = courseRoles(token.platformContext.roles ?? []);
    if (!roles.includes('instructor') && !roles.includes('admin')) return refuse(req, res, rt.logger, { reason: 'NO_ROLE', status: 403 });
    try {
      await onDeepLinking(token, req, res);
    } catch (error) {
      const refusal = refusalOf(error);
      if (!refusal) throw error;
      refuse(req, res, rt.logger, refusal);
    }
  });
  const ltijsRefusal = (req: Request, res: Response) => {
    const err = res.locals.err as { details?: { message?: string } } | undefined;
    const detail = err?.details?.message;
    refuse(req, res, rt.logger, { reason: refusalOfLtijs(detail), status: 401, log: { ltijs: detail } });
  };
  rt.lti.onInvalidToken(ltijsRefusal);
  rt.lti.onSessionTimeout(ltijsRefusal);
  rt.lti.onUnregisteredPlatform((req, res) => refuse(req, res, rt.logger, { reason: 'WRONG_ISS', status: 400 }));
  rt.lti.onInactivePlatform((req, res) => refuse(req, res, rt.logger, { reason: 'PLATFORM_INACTIVE', status: 401 }));
}

/**
 * Where a launch lands: the role's page, or for a link Deep Linking placed on one badge, that badge's
 * page for instructors (learners see it among their badges and progress).
 */
export function landingPath(basePath: string, outcome: Pick<LaunchOutcome, 'course' | 'landing' | 'target'>): string {
  const page = `${basePath}/courses/${outcome.course.id}/${outcome.landing}`;
  const badge = /^achievement:([0-9a-f-]{36})$/.exec(outcome.target)?.[1];
  if (!badge) return page;
  return outcome.landing === 'instructor' ? `${page}/badges/${badge}` : `${page}#achievement-${badge}`;
}

export function scriptUrl(rt: LtiRuntime): string {
  return `${rt.options.basePath}/assets/lti.js`;
}

function hasCookie(req: Request, name: string): boolean {
  if ((req.cookies as Record<string, unknown> | undefined)?.[name] !== undefined) return true;
  return (req.headers.cookie ?? '').split(';').some((part) => part.trim().startsWith(`${name}=`));
}
