import { publicRoute } from '../../http';
import express, { Router, type Request } from 'express';
import type { AppContext } from '../../context';
import { DEFAULT_ISSUER_ID, getIssuer, issuerProfile } from '../../credentials';
import { findLearner } from '../../courses';
import { LaurelError } from '../../errors';
import { requireCourseRole, type LtiSession } from '../../lti';
// See src/wallets/web/router.ts: file imports keep the web index out of this router's imports (cycle).
import { CsrfTokens } from '../../http';
import { lazyRateLimit } from '../../http';
import { openCors, protocolError, validateProtocolBody } from '../../http';
import { handle, validateBody, validateQuery } from '../../http';
import { renderPage } from '../../http';
import { decideAuthorization, startAuthorization } from '../authorize';
import { authenticateClient, registerClient } from '../clients';
import { createSignInLink, learnerConnections, useSignInLink } from '../connections';
import type { ObApiDeps } from '../deps';
import { pagingLinks, serviceDescription } from '../discovery';
import { getCredentials, getProfile } from '../resources';
import { authorizeQuery, consentForm, credentialsQuery, registrationRequest, revokeRequest, tokenRequest, type AuthorizeQuery, type CredentialsQuery, type RegistrationRequest, type TokenRequest } from '../schema';
import { SCOPE_DESCRIPTIONS } from '../scopes';
import { authenticateAccessToken, exchangeCode, refreshTokens, revokeLearnerGrant, revokeToken } from '../tokens';
import { ConsentIdentity, forbidFraming } from './learner-session';

const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

/** Client credentials from HTTP Basic (client_secret_basic) or the form (client_secret_post). */
function clientCredentials(req: Request): { clientId?: string; clientSecret?: string } {
  const basic = /^Basic ([A-Za-z0-9+/=]+)$/.exec(req.headers.authorization ?? '');
  if (basic) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { clientId: decodeURIComponent(decoded.slice(0, colon)), clientSecret: decodeURIComponent(decoded.slice(colon + 1)) };
  }
  const body = req.body as { client_id?: string; client_secret?: string };
  return { clientId: body.client_id, clientSecret: body.client_secret };
}

function bearerOf(req: Request): string {
  const match = /^Bearer ([A-Za-z0-9_-]{20,200})$/.exec(req.headers.authorization ?? '');
  if (!match) throw protocolError('invalid_token', 'Send the access token as Authorization: Bearer.', { unauthenticated: true });
  return match[1]!;
}

/**
 * The OB 3.0 API as a host: discovery, dynamic client registration, the authorization code flow with
 * PKCE and the learner's consent, tokens, revocation, getCredentials and getProfile; and the
 * learner's "Connected apps" page.
 */
