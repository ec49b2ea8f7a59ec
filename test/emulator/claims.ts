// id_token payloads shaped like the recorded ones: Moodle 4.5 (03-id-token-*.json) and Canvas
// (canvas/lti/id_token.example.json), including claim order, string ids and custom-variable substitution.
import { ensureLinkLineItem } from './gradebook';
import {
  AGS_SCOPES, ALL_SCOPES, SCOPES, canvasGlobalId, canvasLegacyUserId, displayName, idTokenRoles, ID_TOKEN_LIFETIME,
  ltiContextId, ltiResourceLinkId, ltiUserId, randomHex, uuidFrom,
} from './profile';
import type { Core, PendingLaunch } from './state';
import { deepLinkReturnUrl, lineItemsUrl, membershipsUrl, returnUrl } from './urls';
import type { EmulatorContext, LaunchOptions, ToolRegistration } from './types';

const LTI = 'https://purl.imsglobal.org/spec/lti/claim';
export const CLAIM = {
  messageType: `${LTI}/message_type`,
  version: `${LTI}/version`,
  deploymentId: `${LTI}/deployment_id`,
  targetLinkUri: `${LTI}/target_link_uri`,
  resourceLink: `${LTI}/resource_link`,
  roles: `${LTI}/roles`,
  context: `${LTI}/context`,
  custom: `${LTI}/custom`,
  lis: `${LTI}/lis`,
  ext: `${LTI}/ext`,
  launchPresentation: `${LTI}/launch_presentation`,
  toolPlatform: `${LTI}/tool_platform`,
  ags: 'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint',
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice',
  deepLinking: 'https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings',
  basicOutcome: 'https://purl.imsglobal.org/spec/lti-bo/claim/basicoutcome',
} as const;

const CANVAS_PROGRESS_SCOPE = 'https://canvas.instructure.com/lti-ags/progress/scope/show';

/** The tool's scopes; a tool registered without any gets every LTI Advantage scope (and Canvas's progress scope). */
function scopesOf(tool: ToolRegistration): string[] {
  return tool.scopes.length ? tool.scopes : [...ALL_SCOPES, CANVAS_PROGRESS_SCOPE];
}

/** Values for `$Variable` custom parameters. Variables the LMS cannot expand are sent literally. */
function variables(core: Core, o: LaunchOptions, linkClaimId: string | undefined, nrpsUrl: string): Record<string, string | undefined> {
  const n = displayName(o.user);
  const common: Record<string, string | undefined> = {
    'Person.name.full': n.name,
    'Person.name.given': n.given,
    'Person.name.family': n.family,
    'Person.email.primary': o.user.email,
    'Context.title': o.context.title,
    'ResourceLink.id': linkClaimId,
    'ResourceLink.title': o.resourceLink?.title,
  };
  if (core.profile === 'moodle') {
    return {
      ...common,
      'User.id': o.user.id,
      'User.username': o.user.username ?? `user${o.user.id}`,
      'Context.id': o.context.id,
      'Context.label': o.context.label,
      'ResourceLink.description': o.resourceLink?.description,
      'ToolProxyBinding.memberships.url': nrpsUrl,
    };
  }
  return {
    ...common,
    'User.id': o.user.id,
    'Canvas.user.id': o.user.id,
    'Canvas.user.globalId': canvasGlobalId(o.user.id),
    'Canvas.user.loginId': o.user.username ?? o.user.email,
    'Canvas.course.id': o.context.id,
    'Canvas.course.name': o.context.title,
    'com.instructure.Context.globalId': canvasGlobalId(o.context.id),
    'Context.id': ltiContextId('canvas', core.issuer, o.context.id),
    'com.instructure.contextLabel': o.context.label,
    'Canvas.assignment.id': o.resourceLink?.assignmentId,
    'Canvas.assignment.title': o.resourceLink?.assignmentId ? o.resourceLink.title : undefined,
    'com.instructure.Assignment.lti.id': o.resourceLink?.assignmentId ? uuidFrom(`assignment|${o.resourceLink.assignmentId}`) : undefined,
    'Canvas.root_account.global_id': canvasGlobalId('1'),
    'Canvas.api.domain': new URL(core.url).host,
    'Canvas.api.baseUrl': core.url,
    'Message.locale': 'en',
  };
}

function substitute(params: Record<string, string>, vars: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    out[key] = value.startsWith('$') ? (vars[value.slice(1)] ?? value) : value;
  }
  return out;
}

