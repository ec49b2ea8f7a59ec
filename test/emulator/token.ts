// OAuth 2 client_credentials token endpoint with a private_key_jwt client assertion verified against the
// tool's JWKS. Moodle's answers (04-token-endpoint.json, 07-errors.json): JSON sent as text/html, errors
// 400 {"error": ...} sometimes carrying the JWT library's message.
import express, { type Request, type Response, type Router } from 'express';
import { createRemoteJWKSet, decodeJwt, errors as joseErrors, jwtVerify, SignJWT, type JWTVerifyGetKey } from 'jose';
import { DATA_SERVICES_SCOPES } from './data-services';
import { ALL_SCOPES, randomHex } from './profile';
import { endpoint, type AccessToken, type Core } from './state';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const jwksCache = new Map<string, JWTVerifyGetKey>();

export function toolKeys(jwksUrl: string): JWTVerifyGetKey {
  let keys = jwksCache.get(jwksUrl);
  if (!keys) {
    // A kid miss refetches the tool's JWKS (jose does this with a short cooldown).
    keys = createRemoteJWKSet(new URL(jwksUrl), { cooldownDuration: 0, cacheMaxAge: 60_000 });
    jwksCache.set(jwksUrl, keys);
  }
  return keys;
}

function sendTokenJson(core: Core, res: Response, status: number, body: Record<string, unknown>): void {
  if (core.profile === 'moodle') {
    // Moodle hand-formats the JSON and labels it text/html.
    res.status(status).type('text/html; charset=utf-8').send(JSON.stringify(body, null, 2).replace(/": /g, '" : '));
  } else {
    res.status(status).json(body);
  }
}

function tokenError(core: Core, res: Response, error: string, description?: string): void {
  const body: Record<string, unknown> = { error };
  if (core.profile === 'canvas' && description) body.error_description = description;
  sendTokenJson(core, res, 400, body);
}

/** Injected failures (429/403 throttling) for retry tests; answers and returns true when one applies. */
export function injectedFailure(core: Core, service: 'token' | 'nrps' | 'ags', res: Response): boolean {
  const failure = core.state.takeFailure(service);
  if (!failure) return false;
  if (failure.retryAfter !== undefined) res.set('Retry-After', String(failure.retryAfter));
  res.status(failure.status).json(core.profile === 'canvas' ? { errors: [{ message: failure.status === 403 ? '403 Forbidden (Rate Limit Exceeded)' : 'Too Many Requests' }] } : { status: failure.status, reason: 'Injected failure' });
  return true;
}

async function issueToken(core: Core, req: Request, res: Response): Promise<void> {
  if (injectedFailure(core, 'token', res)) return;
  if (core.profile === 'moodle' && !req.is('application/x-www-form-urlencoded')) return tokenError(core, res, 'invalid_request');
  const body = (req.body ?? {}) as Record<string, unknown>;
  const str = (k: string): string | undefined => (typeof body[k] === 'string' ? (body[k] as string) : undefined);
  if (str('grant_type') !== 'client_credentials') return tokenError(core, res, 'unsupported_grant_type');
  const assertion = str('client_assertion');
  if (str('client_assertion_type') !== JWT_BEARER || !assertion) return tokenError(core, res, 'invalid_request', 'client_assertion missing');
  const requested = str('scope')?.split(/\s+/).filter(Boolean) ?? [];
  if (!requested.length) return tokenError(core, res, 'invalid_request', 'scope missing');

  let clientId: string | undefined;
  try {
    const claims = decodeJwt(assertion);
    clientId = claims.sub ?? claims.iss;
  } catch {
    return tokenError(core, res, 'invalid_request', 'client_assertion is not a JWT');
  }
  const tool = clientId ? core.state.tools.get(clientId) : undefined;
  if (!tool || tool.state !== 'active') return tokenError(core, res, 'invalid_client', 'unknown client');
  const tokenUrl = endpoint(core, 'token');
  // Moodle accepts only its token URL as audience; Canvas also its issuer and authorization_server.
  const audiences = core.profile === 'moodle' ? [tokenUrl] : [tokenUrl, core.issuer, new URL(core.issuer).host];
  try {
    const { payload } = await jwtVerify(assertion, toolKeys(tool.jwksUrl), { algorithms: ['RS256'], audience: audiences, issuer: tool.clientId, subject: tool.clientId });
    // A client assertion is single-use: a replayed jti is refused.
    if (payload.jti) {
      if (core.state.usedAssertionIds.has(payload.jti)) return tokenError(core, res, 'invalid_request', 'jti already used');
      core.state.usedAssertionIds.add(payload.jti);
    }
  } catch (e) {
    if (e instanceof joseErrors.JWTExpired) return tokenError(core, res, core.profile === 'moodle' ? 'Expired token' : 'invalid_grant', 'assertion expired');
    if (e instanceof joseErrors.JWTClaimValidationFailed) return tokenError(core, res, 'invalid_client', `assertion ${e.claim} invalid`);
    return tokenError(core, res, core.profile === 'moodle' ? 'Signature verification failed' : 'invalid_client', 'assertion signature invalid');
  }
  const permitted = tool.scopes.length ? tool.scopes : core.profile === 'canvas' ? [...ALL_SCOPES, ...Object.values(DATA_SERVICES_SCOPES)] : ALL_SCOPES;
  // Granted = requested ∩ permitted; unknown scopes are dropped silently, none left is invalid_scope.
  const granted = requested.filter((s) => permitted.includes(s));
  if (!granted.length) return tokenError(core, res, 'invalid_scope', 'no requested scope is granted');
  const now = Math.floor(Date.now() / 1000);
  const accessToken = core.profile === 'moodle'
    ? randomHex(16)
    : await new SignJWT({ sub: tool.clientId, scopes: granted.join(' ') }).setProtectedHeader({ alg: 'HS256' }).setIssuer(core.issuer).setIssuedAt(now).setExpirationTime(now + 3600).setJti(randomHex(16)).sign(core.secret);
  const record: AccessToken = { clientId: tool.clientId, scopes: granted, expiresAt: (now + 3600) * 1000 };
  core.state.accessTokens.set(accessToken, record);
  sendTokenJson(core, res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 3600, scope: granted.join(' ') });
}

/** The access token behind a request's Bearer header if it grants one of `scopes`. */
export function bearerToken(core: Core, req: Request, scopes: readonly string[]): AccessToken | undefined {
  const h = req.get('authorization');
  if (!h?.startsWith('Bearer ')) return undefined;
  const token = core.state.accessTokens.get(h.slice(7).trim());
  if (!token || token.expiresAt < Date.now()) return undefined;
  return token.scopes.some((s) => scopes.includes(s)) ? token : undefined;
}

export function tokenRouter(core: Core): Router {
  const router = express.Router();
  router.post(core.paths.token, (req, res, next) => {
    issueToken(core, req, res).catch(next);
  });
  return router;
}
