// OIDC third-party login initiation and the authorization endpoint: the browser goes
// emulator launch page -> tool login URL -> emulator auth endpoint -> form_post of the id_token to the tool.
import { randomUUID } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import { SignJWT } from 'jose';
import { buildIdToken } from './claims';
import { autoPostForm, errorPage, escapeHtml, page } from './html';
import { canvasLegacyUserId, ID_TOKEN_LIFETIME, randomHex } from './profile';
import type { Core, PendingLaunch } from './state';
import type { LaunchOptions, ToolRegistration } from './types';

/** Registers a launch and returns the emulator URL that starts it (`frame`: inside an LMS-like page). Reusable. */
export function defineLaunch(core: Core, options: LaunchOptions, frame = false): string {
  const tool = core.state.tools.get(options.clientId);
  if (!tool) throw new Error(`launchUrl: unknown client_id ${options.clientId} (register or add the tool first)`);
  if (tool.state === 'pending') throw new Error(`launchUrl: tool ${options.clientId} is pending: call platform.activateTool() first, as a Moodle admin would`);
  const id = randomUUID();
  core.state.launchDefinitions.set(id, options);
  return `${core.url}/emulator/${frame ? 'frame' : 'launch'}/${id}`;
}

function unknownDeploymentId(core: Core): string {
  return core.profile === 'moodle' ? '999999' : `999999:${randomHex(20)}`;
}

/** A fresh, single-use message hint per visit (Moodle: JSON with a launch id; Canvas: an HS256 JWT). */
async function messageHint(core: Core, options: LaunchOptions): Promise<string> {
  const rand = Math.floor(Math.random() * 2e9);
  if (core.profile === 'moodle') {
    if (options.messageType === 'LtiDeepLinkingRequest') return JSON.stringify({ launchid: `ltilaunch_ContentItemSelectionRequest${rand}` });
    const linkId = options.resourceLink?.id ?? '1';
    return JSON.stringify({ cmid: Number(linkId) || 1, launchid: `ltilaunch${linkId}_${rand}` });
  }
  return new SignJWT({
    verifier: randomHex(64), canvas_domain: new URL(core.url).host, context_type: 'Course',
    context_id: Number(options.context.id) || 1, canvas_locale: 'en', include_storage_target: core.storageTarget,
  }).setProtectedHeader({ typ: 'JWT', alg: 'HS256' }).setExpirationTime('5m').sign(core.secret);
}

async function startLaunch(core: Core, req: Request, res: Response): Promise<void> {
  const options = core.state.launchDefinitions.get(String(req.params.id));
  const tool = options && core.state.tools.get(options.clientId);
  if (!options || !tool) {
    res.status(404).type('html').send(errorPage('Unknown launch'));
    return;
  }
  const deploymentId = options.tamper?.unknownDeployment ? unknownDeploymentId(core) : tool.deploymentId;
  const loginHint = core.profile === 'moodle' ? options.user.id : canvasLegacyUserId(core.issuer, options.user.id);
  const hint = await messageHint(core, options);
  core.state.pendingLaunches.set(hint, { options, loginHint, deploymentId, used: false, createdAt: Date.now() });
  const targetLinkUri = options.targetLinkUri ?? (options.messageType === 'LtiDeepLinkingRequest' && tool.deepLinkUrl ? tool.deepLinkUrl : tool.launchUrl);
  const fields: Record<string, string> = core.profile === 'moodle'
    ? { iss: core.issuer, target_link_uri: targetLinkUri, login_hint: loginHint, lti_message_hint: hint, client_id: tool.clientId, lti_deployment_id: deploymentId }
    : {
        iss: core.issuer, login_hint: loginHint, client_id: tool.clientId, lti_deployment_id: deploymentId,
        target_link_uri: targetLinkUri, lti_message_hint: hint, canvas_environment: 'prod', canvas_region: 'not_configured',
        ...(core.storageTarget ? { lti_storage_target: 'post_message_forwarding' } : {}),
      };
  // Both LMSs auto-submit a POST form (recorded); GET is available for tools that must support it too.
  if ((options.loginMethod ?? 'POST') === 'GET') {
    res.redirect(302, `${tool.loginUrl}${tool.loginUrl.includes('?') ? '&' : '?'}${new URLSearchParams(fields).toString()}`);
    return;
  }
  res.type('html').send(autoPostForm('ltiInitiateLoginForm', tool.loginUrl, fields));
}