export function createObApiRouter(ctx: AppContext): Router {
  const deps: ObApiDeps = { db: ctx.database.db, config: ctx.config };
  const base = ctx.config.BASE_URL;
  const identity = new ConsentIdentity(ctx.config.SESSION_SECRET, base.startsWith('https:'));
  const router = Router();
  const readLimit = lazyRateLimit(ctx, { name: 'obapi-read' });
  const strictLimit = lazyRateLimit(ctx, { name: 'obapi-auth', limit: Math.max(10, Math.floor(ctx.config.RATE_LIMIT_PER_MINUTE / 4)) });
  // Registration is open to anyone (as OB 3.0 requires): a small budget per address.
  const registerLimit = lazyRateLimit(ctx, { name: 'obapi-register', limit: 10 });
  const cors = openCors('GET, POST, OPTIONS');
  const form = express.urlencoded({ extended: false, limit: '8kb' });

  router.options(['/ims/ob/v3p0/*', '/oauth/register', '/oauth/token', '/oauth/revoke'], publicRoute('credential:exchange'), cors);

  router.get('/ims/ob/v3p0/discovery', publicRoute(), cors, readLimit, handle(async (_req, res) => {
    const issuer = await getIssuer(ctx.database.db, DEFAULT_ISSUER_ID);
    const profile = issuer ? issuerProfile(issuer, ctx.config) : undefined;
    res.set('Cache-Control', 'public, max-age=300').json(serviceDescription(base, { name: profile?.name ?? 'Laurel', imageUrl: profile?.image?.id, termsUrl: profile?.url ?? `${base}/`, privacyUrl: profile?.url ?? `${base}/` }));
  }));

  router.post('/oauth/register', publicRoute('credential:exchange'), cors, registerLimit, express.json({ limit: '16kb' }), validateProtocolBody(registrationRequest, 'invalid_client_metadata'), handle(async (req, res) => {
    const registered = await registerClient(deps, req.body as RegistrationRequest);
    req.log?.info({ clientId: registered.client_id, name: registered.client_name }, 'OB API client registered');
    res.status(201).set(NO_STORE).json(registered);
  }));

  router.get('/oauth/authorize', publicRoute('credential:exchange'), strictLimit, validateQuery(authorizeQuery), handle(async (req, res) => {
    forbidFraming(res);
    res.set(NO_STORE);
    const learnerId = await identity.learnerOf(req);
    const start = await startAuthorization(deps, { query: res.locals.query as AuthorizeQuery, learnerId });
    if (start.kind === 'redirect') return res.redirect(303, start.location);
    if (start.kind === 'sign-in') {
      return renderPage(res, 'oauth-sign-in', { title: 'Sign in to continue', client: { name: start.client.name, uri: start.client.client_uri }, retry: req.originalUrl });
    }
    const learner = await findLearner(ctx.database.db, learnerId!);
    renderPage(res, 'oauth-consent', {
      title: `Allow ${start.client.name} to read your badges?`,
      learnerName: learner?.name ?? learner?.email ?? undefined,
      client: { name: start.client.name, uri: start.client.client_uri, logo: start.client.logo_uri, tos: start.client.tos_uri, policy: start.client.policy_uri },
      scopes: start.scopes.map((s) => ({ scope: s, description: SCOPE_DESCRIPTIONS[s] ?? s })),
      requestId: start.requestId,
      consentCsrf: identity.csrfFor(start.requestId, learnerId!),
    });
  }));

  router.post('/oauth/authorize', publicRoute('credential:exchange'), strictLimit, form, validateBody(consentForm), handle(async (req, res) => {
    forbidFraming(res);
    const body = req.body as { request_id: string; decision: 'approve' | 'deny'; _csrf: string };
    const learnerId = await identity.learnerOf(req);
    if (!learnerId) throw new LaurelError('ERR_UNAUTHENTICATED', 'Your sign-in has ended: go back to the app and start again.');
    if (!identity.csrfMatches(body.request_id, learnerId, body._csrf)) throw new LaurelError('ERR_FORBIDDEN', 'This form was not sent from your Laurel consent page.');
    const location = await decideAuthorization(deps, { requestId: body.request_id, learnerId, approve: body.decision === 'approve' });
    res.redirect(303, location);
  }));

  router.get('/oauth/sign-in/:token', publicRoute('credential:exchange'), strictLimit, handle(async (req, res) => {
    forbidFraming(res);
    res.set(NO_STORE);
    const learnerId = await useSignInLink(deps, String(req.params.token));
    if (!learnerId) throw new LaurelError('ERR_NOT_FOUND', 'This sign-in link has expired or was already used: get a new one from your Laurel badge page.');
    await identity.signIn(res, learnerId);
    renderPage(res, 'oauth-signed-in', { title: 'You are signed in' });
  }));

  router.post('/oauth/token', publicRoute('credential:exchange'), cors, strictLimit, form, validateProtocolBody(tokenRequest, 'invalid_request'), handle(async (req, res) => {
    const body = req.body as TokenRequest;
    const client = await authenticateClient(deps, clientCredentials(req));
    const tokens = body.grant_type === 'authorization_code'
      ? await exchangeCode(deps, client, { code: body.code, redirectUri: body.redirect_uri, codeVerifier: body.code_verifier })
      : body.grant_type === 'refresh_token'
        ? await refreshTokens(deps, client, { refreshToken: body.refresh_token, scope: body.scope })
        : (() => { throw protocolError('unsupported_grant_type', 'Only authorization_code and refresh_token are offered.'); })();
    res.set(NO_STORE).json(tokens);
  }));

  router.post('/oauth/revoke', publicRoute('credential:exchange'), cors, strictLimit, form, validateProtocolBody(revokeRequest, 'invalid_request'), handle(async (req, res) => {
    const client = await authenticateClient(deps, clientCredentials(req));
    await revokeToken(deps, client, (req.body as { token: string }).token);
    res.set(NO_STORE).status(200).end();
  }));

  router.get('/ims/ob/v3p0/credentials', publicRoute('credential:exchange'), cors, readLimit, validateQuery(credentialsQuery), handle(async (req, res) => {
    const access = await authenticateAccessToken(deps, bearerOf(req));
    const query = res.locals.query as CredentialsQuery;
    const page = await getCredentials(deps, access, query);
    res.set(NO_STORE).set('X-Total-Count', String(page.total))
      .set('Link', pagingLinks(`${base}${req.path}`, { limit: query.limit, offset: query.offset, total: page.total, since: query.since }))
      .json(page.body);
  }));

  router.get('/ims/ob/v3p0/profile', publicRoute('credential:exchange'), cors, readLimit, handle(async (req, res) => {
    const access = await authenticateAccessToken(deps, bearerOf(req));
    res.set(NO_STORE).json(await getProfile(deps, access));
  }));

  router.use('/lti/courses/:courseId/learner/connections', connectionsPages(ctx, deps));
  return router;
}

