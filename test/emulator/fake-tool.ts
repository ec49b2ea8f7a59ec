// A deliberately small LTI 1.3 tool (express + jose) for the emulator's own tests: Dynamic Registration,
// OIDC login, id_token validation with named failure codes, and client-credentials tokens.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createRemoteJWKSet, errors, exportJWK, generateKeyPair, jwtVerify, SignJWT, type CryptoKey, type JWK, type JWTPayload, type JWTVerifyGetKey } from 'jose';

export interface FakeToolPlatform {
  issuer: string;
  clientId: string;
  deploymentIds: string[];
  authUrl: string;
  tokenUrl: string;
  jwksUrl: string;
}

export interface FakeLaunch {
  header: Record<string, unknown>;
  payload: JWTPayload & Record<string, unknown>;
}

const LTI = 'https://purl.imsglobal.org/spec/lti/claim';
const REQUIRED = [`${LTI}/message_type`, `${LTI}/version`, `${LTI}/deployment_id`, `${LTI}/roles`, 'sub'];

export interface FakeTool {
  url: string;
  platform: FakeToolPlatform | undefined;
  launches: FakeLaunch[];
  /** What the tool received at its login URL, in order. */
  logins: { method: string; params: Record<string, string> }[];
  privateKey: CryptoKey;
  kid: string;
  /** Signs a client assertion for the token endpoint. */
  assertion(options?: { aud?: string; key?: CryptoKey; expiresIn?: number; sub?: string }): Promise<string>;
  close(): Promise<void>;
}

