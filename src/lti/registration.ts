import { z } from 'zod';
import type { Kysely } from 'kysely';
import type { Lms, Platform } from '../courses';
import { LaurelError } from '../errors';
import { registerPlatform } from './platforms';
import { checkIssuerHost, checkPlatformUrl } from './registration-gate';
import type { PgLtiStore } from './storage';
import { lmsOf, PLATFORM_CONFIGURATION, registrationRequest, TOOL_CONFIGURATION, type ToolUrls } from './tool-config';
import { defaultOutboundFetch } from '../outbound';

const id = z.union([z.string().min(1), z.number()]).transform(String);

/** The parts of a platform's openid-configuration Laurel relies on. */
const openidConfigurationSchema = z
  .object({
    issuer: z.string().min(1),
    authorization_endpoint: z.url(),
    token_endpoint: z.url(),
    jwks_uri: z.url(),
    registration_endpoint: z.url(),
    authorization_server: z.string().optional(),
    scopes_supported: z.array(z.string()).optional(),
    [PLATFORM_CONFIGURATION]: z
      .object({
        product_family_code: z.string().optional(),
        version: z.string().optional(),
        'https://canvas.instructure.com/lti/account_name': z.string().optional(),
      })
      .passthrough()
      .optional(),
  })
  .passthrough();

const registrationResponseSchema = z
  .object({
    client_id: id,
    [TOOL_CONFIGURATION]: z.object({ deployment_id: id.optional() }).passthrough().optional(),
  })
  .passthrough();

export interface RegistrationDeps<T> {
  db: Kysely<T>;
  store: PgLtiStore;
  keyEncryptionKey: string;
  urls: ToolUrls;
  userAgent: string;
  fetch?: typeof fetch;
  /** Accept http URLs from the LMS (never in production: the emulator and tests run on http). */
  allowHttp: boolean;
  /** `pending` when REGISTRATION_APPROVAL=manual: launches are refused until an administrator activates it. */
  status: 'pending' | 'active';
}

/** Longest answer read from an LMS during registration: real configurations are a few kB. */
const MAX_RESPONSE_BYTES = 256 * 1024;
/** How long one registration call may take. */
const TIMEOUT_MS = 10_000;

export interface RegistrationOutcome {
  platform: Platform;
  lms: Lms;
  clientId: string;
  /** Known when the platform says it at registration (Moodle); Canvas assigns deployments at install. */
  deploymentId?: string;
  lmsVersion?: string;
}

/**
 * LTI Dynamic Registration, tool side: fetch the platform's openid-configuration (with the registration
 * token: Canvas requires it), post Laurel's registration, and record the platform the answer describes.
 */
export async function registerDynamically<T>(deps: RegistrationDeps<T>, props: { openidConfigurationUrl: string; registrationToken?: string }): Promise<RegistrationOutcome> {
  const configUrl = checkPlatformUrl(props.openidConfigurationUrl, { field: 'openid_configuration', allowHttp: deps.allowHttp });
  const auth: Record<string, string> = props.registrationToken ? { authorization: `Bearer ${props.registrationToken}` } : {};
  const rawConfig = await call(deps, configUrl.toString(), { method: 'GET', headers: { accept: 'application/json', ...auth } }, 'fetch the platform configuration');
  const parsed = openidConfigurationSchema.safeParse(rawConfig);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new LaurelError('ERR_VALIDATION', `The platform configuration is missing "${issue.path.join('.')}": ${issue.message}.`);
  }
  const config = parsed.data;
  checkIssuerHost({ configurationUrl: configUrl, issuer: config.issuer, registrationEndpoint: config.registration_endpoint });
  const registrationEndpoint = checkPlatformUrl(config.registration_endpoint, { field: 'registration_endpoint', allowHttp: deps.allowHttp });
  const platformInfo = config[PLATFORM_CONFIGURATION] ?? {};
  const lms = lmsOf(platformInfo.product_family_code);
  const body = registrationRequest(deps.urls, config);
  const rawResponse = await call(
    deps,
    registrationEndpoint.toString(),
    { method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/json', ...auth }, body: JSON.stringify(body) },
    'register with the platform',
  );
  const response = registrationResponseSchema.safeParse(rawResponse);
  if (!response.success) throw new LaurelError('ERR_VALIDATION', 'The platform answered the registration without a client_id.');
  const clientId = response.data.client_id;
  const deploymentId = response.data[TOOL_CONFIGURATION]?.deployment_id;
  const accountName = platformInfo['https://canvas.instructure.com/lti/account_name'];
  const name = accountName ? `${accountName} (Canvas)` : `${lms === 'moodle' ? 'Moodle' : lms === 'canvas' ? 'Canvas' : 'LMS'} at ${hostOf(config.issuer)}`;
  const platform = await registerPlatform(deps, {
    issuer: config.issuer,
    clientId,
    name,
    lms,
    authEndpoint: config.authorization_endpoint,
    tokenEndpoint: config.token_endpoint,
    jwksUrl: config.jwks_uri,
    // Canvas names its OAuth audience separately (a host, not the token URL).
    ...(config.authorization_server ? { authorizationServer: config.authorization_server } : {}),
    deploymentIds: deploymentId ? [deploymentId] : [],
    status: deps.status,
    // The registration answer names no deployment on Canvas: the first signed launch records it.
    acceptNewDeployments: !deploymentId,
    details: { registeredBy: 'dynamic-registration', lmsVersion: platformInfo.version ?? null, registeredAt: new Date().toISOString() },
  });
  return { platform, lms, clientId, ...(deploymentId ? { deploymentId } : {}), ...(platformInfo.version ? { lmsVersion: platformInfo.version } : {}) };
}

async function call<T>(deps: RegistrationDeps<T>, url: string, init: RequestInit, what: string): Promise<unknown> {
  const doFetch = deps.fetch ?? defaultOutboundFetch();
  let response: Response;
  try {
    response = await doFetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(TIMEOUT_MS), headers: { ...(init.headers as Record<string, string>), 'user-agent': deps.userAgent } });
  } catch (cause) {
    throw new LaurelError('ERR_UNAVAILABLE', `Laurel could not ${what} at ${url}. Check that Laurel can reach the LMS at that address.`, { cause });
  }
  const text = await readLimited(response, what);
  if (!response.ok) {
    // Never echo the remote body to whoever opened the registration page: it goes to the log as the cause.
    throw new LaurelError('ERR_UNAVAILABLE', `The platform refused to ${what} (HTTP ${response.status}).`, { details: { status: response.status }, cause: new Error(`platform answer: ${text.slice(0, 300)}`) });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new LaurelError('ERR_VALIDATION', `The platform's answer to "${what}" is not JSON.`, { cause });
  }
}

/**
 * Reads an answer up to MAX_RESPONSE_BYTES: the URL came from whoever opened the registration page, so
 * an endless or huge body must not fill Laurel's memory.
 */
async function readLimited(response: Response, what: string): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > MAX_RESPONSE_BYTES) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge(what);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_RESPONSE_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(what);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tooLarge(what: string): LaurelError {
  return new LaurelError('ERR_VALIDATION', `The platform's answer to "${what}" is larger than ${MAX_RESPONSE_BYTES / 1024} kB.`);
}

function hostOf(issuer: string): string {
  try {
    return new URL(issuer).host;
  } catch {
    return issuer;
  }
}