/** The learner's connected apps: list, revoke, and a one-time sign-in link for a consent page. */
function connectionsPages(ctx: AppContext, deps: ObApiDeps): Router {
  const router = express.Router({ mergeParams: true });
  const csrf = new CsrfTokens(ctx.config.SESSION_SECRET);
  const form = express.urlencoded({ extended: false, limit: '1kb' });
  router.use(requireCourseRole('learner'));

  const render = async (res: express.Response, extra: Record<string, unknown> = {}) => {
    const session = res.locals.ltiSession as LtiSession;
    const here = `/lti/courses/${session.courseId}/learner/connections`;
    res.set(NO_STORE);
    renderPage(res, 'obapi-connections', {
      title: 'Connected apps',
      embedded: true,
      csrf: csrf.tokenFor(session),
      here,
      back: `/lti/courses/${session.courseId}/learner`,
      connections: (await learnerConnections(deps, session.learnerId)).map((c) => ({ ...c, revokeAction: `${here}/${c.grantId}/revoke` })),
      ...extra,
    });
  };

  router.get('/', handle(async (_req, res) => render(res)));

  router.post('/sign-in-link', form, csrf.verify(), handle(async (_req, res) => {
    const link = await createSignInLink(deps, (res.locals.ltiSession as LtiSession).learnerId);
    await render(res, { signInLink: { url: link.url, expiresAt: link.expiresAt.toISOString() } });
  }));

  router.post('/:grantId/revoke', form, csrf.verify(), handle(async (req, res) => {
    const session = res.locals.ltiSession as LtiSession;
    const grantId = String(req.params.grantId);
    const revoked = /^[0-9a-f-]{36}$/i.test(grantId) && await revokeLearnerGrant(deps, { learnerId: session.learnerId, grantId });
    if (!revoked) throw new LaurelError('ERR_NOT_FOUND', 'You have no connected app with this id.');
    await render(res, { notice: 'The app is disconnected: its access ended now.' });
  }));
  return router;
}
