// Names and Role Provisioning Services. Canvas: pages of at most 50 members with `page`/`per_page` Link
// headers. Moodle (06-nrps.json): all members unless `limit`, `limit`/`from` paging with a straight-quoted
// `rel="next"` only, short role names, legacy LTI 2 JSON-LD on the old media type.
import express, { type Request, type Response, type Router } from 'express';
import { canvasLegacyUserId, displayName, ltiContextId, ltiUserId, memberRoles, SCOPES } from './profile';
import { MEDIA, intParam, notFound, sendMedia, unauthorized } from './service';
import type { Core } from './state';
import { injectedFailure, bearerToken } from './token';
import { membershipsUrl } from './urls';
import type { EmulatorMember, ToolRegistration } from './types';

const CANVAS_MAX_PAGE = 50;

function roleMatches(core: Core, member: EmulatorMember, role: string | undefined): boolean {
  if (!role) return true;
  const wanted = role.includes('#') ? role.slice(role.lastIndexOf('#') + 1) : role;
  return memberRoles('moodle', member.roles).includes(wanted);
}

function memberJson(core: Core, m: EmulatorMember, rlid: string | undefined, tool: ToolRegistration): Record<string, unknown> {
  const n = displayName(m);
  const userId = ltiUserId(core.profile, core.issuer, m);
  if (core.profile === 'moodle') {
    const out: Record<string, unknown> = { status: m.status ?? 'Active', roles: memberRoles('moodle', m.roles) };
    if (rlid) {
      out.message = [{
        'https://purl.imsglobal.org/spec/lti/claim/message_type': 'LtiResourceLinkRequest',
        'https://purl.imsglobal.org/spec/lti-bo/claim/basicoutcome': {
          lis_result_sourcedid: JSON.stringify({ data: { instanceid: rlid, userid: m.id, typeid: tool.deploymentId, launchid: 1 }, hash: '0'.repeat(64) }),
          lis_outcome_service_url: `${core.url}/mod/lti/service.php`,
        },
      }];
    }
    return { ...out, user_id: userId, lis_person_sourcedid: '', name: n.name, given_name: n.given, family_name: n.family, ...(m.email ? { email: m.email } : {}), ext_user_username: m.username ?? `user${m.id}` };
  }
  return {
    status: m.status ?? 'Active', name: n.name, picture: `${core.url}/images/messages/avatar-50.png`, given_name: n.given, family_name: n.family,
    ...(m.email ? { email: m.email } : {}), user_id: userId, lti11_legacy_user_id: canvasLegacyUserId(core.issuer, m.id), roles: memberRoles('canvas', m.roles),
  };
}

function legacyJson(core: Core, url: string, contextId: string, members: EmulatorMember[]): Record<string, unknown> {
  return {
    '@context': 'http://purl.imsglobal.org/ctx/lis/v2/MembershipContainer', '@type': 'Page', '@id': url,
    pageOf: {
      '@type': 'LISMembershipContainer',
      membershipSubject: {
        '@type': 'Context', contextId,
        membership: members.map((m) => {
          const n = displayName(m);
          return { status: m.status ?? 'Active', role: memberRoles('moodle', m.roles), member: { '@type': 'LISPerson', userId: m.id, sourcedId: '', name: n.name, givenName: n.given, familyName: n.family, email: m.email ?? '', ext_user_username: m.username ?? `user${m.id}` } };
        }),
      },
    },
  };
}

function memberships(core: Core, req: Request, res: Response, courseId: string, bindingId?: string): void {
  if (injectedFailure(core, 'nrps', res)) return;
  const token = bearerToken(core, req, [SCOPES.nrps]);
  const tool = token && core.state.tools.get(token.clientId);
  // A token is only good for its own tool's binding (Moodle answers 401 on another type id).
  if (!token || !tool || (bindingId !== undefined && bindingId !== tool.deploymentId)) return unauthorized(core, req, res);
  const context = core.state.contexts.get(courseId);
  if (!context && !core.state.members.has(courseId)) return notFound(core, req, res, `Course ${courseId}`);
  const role = typeof req.query.role === 'string' ? req.query.role : undefined;
  const all = [...core.state.roster(courseId).values()].filter((m) => roleMatches(core, m, role));
  const url = membershipsUrl(core, tool, courseId);
  const title = context?.title ?? `Course ${courseId}`;
  const label = context?.label ?? `COURSE${courseId}`;
  const rlid = typeof req.query.rlid === 'string' ? req.query.rlid : undefined;

  if (core.profile === 'moodle') {
    if (rlid !== undefined && !core.state.resourceLinks.has(rlid)) return notFound(core, req, res, `LTI link ${rlid}`);
    const limit = intParam(req.query.limit);
    const from = intParam(req.query.from) ?? 0;
    const page = limit ? all.slice(from, from + limit) : all;
    if (limit && from + limit < all.length) {
      const q = new URLSearchParams({ ...(role ? { role } : {}), limit: String(limit), from: String(from + limit) });
      res.set('Link', `<${url}?${q.toString()}>; rel="next"`);
    }
    // Moodle answers its NRPS media type even without Accept; the old lis.v2 type gets LTI 2 JSON-LD.
    if (req.get('accept') === MEDIA.legacyMembership) return sendMedia(core, res, 200, MEDIA.legacyMembership, legacyJson(core, url, courseId, page));
    return sendMedia(core, res, 200, MEDIA.membership, { id: url, context: { id: courseId, label, title }, members: page.map((m) => memberJson(core, m, rlid, tool)) });
  }

  const perPage = Math.min(intParam(req.query.limit) ?? intParam(req.query.per_page) ?? core.nrpsDefaultLimit ?? CANVAS_MAX_PAGE, CANVAS_MAX_PAGE) || CANVAS_MAX_PAGE;
  const pageNo = Math.max(intParam(req.query.page) ?? 1, 1);
  const lastPage = Math.max(Math.ceil(all.length / perPage), 1);
  const page = all.slice((pageNo - 1) * perPage, pageNo * perPage);
  const link = (p: number): string => {
    const q = new URLSearchParams({ ...(role ? { role } : {}), ...(rlid ? { rlid } : {}), page: String(p), per_page: String(perPage) });
    return `<${url}?${q.toString()}>`;
  };
  const links = [`${link(pageNo)}; rel="current"`];
  if (pageNo < lastPage) links.push(`${link(pageNo + 1)}; rel="next"`);
  if (pageNo > 1) links.push(`${link(pageNo - 1)}; rel="prev"`);
  links.push(`${link(1)}; rel="first"`, `${link(lastPage)}; rel="last"`);
  res.set('Link', links.join(','));
  sendMedia(core, res, 200, MEDIA.membership, {
    id: `${url}${req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : ''}`,
    context: { id: ltiContextId('canvas', core.issuer, courseId), label, title },
    members: page.map((m) => memberJson(core, m, rlid, tool)),
  });
}

export function nrpsRouter(core: Core): Router {
  const router = express.Router();
  if (core.profile === 'moodle') {
    router.get('/mod/lti/services.php/CourseSection/:courseId/bindings/:bindingId/memberships', (req, res) => memberships(core, req, res, String(req.params.courseId), String(req.params.bindingId)));
  } else {
    router.get('/api/lti/courses/:courseId/names_and_roles', (req, res) => memberships(core, req, res, String(req.params.courseId)));
  }
  return router;
}