function contextClaim(core: Core, context: EmulatorContext): Record<string, unknown> {
  const label = context.label ?? `COURSE${context.id}`;
  const title = context.title ?? `Course ${context.id}`;
  return core.profile === 'moodle'
    ? { id: context.id, label, title, type: ['CourseSection'] }
    : { id: ltiContextId('canvas', core.issuer, context.id), label, title, type: [`http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering`] };
}

/** Builds the id_token payload for a pending launch. Claim order follows the recorded tokens. */
export function buildIdToken(core: Core, tool: ToolRegistration, launch: PendingLaunch, nonce: string, now: number): Record<string, unknown> {
  const o = launch.options;
  const moodle = core.profile === 'moodle';
  const messageType = o.messageType ?? 'LtiResourceLinkRequest';
  const deepLinking = messageType === 'LtiDeepLinkingRequest';
  const link = deepLinking ? undefined : (o.resourceLink ?? (moodle ? { id: '1', title: tool.name } : undefined));
  const linkClaimId = link ? ltiResourceLinkId(core.profile, core.issuer, link.id) : undefined;
  const scopes = scopesOf(tool);
  const agsScopes = AGS_SCOPES.filter((s) => scopes.includes(s));
  const nrpsUrl = membershipsUrl(core, tool, o.context.id);
  const n = displayName(o.user);
  const sub = ltiUserId(core.profile, core.issuer, o.user);
  const placement = o.placement ? tool.placements?.[o.placement] : undefined;
  const custom = substitute({ ...tool.customParameters, ...(placement?.customParameters ?? {}), ...(o.custom ?? {}) }, variables(core, o, linkClaimId, nrpsUrl));
  // Account navigation launches from the account, not a course: no context and no course services.
  const accountLevel = !moodle && o.placement === 'account_navigation';
  const iat = Math.floor(now / 1000);
  const targetLinkUri = o.targetLinkUri ?? (deepLinking && tool.deepLinkUrl ? tool.deepLinkUrl : tool.launchUrl);

  let lineItemUrlValue: string | undefined;
  const wantsItem = link && link.lineItem !== false && (moodle || link.lineItem);
  if (link && wantsItem && agsScopes.length) {
    const spec = link.lineItem || { scoreMaximum: 100 };
    const item = ensureLinkLineItem(core, {
      contextId: o.context.id, clientId: tool.clientId, resourceLinkId: linkClaimId ?? link.id,
      label: spec.label ?? link.title ?? tool.name, scoreMaximum: spec.scoreMaximum,
    });
    lineItemUrlValue = item.url;
  }
  const ags = agsScopes.length && !accountLevel
    ? { scope: moodle || !scopes.includes(CANVAS_PROGRESS_SCOPE) ? agsScopes : [...agsScopes, CANVAS_PROGRESS_SCOPE], lineitems: lineItemsUrl(core, tool, o.context.id), ...(lineItemUrlValue ? { lineitem: lineItemUrlValue } : {}) }
    : undefined;
  const nrps = scopes.includes(SCOPES.nrps) && !accountLevel
    ? { context_memberships_url: nrpsUrl, service_versions: moodle ? ['1.0', '2.0'] : ['2.0'] }
    : undefined;
  const dlSettings = deepLinking
    ? moodle
      ? {
          accept_types: ['ltiResourceLink'], accept_presentation_document_targets: ['frame', 'iframe', 'window'],
          accept_copy_advice: false, accept_multiple: true, accept_unsigned: false, auto_create: false, can_confirm: false,
          deep_link_return_url: deepLinkReturnUrl(core, tool, o.context.id), title: '', text: '',
        }
      : {
          deep_link_return_url: deepLinkReturnUrl(core, tool, o.context.id), accept_types: ['ltiResourceLink'],
          accept_presentation_document_targets: ['iframe', 'window'], accept_media_types: 'application/vnd.ims.lti.v1.ltilink',
          auto_create: true, accept_multiple: false,
        }
    : undefined;

  if (moodle) {
    const p: Record<string, unknown> = {
      nonce, iat, exp: iat + ID_TOKEN_LIFETIME.moodle, iss: core.issuer, aud: tool.clientId,
      [CLAIM.deploymentId]: launch.deploymentId, [CLAIM.targetLinkUri]: targetLinkUri, sub,
      [CLAIM.lis]: { person_sourcedid: '', course_section_sourcedid: '' },
      [CLAIM.roles]: idTokenRoles('moodle', o.roles), [CLAIM.context]: contextClaim(core, o.context),
      [CLAIM.messageType]: messageType,
    };
    if (link) {
      p[CLAIM.resourceLink] = { title: link.title ?? tool.name, description: link.description ?? '', id: link.id };
      p[CLAIM.basicOutcome] = {
        lis_result_sourcedid: JSON.stringify({ data: { instanceid: link.id, userid: o.user.id, typeid: tool.deploymentId, launchid: Math.floor(Math.random() * 2e9) }, hash: randomHex(32) }),
        lis_outcome_service_url: `${core.url}/mod/lti/service.php`,
      };
    }
    Object.assign(p, { given_name: n.given, family_name: n.family, name: n.name });
    p[CLAIM.ext] = { user_username: o.user.username ?? `user${o.user.id}`, lms: 'moodle-2' };
    if (o.user.email) p.email = o.user.email;
    p[CLAIM.launchPresentation] = link
      ? { locale: 'en', document_target: 'iframe', return_url: returnUrl(core, o.context.id, link.id) }
      : { locale: 'en' };
    p[CLAIM.toolPlatform] = { product_family_code: 'moodle', version: '2024100706', guid: randomHexStable(core), name: 'emulator', description: 'Moodle LTI emulator' };
    p[CLAIM.version] = '1.3.0';
    // Moodle also puts the NRPS URL among the custom parameters (seen in every recorded id_token).
    p[CLAIM.custom] = nrps ? { ...custom, context_memberships_url: nrpsUrl } : custom;
    if (ags) p[CLAIM.ags] = ags;
    if (nrps) p[CLAIM.nrps] = nrps;
    if (dlSettings) p[CLAIM.deepLinking] = dlSettings;
    return p;
  }

  const privacy = tool.privacyLevel ?? 'public';
  const legacy = canvasLegacyUserId(core.issuer, o.user.id);
  const p: Record<string, unknown> = { [CLAIM.messageType]: messageType, [CLAIM.version]: '1.3.0' };
  if (linkClaimId !== undefined || !deepLinking) {
    p[CLAIM.resourceLink] = { id: linkClaimId ?? ltiContextId('canvas', core.issuer, o.context.id), description: link?.description ?? null, title: link?.title ?? o.context.title ?? null };
  }
  Object.assign(p, {
    aud: tool.clientId, azp: tool.clientId, [CLAIM.deploymentId]: launch.deploymentId,
    exp: iat + ID_TOKEN_LIFETIME.canvas, iat, iss: core.issuer, nonce, sub, [CLAIM.targetLinkUri]: targetLinkUri,
  });
  if (privacy === 'public') p.picture = `${core.url}/images/messages/avatar-50.png`;
  if ((privacy === 'public' || privacy === 'email_only') && o.user.email) p.email = o.user.email;
  if (privacy === 'public' || privacy === 'name_only') Object.assign(p, { name: n.name, given_name: n.given, family_name: n.family });
  p[CLAIM.lis] = { person_sourcedid: '$Person.sourcedId', course_offering_sourcedid: '$CourseSection.sourcedId' };
  if (!accountLevel) p[CLAIM.context] = contextClaim(core, o.context);
  p[CLAIM.toolPlatform] = { guid: 'emulatorRootAccountGuid0000000000000000:canvas-lms', name: 'Emulated Canvas', version: 'cloud', product_family_code: 'canvas' };
  p[CLAIM.launchPresentation] = { document_target: 'iframe', return_url: returnUrl(core, o.context.id, link?.id ?? ''), locale: 'en', height: 500, width: 500 };
  p.locale = 'en';
  p[CLAIM.roles] = idTokenRoles('canvas', o.roles);
  if (Object.keys(custom).length) p[CLAIM.custom] = custom;
  if (ags) p[CLAIM.ags] = ags;
  if (nrps) p[CLAIM.nrps] = nrps;
  if (dlSettings) p[CLAIM.deepLinking] = dlSettings;
  p['https://purl.imsglobal.org/spec/lti/claim/lti11_legacy_user_id'] = legacy;
  p['https://purl.imsglobal.org/spec/lti/claim/lti1p1'] = { user_id: legacy };
  p['https://www.instructure.com/placement'] = deepLinking ? 'link_selection' : link?.lineItem ? 'assignment_selection' : 'course_navigation';
  return p;
}

const guids = new WeakMap<Core, string>();
function randomHexStable(core: Core): string {
  let guid = guids.get(core);
  if (!guid) {
    guid = randomHex(16);
    guids.set(core, guid);
  }
  return guid;
}
