import { z } from 'zod';
import { LaurelError } from '../errors';
import { nextPage, parseLinks, readJson, type PlatformHttp } from './http';
import type { AccessTokenSource } from './service-token';
import { SCOPES } from './tool-config';

const MEDIA = {
  container: 'application/vnd.ims.lis.v2.lineitemcontainer+json',
  item: 'application/vnd.ims.lis.v2.lineitem+json',
  results: 'application/vnd.ims.lis.v2.resultcontainer+json',
  score: 'application/vnd.ims.lis.v1.score+json',
} as const;

const AGS_SCOPES = [SCOPES.lineItem, SCOPES.result, SCOPES.score];

const lineItemSchema = z
  .object({
    id: z.string().min(1),
    label: z.string().default(''),
    scoreMaximum: z.coerce.number(),
    resourceId: z.string().nullish(),
    tag: z.string().nullish(),
    resourceLinkId: z.string().nullish(),
  })
  .passthrough();
export type LineItem = z.infer<typeof lineItemSchema>;

const resultSchema = z
  .object({
    id: z.string().optional(),
    userId: z.union([z.string(), z.number()]).transform(String),
    resultScore: z.coerce.number().nullish(),
    resultMaximum: z.coerce.number().nullish(),
    comment: z.string().nullish(),
    scoreOf: z.string().optional(),
    timestamp: z.string().optional(),
  })
  .passthrough();
export type AgsResult = z.infer<typeof resultSchema>;

export interface NewLineItem {
  label: string;
  scoreMaximum: number;
  /** The tool's own id for what is graded; with `tag`, how Laurel finds its item again. */
  resourceId: string;
  tag: string;
  resourceLinkId?: string;
}

export interface ScoreProps {
  userId: string;
  scoreGiven: number;
  scoreMaximum: number;
  comment?: string;
  /** ISO 8601 with milliseconds; platforms refuse a score not newer than the stored one (Moodle: 409). */
  timestamp: string;
  activityProgress?: 'Initialized' | 'Started' | 'InProgress' | 'Submitted' | 'Completed';
  gradingProgress?: 'FullyGraded' | 'Pending' | 'PendingManual' | 'Failed' | 'NotReady';
}

/**
 * `/scores` or `/results` appended to a line item URL's path, keeping its query: Moodle's item URLs
 * carry `?type_id=N`, and `…/lineitem?type_id=9/scores` would be wrong.
 */
export function servicePath(lineItemUrl: string, suffix: 'scores' | 'results'): string {
  const url = new URL(lineItemUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${suffix}`;
  return url.toString();
}

/** Assignment and Grade Services client for one platform. */
export class AgsClient {
  constructor(private readonly deps: { http: PlatformHttp; tokens: AccessTokenSource }) {}

  /** Every line item of a context (only the tool's own: platforms show a tool nothing else), all pages. */
  async listLineItems(lineItemsUrl: string, filter: { resourceId?: string; tag?: string; resourceLinkId?: string } = {}): Promise<LineItem[]> {
    const url = new URL(lineItemsUrl);
    if (filter.resourceId) url.searchParams.set('resource_id', filter.resourceId);
    if (filter.tag) url.searchParams.set('tag', filter.tag);
    if (filter.resourceLinkId) url.searchParams.set('resource_link_id', filter.resourceLinkId);
    const items: LineItem[] = [];
    for await (const page of this.pages(url.toString(), MEDIA.container, 'list line items')) {
      for (const raw of Array.isArray(page) ? page : []) {
        const item = lineItemSchema.safeParse(raw);
        if (item.success) items.push(item.data);
      }
    }
    // Filters are applied again here: a platform that ignores them must not make Laurel pick another item.
    return items.filter(
      (i) => (!filter.resourceId || i.resourceId === filter.resourceId) && (!filter.tag || i.tag === filter.tag) && (!filter.resourceLinkId || i.resourceLinkId === filter.resourceLinkId),
    );
  }

  /**
   * Laurel's line item for `resourceId` + `tag`, created when missing. Creation is not idempotent on
   * the platforms, so the lookup comes first; running this twice leaves one item.
   */
  async findOrCreateLineItem(lineItemsUrl: string, item: NewLineItem): Promise<LineItem> {
    const existing = await this.listLineItems(lineItemsUrl, { resourceId: item.resourceId, tag: item.tag });
    if (existing[0]) return existing[0];
    const response = await this.call(lineItemsUrl, { method: 'POST', headers: { 'content-type': MEDIA.item, accept: MEDIA.item }, body: JSON.stringify(item) });
    const created = lineItemSchema.safeParse(await readJson(response, 'create a line item'));
    if (!created.success) throw new LaurelError('ERR_UNAVAILABLE', 'The LMS created a line item but did not describe it.');
    return created.data;
  }

  /** Results of a line item, optionally for one user, all pages. */
  async readResults(lineItemUrl: string, filter: { userId?: string } = {}): Promise<AgsResult[]> {
    const url = new URL(servicePath(lineItemUrl, 'results'));
    if (filter.userId) url.searchParams.set('user_id', filter.userId);
    const results: AgsResult[] = [];
    for await (const page of this.pages(url.toString(), MEDIA.results, 'read results')) {
      for (const raw of Array.isArray(page) ? page : []) {
        const result = resultSchema.safeParse(raw);
        if (result.success) results.push(result.data);
      }
    }
    return results;
  }

  async postScore(lineItemUrl: string, score: ScoreProps): Promise<void> {
    const body = {
      userId: score.userId,
      scoreGiven: score.scoreGiven,
      scoreMaximum: score.scoreMaximum,
      ...(score.comment ? { comment: score.comment } : {}),
      timestamp: score.timestamp,
      activityProgress: score.activityProgress ?? 'Completed',
      gradingProgress: score.gradingProgress ?? 'FullyGraded',
    };
    const response = await this.call(servicePath(lineItemUrl, 'scores'), { method: 'POST', headers: { 'content-type': MEDIA.score }, body: JSON.stringify(body) });
    await readJson(response, 'post a score');
  }

  private async call(url: string, init: RequestInit): Promise<Response> {
    const token = await this.deps.tokens.token(AGS_SCOPES);
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${token}`);
    return this.deps.http(url, { ...init, headers });
  }

  private async *pages(url: string, accept: string, what: string): AsyncGenerator<unknown> {
    let next: string | undefined = url;
    const seen = new Set<string>();
    while (next && !seen.has(next) && seen.size < 500) {
      seen.add(next);
      const response = await this.call(next, { headers: { accept } });
      yield await readJson(response, what);
      const link = parseLinks(response.headers.get('link')).next;
      next = link ? nextPage(next, link) : undefined;
    }
  }
}