function param(source: unknown, name: string): string | undefined {
  const value = (source as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}

function applyTamper(core: Core, tool: ToolRegistration, launch: PendingLaunch, payload: Record<string, unknown>, now: number): string | undefined {
  const t = launch.options.tamper ?? {};
  if (t.wrongAud) {
    payload.aud = `not-${tool.clientId}`;
    if ('azp' in payload) payload.azp = payload.aud;
  }
  if (t.wrongIss) payload.iss = 'https://wrong-issuer.example';
  if (t.issuedInFuture) {
    payload.iat = Math.floor(now / 1000) + 3600;
    payload.exp = Math.floor(now / 1000) + 3600 + ID_TOKEN_LIFETIME[core.profile];
  }
  if (t.expired) {
    payload.iat = Math.floor(now / 1000) - ID_TOKEN_LIFETIME[core.profile] - 600;
    payload.exp = Math.floor(now / 1000) - 600;
  }
  if (t.replayNonce) {
    const previous = [...core.state.issued].reverse().find((i) => i.clientId === tool.clientId && !i.tampered);
    if (!previous) return 'replayNonce needs an earlier untampered launch of this tool';
    payload.nonce = previous.payload.nonce;
  }
  if (t.missingClaim) {
    const name = t.missingClaim in payload ? t.missingClaim : `https://purl.imsglobal.org/spec/lti/claim/${t.missingClaim}`;
    delete payload[name];
  }
  Object.assign(payload, launch.options.claims ?? {});
  return undefined;
}

async function authorize(core: Core, req: Request, res: Response): Promise<void> {
  const src: unknown = req.method === 'GET' ? req.query : req.body;
  const tool = core.state.tools.get(param(src, 'client_id') ?? '');
  const redirectUri = param(src, 'redirect_uri') ?? '';
  // An unknown client or unregistered redirect_uri must not receive anything: an error page, no post-back
  // (Moodle answers 404 "Invalid request", 07-errors.json).
  if (!tool || !tool.redirectUris.includes(redirectUri)) {
    res.status(core.profile === 'moodle' ? 404 : 400).type('html').send(errorPage('Invalid request'));
    return;
  }
  const state = param(src, 'state') ?? '';
  const fail = (error: string, description: string): void => {
    res.type('html').send(autoPostForm('ltiAuthForm', redirectUri, { error, error_description: description, state }));
  };
  if (param(src, 'scope') !== 'openid') return fail('invalid_scope', 'Invalid scope');
  if (param(src, 'response_type') !== 'id_token') return fail('unsupported_response_type', 'Invalid response_type');
  if (param(src, 'response_mode') !== 'form_post') return fail('invalid_request', 'Invalid response_mode');
  const prompt = param(src, 'prompt');
  if (prompt !== undefined && prompt !== 'none') return fail('invalid_request', 'Invalid prompt');
  const nonce = param(src, 'nonce');
  if (!nonce) return fail('invalid_request', 'Missing nonce');
  const hint = param(src, 'lti_message_hint') ?? '';
  const launch = core.state.pendingLaunches.get(hint);
  // Each launch is single-use (Moodle 4.5 behaviour): a second auth request with the same hint fails.
  if (!launch || launch.used || launch.options.clientId !== tool.clientId) return fail('invalid_request', 'Invalid lti_message_hint');
  if (param(src, 'login_hint') !== launch.loginHint) return fail('login_required', 'Login hint does not match the current user');
  launch.used = true;

  const now = Date.now();
  const payload = buildIdToken(core, tool, launch, nonce, now);
  const problem = applyTamper(core, tool, launch, payload, now);
  if (problem) {
    res.status(500).type('html').send(errorPage(problem));
    return;
  }
  const t = launch.options.tamper ?? {};
  const idToken = await core.keys.sign(payload, { foreignKey: t.badSignature === true, unknownKid: t.unknownKid === true, algNone: t.algNone === true, hs256PublicKey: t.hs256PublicKey === true });
  const postedState = t.stateMismatch ? randomHex(16) : state;
  const header = JSON.parse(Buffer.from(idToken.split('.')[0] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  core.state.issued.push({ clientId: tool.clientId, idToken, header, payload, redirectUri, state: postedState, tampered: Object.values(t).some(Boolean) || launch.options.claims !== undefined });
  enroll(core, launch);
  const fields: Record<string, string> = { id_token: idToken, state: postedState };
  if (core.profile === 'canvas' && core.storageTarget) fields.lti_storage_target = 'post_message_forwarding';
  res.type('html').send(autoPostForm('ltiAuthForm', redirectUri, fields));
}

/** Someone who launches from a course is enrolled in it: add them to the roster if absent. */
function enroll(core: Core, launch: PendingLaunch): void {
  const { context, user, roles, resourceLink } = launch.options;
  if (!core.state.contexts.has(context.id)) core.state.contexts.set(context.id, context);
  if (resourceLink) core.state.resourceLinks.add(resourceLink.id);
  const roster = core.state.roster(context.id);
  if (!roster.has(user.id)) roster.set(user.id, { ...user, roles });
}

/** An LMS-like page that shows the launch in an iframe, as Moodle's view.php and Canvas do. */
function framePage(core: Core, req: Request, res: Response): void {
  const id = String(req.params.id);
  if (!core.state.launchDefinitions.has(id)) {
    res.status(404).type('html').send(errorPage('Unknown launch'));
    return;
  }
  const options = core.state.launchDefinitions.get(id);
  const tool = options && core.state.tools.get(options.clientId);
  const origin = tool ? new URL(tool.launchUrl).origin : '';
  // Moodle's iframe tag (02-oidc-login-initiation.json), with the same `allow` list for the tool's origin.
  const allow = ['microphone', 'camera', 'geolocation', 'midi', 'encrypted-media', 'autoplay'].map((f) => `${f} ${origin}`).join('; ');
  res.type('html').send(page('Course activity', `<h1>${core.profile === 'moodle' ? 'Moodle' : 'Canvas'} course page</h1>
<iframe id="contentframe" title="Tool" height="600px" width="100%" src="/emulator/launch/${id}" allow="${escapeHtml(allow)}" allowfullscreen="1"></iframe>`));
}

export function oidcRouter(core: Core): Router {
  const router = express.Router();
  router.get('/emulator/frame/:id', (req, res) => framePage(core, req, res));
  const wrap = (fn: (core: Core, req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: (e?: unknown) => void) => {
    fn(core, req, res).catch(next);
  };
  router.get('/emulator/launch/:id', wrap(startLaunch));
  router.get(core.paths.auth, wrap(authorize));
  router.post(core.paths.auth, wrap(authorize));
  return router;
}
