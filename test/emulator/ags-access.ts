// Shared checks of the AGS endpoints: token and scope, media types, item ownership, and line item JSON.
import type { Request, Response } from 'express';
import { getLineItem } from './gradebook';
import { moodleError, notFound, unauthorized } from './service';
import type { Core } from './state';
import { bearerToken, injectedFailure } from './token';
import type { LineItem, ToolRegistration } from './types';

export function lineItemJson(core: Core, item: LineItem): Record<string, unknown> {
  if (core.profile === 'moodle') {
    const out: Record<string, unknown> = { id: item.url, label: item.label, scoreMaximum: item.scoreMaximum, resourceId: item.resourceId ?? '', tag: item.tag ?? '' };
    if (item.resourceLinkId) Object.assign(out, { resourceLinkId: item.resourceLinkId, ltiLinkId: item.resourceLinkId });
    return out;
  }
  const out: Record<string, unknown> = { id: item.url, scoreMaximum: item.scoreMaximum, label: item.label };
  for (const key of ['resourceId', 'tag', 'resourceLinkId', 'startDateTime', 'endDateTime'] as const) {
    if (item[key] !== undefined) out[key] = item[key];
  }
  return out;
}

/** Authorises a service call: token with one of the scopes, for the tool named by `type_id` if present. */
export function serviceAuth(core: Core, req: Request, res: Response, scopes: readonly string[]): ToolRegistration | undefined {
  if (injectedFailure(core, 'ags', res)) return undefined;
  const token = bearerToken(core, req, scopes);
  const tool = token && core.state.tools.get(token.clientId);
  const typeId = typeof req.query.type_id === 'string' ? req.query.type_id : undefined;
  if (!tool || (typeId !== undefined && typeId !== tool.deploymentId)) {
    unauthorized(core, req, res);
    return undefined;
  }
  return tool;
}

/** Moodle only serves its exact media types; Canvas is lenient. Answers 400 and returns false on a mismatch. */
export function acceptOk(core: Core, req: Request, res: Response, mediaType: string, path: string, container = false): boolean {
  if (core.profile !== 'moodle') return true;
  const accept = req.get('accept');
  if (!accept || accept.split(',').some((a) => a.trim().split(';')[0] === mediaType)) return true;
  moodleError(req, res, 400, container ? 'No context or unsupported content type' : `No handler found for ${path} ${accept} `);
  return false;
}

export function contentTypeOk(core: Core, req: Request, res: Response, mediaType: string, path: string): boolean {
  if (core.profile !== 'moodle') return true;
  const ct = (req.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
  if (ct === mediaType) return true;
  moodleError(req, res, 400, `No handler found for ${path}  ${ct}`);
  return false;
}

/** The item if it exists in this course and belongs to this tool (AGS shows a tool only its own items). */
export function ownItem(core: Core, req: Request, res: Response, tool: ToolRegistration): LineItem | undefined {
  const id = Number(req.params.itemId);
  const item = getLineItem(core, id);
  if (!item || item.clientId !== tool.clientId || item.contextId !== String(req.params.courseId)) {
    notFound(core, req, res, `Grade item ${req.params.itemId}`);
    return undefined;
  }
  return item;
}