export async function startFakeTool(): Promise<FakeTool> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomUUID();
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const pending = new Map<string, string>(); // state -> nonce
  const usedNonces = new Set<string>();
  const platformKeys = new Map<string, JWTVerifyGetKey>(); // by JWKS URL: tests swap platforms
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  const tool: FakeTool = {
    url: '',
    platform: undefined,
    launches: [],
    logins: [],
    privateKey,
    kid,
    async assertion(o = {}) {
      const p = tool.platform;
      if (!p) throw new Error('fake tool has no platform');
      return new SignJWT({ jti: randomUUID() }).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
        .setIssuer(o.sub ?? p.clientId).setSubject(o.sub ?? p.clientId).setAudience(o.aud ?? p.tokenUrl)
        .setIssuedAt().setExpirationTime(Math.floor(Date.now() / 1000) + (o.expiresIn ?? 300)).sign(o.key ?? privateKey);
    },
    close: async () => undefined,
  };

  app.get('/jwks', (_req, res) => {
    res.json({ keys: [publicJwk] });
  });

  app.get('/register', (req, res, next) => {
    (async () => {
      const configUrl = String(req.query.openid_configuration);
      const config = (await (await fetch(configUrl)).json()) as Record<string, string>;
      const response = await fetch(config.registration_endpoint ?? '', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${String(req.query.registration_token)}` },
        body: JSON.stringify({
          application_type: 'web', response_types: ['id_token'], grant_types: ['implicit', 'client_credentials'],
          initiate_login_uri: `${tool.url}/login`, redirect_uris: [`${tool.url}/launch`], client_name: 'Fake tool',
          jwks_uri: `${tool.url}/jwks`, token_endpoint_auth_method: 'private_key_jwt',
          scope: 'https://purl.imsglobal.org/spec/lti-ags/scope/score https://purl.imsglobal.org/spec/lti-ags/scope/lineitem https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
          'https://purl.imsglobal.org/spec/lti-tool-configuration': {
            domain: new URL(tool.url).host, target_link_uri: `${tool.url}/launch`,
            custom_parameters: { canvas_user_id: '$Canvas.user.id', canvas_course_id: '$Canvas.course.id', user_id_sub: '$User.id', course_label: '$Context.label' },
            claims: ['iss', 'sub', 'name', 'email'],
            messages: [{ type: 'LtiDeepLinkingRequest', target_link_uri: `${tool.url}/launch`, label: 'Pick' }],
          },
        }),
      });
      const body = (await response.json()) as Record<string, unknown>;
      if (!response.ok) {
        res.status(502).json(body);
        return;
      }
      const toolConfig = body['https://purl.imsglobal.org/spec/lti-tool-configuration'] as Record<string, unknown>;
      tool.platform = {
        issuer: config.issuer ?? '', clientId: String(body.client_id),
        deploymentIds: typeof toolConfig.deployment_id === 'string' ? [toolConfig.deployment_id] : [],
        authUrl: config.authorization_endpoint ?? '', tokenUrl: config.token_endpoint ?? '', jwksUrl: config.jwks_uri ?? '',
      };
      res.type('html').send('<script>(window.opener || window.parent).postMessage({subject:"org.imsglobal.lti.close"}, "*");</script>');
    })().catch(next);
  });

  app.all('/login', (req, res) => {
    const params = (req.method === 'GET' ? req.query : req.body) as Record<string, string>;
    tool.logins.push({ method: req.method, params });
    const p = tool.platform;
    if (!p || params.iss !== p.issuer || params.client_id !== p.clientId) {
      res.status(400).json({ error: 'unknown_platform' });
      return;
    }
    const state = randomBytes(16).toString('hex');
    const nonce = randomBytes(16).toString('hex');
    pending.set(state, nonce);
    const auth = new URL(p.authUrl);
    const q = { scope: 'openid', response_type: 'id_token', response_mode: 'form_post', prompt: 'none', client_id: p.clientId, redirect_uri: `${tool.url}/launch`, login_hint: params.login_hint ?? '', lti_message_hint: params.lti_message_hint ?? '', state, nonce };
    for (const [k, v] of Object.entries(q)) auth.searchParams.set(k, v);
    res.cookie('lti_state', state, { httpOnly: true, sameSite: 'lax' });
    res.redirect(302, auth.toString());
  });

  app.post('/launch', (req, res, next) => {
    (async () => {
      const fail = (code: string, status = 401): void => void res.status(status).json({ error: code });
      if (typeof req.body.error === 'string') return fail(`platform_${req.body.error}`, 400);
      const cookieState = /(?:^|;\s*)lti_state=([^;]+)/.exec(req.get('cookie') ?? '')?.[1];
      const state = String(req.body.state ?? '');
      if (!cookieState || cookieState !== state || !pending.has(state)) return fail('state_mismatch');
      const p = tool.platform;
      if (!p) return fail('unknown_platform');
      const keys = platformKeys.get(p.jwksUrl) ?? createRemoteJWKSet(new URL(p.jwksUrl), { cooldownDuration: 0 });
      platformKeys.set(p.jwksUrl, keys);
      let verified: { payload: JWTPayload; protectedHeader: Record<string, unknown> };
      try {
        verified = await jwtVerify(String(req.body.id_token), keys, { issuer: p.issuer, audience: p.clientId, algorithms: ['RS256'] });
      } catch (e) {
        if (e instanceof errors.JWSSignatureVerificationFailed) return fail('bad_signature');
        if (e instanceof errors.JWKSNoMatchingKey) return fail('unknown_kid');
        if (e instanceof errors.JWTExpired) return fail('expired');
        if (e instanceof errors.JWTClaimValidationFailed) return fail(`wrong_${e.claim}`);
        throw e;
      }
      const payload = verified.payload as JWTPayload & Record<string, unknown>;
      const nonce = String(payload.nonce);
      if (usedNonces.has(nonce)) return fail('replayed_nonce');
      if (nonce !== pending.get(state)) return fail('nonce_mismatch');
      usedNonces.add(nonce);
      pending.delete(state);
      const missing = REQUIRED.find((c) => payload[c] === undefined);
      if (missing) return fail('missing_claim');
      const deploymentId = String(payload[`${LTI}/deployment_id`]);
      if (p.deploymentIds.length && !p.deploymentIds.includes(deploymentId)) return fail('unknown_deployment');
      tool.launches.push({ header: verified.protectedHeader, payload });
      res.json({ ok: true, sub: payload.sub, messageType: payload[`${LTI}/message_type`] });
    })().catch(next);
  });

  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  tool.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  tool.close = () => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return tool;
}
