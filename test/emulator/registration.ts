// The platform side of LTI Dynamic Registration: openid-configuration, registration tokens and the
// registration endpoint. Moodle's shapes follow 01-dynamic-registration.json, Canvas's the canvas/lti fixtures.
import { createHash, randomInt, randomUUID } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import { SignJWT } from 'jose';
import { ALL_SCOPES, randomAlnum } from './profile';
import { endpoint, type Core } from './state';
import type { PrivacyLevel, ToolRegistration } from './types';

const TOOL_CONFIG = 'https://purl.imsglobal.org/spec/lti-tool-configuration';

export function openidConfiguration(core: Core): Record<string, unknown> {
  const common = {
    issuer: core.issuer,
    token_endpoint: endpoint(core, 'token'),
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ['RS256'],
    jwks_uri: endpoint(core, 'jwks'),
    authorization_endpoint: endpoint(core, 'auth'),
    registration_endpoint: endpoint(core, 'registration'),
  };
  if (core.profile === 'moodle') {
    return {
      ...common,
      scopes_supported: ['https://purl.imsglobal.org/spec/lti-bo/scope/basicoutcome', ...ALL_SCOPES, 'https://purl.imsglobal.org/spec/lti-ts/scope/toolsetting', 'openid'],
      response_types_supported: ['id_token'],
      subject_types_supported: ['public', 'pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      claims_supported: ['sub', 'iss', 'name', 'given_name', 'family_name', 'email'],
      'https://purl.imsglobal.org/spec/lti-platform-configuration': {
        product_family_code: 'moodle',
        version: '4.5.6 (Build: 20250811)',
        messages_supported: [{ type: 'LtiResourceLinkRequest' }, { type: 'LtiDeepLinkingRequest', placements: ['ContentArea'] }],
        variables: ['Context.id', 'Context.title', 'Context.label', 'ResourceLink.id', 'ResourceLink.title', 'ResourceLink.description', 'User.id', 'User.username', 'Person.name.full', 'Person.name.given', 'Person.name.family', 'Person.email.primary', 'Membership.role'],
      },
    };
  }
  return {
    ...common,
    scopes_supported: [...ALL_SCOPES, 'https://purl.imsglobal.org/spec/lti/scope/noticehandlers', 'https://canvas.instructure.com/lti/public_jwk/scope/update', 'https://canvas.instructure.com/lti/account_lookup/scope/show', 'https://canvas.instructure.com/lti-ags/progress/scope/show'],
    response_types_supported: ['id_token'],
    id_token_signing_alg_values_supported: ['RS256'],
    claims_supported: ['sub', 'picture', 'email', 'name', 'given_name', 'family_name', 'locale'],
    subject_types_supported: ['public'],
    authorization_server: new URL(core.issuer).host,
    'https://purl.imsglobal.org/spec/lti-platform-configuration': {
      product_family_code: 'canvas',
      version: 'vCloud',
      messages_supported: [
        { type: 'LtiResourceLinkRequest', placements: ['account_navigation', 'assignment_selection', 'course_navigation', 'link_selection'] },
        { type: 'LtiDeepLinkingRequest', placements: ['assignment_selection', 'link_selection', 'editor_button', 'module_index_menu_modal'] },
      ],
      variables: ['Canvas.user.id', 'Canvas.user.globalId', 'Canvas.user.loginId', 'Canvas.course.id', 'Canvas.course.name', 'com.instructure.Context.globalId', 'Canvas.assignment.id', 'Canvas.assignment.title', 'com.instructure.Assignment.lti.id', 'Canvas.root_account.global_id', 'Canvas.api.domain', 'Canvas.api.baseUrl', 'Context.id', 'Context.title', 'ResourceLink.id', 'ResourceLink.title', 'Person.name.full', 'Person.name.given', 'Person.name.family', 'Person.email.primary', 'User.id', 'Message.locale'],
      'https://canvas.instructure.com/lti/account_name': 'Emulated Account',
      'https://canvas.instructure.com/lti/account_lti_guid': 'emulatorRootAccountGuid0000000000000000:canvas-lms',
    },
  };
}

/** Ids a new tool gets. Moodle: a 15-character client id and the tool type id as deployment. Canvas: global ids. */
export function newToolIds(core: Core): { clientId: string; deploymentId: string } {
  const n = core.state.nextToolNumber++;
  if (core.profile === 'moodle') return { clientId: randomAlnum(15), deploymentId: String(n + 1) };
  // Random global ids: two emulated Canvases share the issuer, so their client ids must still differ.
  const toolId = randomInt(1_000, 1_000_000);
  return { clientId: String(10_000_000_000_000 + toolId), deploymentId: `${toolId}:${createHash('sha1').update(`${core.url}|${toolId}|${n}`).digest('hex')}` };
}

/** Issues a registration token (Moodle: RS256 JWT with sub = the future client id; Canvas: HS256 JWT). */
export async function issueRegistrationToken(core: Core): Promise<{ token: string; openidConfigurationUrl: string }> {
  const { clientId, deploymentId } = newToolIds(core);
  const now = Math.floor(Date.now() / 1000);
  const token = core.profile === 'moodle'
    ? await core.keys.sign({ sub: clientId, scope: 'reg', iat: now, exp: now + 3600 })
    : await new SignJWT({ uuid: randomUUID(), initiated_at: new Date().toISOString(), user_id: 1, unified_tool_id: null, root_account_global_id: 10_000_000_000_001 })
        .setProtectedHeader({ typ: 'JWT', alg: 'HS256' }).setExpirationTime(now + 3600).sign(core.secret);
  core.state.registrationTokens.set(token, { clientId, deploymentId, used: false, expiresAt: (now + 3600) * 1000 });
  const base = endpoint(core, 'openidConfiguration');
  return { token, openidConfigurationUrl: core.profile === 'moodle' ? base : `${base}?registration_token=${encodeURIComponent(token)}` };
}

function bearer(req: Request): string | undefined {
  const h = req.get('authorization');
  return h?.startsWith('Bearer ') ? h.slice(7).trim() : undefined;
}

/** Moodle escapes slashes in JSON responses (`http:\/\/`). */
function sendJson(core: Core, res: Response, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.status(status).type('application/json; charset=utf-8').send(core.profile === 'moodle' ? text.replace(/\//g, '\\/') : text);
}

function registrationError(core: Core, res: Response, status: number, code: string): void {
  if (core.profile === 'moodle') res.status(status).type('text/html; charset=utf-8').send(code);
  else res.status(status).json({ errors: [{ message: code }] });
}

function handleRegistration(core: Core, req: Request, res: Response): void {
  const token = bearer(req);
  if (!token) return registrationError(core, res, 401, 'missing_registration_token');
  const record = core.state.registrationTokens.get(token);
  if (!record || record.expiresAt < Date.now()) return registrationError(core, res, 401, 'invalid_registration_token');
  // Registration tokens are single-use (Moodle answers 401 token_already_used on reuse).
  if (record.used) return registrationError(core, res, 401, 'token_already_used');
  const body = req.body as Record<string, unknown>;
  const config = (body?.[TOOL_CONFIG] ?? {}) as Record<string, unknown>;
  const redirectUris = Array.isArray(body?.redirect_uris) ? body.redirect_uris.filter((u): u is string => typeof u === 'string') : [];
  const missing = ['initiate_login_uri', 'jwks_uri'].filter((k) => typeof body?.[k] !== 'string');
  if (missing.length || !redirectUris.length || typeof config.target_link_uri !== 'string') {
    res.status(400).json({ error: 'invalid_client_metadata', error_description: `missing ${[...missing, ...(!redirectUris.length ? ['redirect_uris'] : []), ...(typeof config.target_link_uri !== 'string' ? ['target_link_uri'] : [])].join(', ')}` });
    return;
  }
  record.used = true;
  const { clientId, deploymentId } = record;
  const messages = Array.isArray(config.messages) ? (config.messages as Record<string, unknown>[]) : [];
  const dl = messages.find((m) => m.type === 'LtiDeepLinkingRequest');
  const rl = messages.find((m) => m.type === 'LtiResourceLinkRequest');
  const tool: ToolRegistration = {
    clientId,
    deploymentId,
    loginUrl: body.initiate_login_uri as string,
    launchUrl: config.target_link_uri,
    jwksUrl: body.jwks_uri as string,
    redirectUris,
    scopes: typeof body.scope === 'string' ? body.scope.split(/\s+/).filter(Boolean) : [],
    // Message-level parameters of a message without placements apply to every launch; those of a
    // message with placements apply to launches from those placements only (Canvas).
    customParameters: { ...((config.custom_parameters as Record<string, string>) ?? {}), ...(rl && !Array.isArray(rl.placements) ? ((rl.custom_parameters as Record<string, string>) ?? {}) : {}) },
    placements: placementsOf(messages),
    name: typeof body.client_name === 'string' ? body.client_name : 'Tool',
    state: core.profile === 'moodle' ? 'pending' : 'active',
    registration: body,
  };
  if (typeof dl?.target_link_uri === 'string') tool.deepLinkUrl = dl.target_link_uri;
  const privacy = config['https://canvas.instructure.com/lti/privacy_level'];
  if (typeof privacy === 'string') tool.privacyLevel = privacy as PrivacyLevel;
  core.state.tools.set(clientId, tool);

  let response: Record<string, unknown>;
  if (core.profile === 'moodle') {
    // Moodle adds version and deployment_id (a string) and drops unknown message fields such as `label`.
    const { messages: _m, ...rest } = config;
    response = {
      client_id: clientId, ...body,
      [TOOL_CONFIG]: {
        version: '1.3.0', deployment_id: deploymentId, ...rest,
        messages: messages.map((m) => ({ type: m.type, ...(m.target_link_uri ? { target_link_uri: m.target_link_uri } : {}) })),
      },
    };
  } else {
    // Canvas echoes the registration and adds client_id; the deployment id is not in the answer (recorded).
    response = { client_id: clientId, ...body, [TOOL_CONFIG]: { ...config, 'https://canvas.instructure.com/lti/registration_config_url': `${core.url}/api/lti/registrations/${clientId}/view` } };
  }
  tool.registrationResponse = response;
  sendJson(core, res, 200, response);
  const waiters = core.state.registrationWaiters;
  core.state.registrationWaiters = waiters.filter((w) => w.token !== undefined && w.token !== token);
  for (const w of waiters) if (w.token === undefined || w.token === token) w.resolve(tool);
}

export function registrationRouter(core: Core): Router {
  const router = express.Router();
  router.get(core.paths.openidConfiguration, (req, res) => {
    if (core.profile === 'canvas') {
      // Canvas serves its configuration only with a registration token (query or Bearer).
      const token = typeof req.query.registration_token === 'string' ? req.query.registration_token : bearer(req);
      if (!token || !core.state.registrationTokens.has(token)) return registrationError(core, res, 401, 'invalid_registration_token');
    }
    sendJson(core, res, 200, openidConfiguration(core));
  });
  router.post(core.paths.registration, (req, res) => handleRegistration(core, req, res));
  return router;
}

/** Each placement named by a Dynamic Registration message, with that message's label and custom parameters. */
function placementsOf(messages: Record<string, unknown>[]): Record<string, { label?: string; customParameters: Record<string, string> }> {
  const out: Record<string, { label?: string; customParameters: Record<string, string> }> = {};
  for (const m of messages) {
    if (!Array.isArray(m.placements)) continue;
    for (const placement of m.placements) {
      out[String(placement)] ??= { ...(typeof m.label === 'string' ? { label: m.label } : {}), customParameters: (m.custom_parameters as Record<string, string>) ?? {} };
    }
  }
  return out;
}
