// The platform end of Deep Linking: the tool auto-posts a signed LtiDeepLinkingResponse (form field `JWT`)
// to deep_link_return_url; the platform verifies it against the tool's JWKS and creates the chosen links.
import express, { type Request, type Response, type Router } from 'express';
import { decodeJwt, jwtVerify } from 'jose';
import { createLineItem } from './gradebook';
import { errorPage, escapeHtml, page } from './html';
import { ltiResourceLinkId } from './profile';
import type { Core } from './state';
import { toolKeys } from './token';
import type { DeepLinkReturn } from './types';

const DL = 'https://purl.imsglobal.org/spec/lti-dl/claim';

async function receive(core: Core, req: Request, res: Response, courseId: string): Promise<void> {
  const jwt = typeof req.body?.JWT === 'string' ? (req.body.JWT as string) : undefined;
  const fail = (message: string): void => void res.status(400).type('html').send(errorPage(message));
  if (!jwt) return fail('Missing JWT');
  let clientId: string | undefined;
  try {
    clientId = decodeJwt(jwt).iss;
  } catch {
    return fail('Malformed JWT');
  }
  const tool = clientId ? core.state.tools.get(clientId) : undefined;
  if (!tool) return fail('Unknown tool');
  let payload: Record<string, unknown>;
  try {
    // The response must be signed by the tool's own key and addressed to this platform.
    ({ payload } = await jwtVerify(jwt, toolKeys(tool.jwksUrl), { algorithms: ['RS256'], audience: core.issuer, issuer: tool.clientId }));
  } catch (e) {
    return fail(`Invalid deep linking response: ${(e as Error).message}`);
  }
  if (payload['https://purl.imsglobal.org/spec/lti/claim/message_type'] !== 'LtiDeepLinkingResponse') return fail('Wrong message_type');
  if (payload['https://purl.imsglobal.org/spec/lti/claim/deployment_id'] !== tool.deploymentId) return fail('Wrong deployment_id');
  const items = Array.isArray(payload[`${DL}/content_items`]) ? (payload[`${DL}/content_items`] as Record<string, unknown>[]) : [];
  const record: DeepLinkReturn = { clientId: tool.clientId, payload, contentItems: items, created: [] };
  for (const item of items.filter((i) => i.type === 'ltiResourceLink')) {
    const linkId = String(core.state.nextResourceLinkNumber++);
    core.state.resourceLinks.add(linkId);
    const created: DeepLinkReturn['created'][number] = { resourceLinkId: linkId };
    if (typeof item.title === 'string') created.title = item.title;
    if (item.custom && typeof item.custom === 'object') created.custom = item.custom as Record<string, string>;
    const li = item.lineItem as { scoreMaximum?: unknown; label?: unknown; tag?: unknown; resourceId?: unknown } | undefined;
    if (li && typeof li.scoreMaximum === 'number') {
      created.lineItemId = createLineItem(core, {
        contextId: courseId, clientId: tool.clientId, scoreMaximum: li.scoreMaximum,
        label: typeof li.label === 'string' ? li.label : (created.title ?? 'Deep-linked item'),
        resourceLinkId: ltiResourceLinkId(core.profile, core.issuer, linkId),
        ...(typeof li.tag === 'string' ? { tag: li.tag } : {}),
        ...(typeof li.resourceId === 'string' ? { resourceId: li.resourceId } : {}),
      }).id;
    }
    record.created.push(created);
  }
  core.state.deepLinks.push(record);
  const msg = typeof payload[`${DL}/msg`] === 'string' ? (payload[`${DL}/msg`] as string) : 'Content added';
  res.type('html').send(page('Deep linking', `<h1>${escapeHtml(msg)}</h1><ul>${record.created.map((c) => `<li>${escapeHtml(c.title ?? c.resourceLinkId)}</li>`).join('')}</ul>`));
}

export function deepLinkingRouter(core: Core): Router {
  const router = express.Router();
  const wrap = (course: (req: Request) => string) => (req: Request, res: Response, next: (e?: unknown) => void) => {
    receive(core, req, res, course(req)).catch(next);
  };
  if (core.profile === 'moodle') router.post('/mod/lti/contentitem_return.php', wrap((req) => String(req.query.course)));
  else router.post('/courses/:courseId/deep_linking_response', wrap((req) => String(req.params.courseId)));
  return router;
}
