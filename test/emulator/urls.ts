// Service URLs as each LMS spells them. Moodle keeps `?type_id=N` on every AGS URL, so sub-resources
// (`/scores`, `/results`) go on the path before the query string.
import { randomAlnum } from './profile';
import type { Core } from './state';
import type { LineItem, ToolRegistration } from './types';

export function membershipsUrl(core: Core, tool: ToolRegistration, contextId: string): string {
  return core.profile === 'moodle'
    ? `${core.url}/mod/lti/services.php/CourseSection/${contextId}/bindings/${tool.deploymentId}/memberships`
    : `${core.url}/api/lti/courses/${contextId}/names_and_roles`;
}

export function lineItemsUrl(core: Core, tool: ToolRegistration, contextId: string): string {
  return core.profile === 'moodle'
    ? `${core.url}/mod/lti/services.php/${contextId}/lineitems?type_id=${tool.deploymentId}`
    : `${core.url}/api/lti/courses/${contextId}/line_items`;
}

export function lineItemUrl(core: Core, tool: ToolRegistration, item: Pick<LineItem, 'id' | 'contextId'>): string {
  return core.profile === 'moodle'
    ? `${core.url}/mod/lti/services.php/${item.contextId}/lineitems/${item.id}/lineitem?type_id=${tool.deploymentId}`
    : `${core.url}/api/lti/courses/${item.contextId}/line_items/${item.id}`;
}

/** Appends a path segment before any query string (`.../lineitem?type_id=9` -> `.../lineitem/results?type_id=9`). */
export function subResource(url: string, segment: string): string {
  const q = url.indexOf('?');
  return q < 0 ? `${url}/${segment}` : `${url.slice(0, q)}/${segment}${url.slice(q)}`;
}

export function returnUrl(core: Core, contextId: string, linkId: string): string {
  return core.profile === 'moodle'
    ? `${core.url}/mod/lti/return.php?course=${contextId}&launch_container=3&instanceid=${linkId}&sesskey=${randomAlnum(10)}`
    : `${core.url}/courses/${contextId}/external_content/success/external_tool_redirect`;
}

export function deepLinkReturnUrl(core: Core, tool: ToolRegistration, contextId: string): string {
  return core.profile === 'moodle'
    ? `${core.url}/mod/lti/contentitem_return.php?course=${contextId}&id=${tool.deploymentId}&sesskey=${randomAlnum(10)}`
    : `${core.url}/courses/${contextId}/deep_linking_response?modal=true&client_id=${encodeURIComponent(tool.clientId)}`;
}

/** Parses a line item id the way a tool holds it (URL) or the platform's number. */
export function parseLineItemId(id: number | string): number {
  if (typeof id === 'number') return id;
  const m = /(?:lineitems|line_items)\/(\d+)/.exec(id) ?? /^(\d+)$/.exec(id);
  if (!m?.[1]) throw new TypeError(`not a line item id: ${id}`);
  return Number(m[1]);
}
