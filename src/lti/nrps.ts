import type { Kysely } from 'kysely';
import { z } from 'zod';
import { markRosterSynced, storeRosterPage, type Course } from '../courses';
import { LaurelError } from '../errors';
import { nextPage, parseLinks, readJson, type PlatformHttp } from './http';
import type { AccessTokenSource } from './service-token';
import { SCOPES } from './tool-config';

const NRPS_MEDIA_TYPE = 'application/vnd.ims.lti-nrps.v2.membershipcontainer+json';

const memberSchema = z
  .object({
    user_id: z.union([z.string().min(1), z.number()]).transform(String),
    status: z.enum(['Active', 'Inactive', 'Deleted']).optional(),
    roles: z.array(z.string()).default([]),
    name: z.string().nullish(),
    given_name: z.string().nullish(),
    family_name: z.string().nullish(),
    email: z.string().nullish(),
  })
  .passthrough();
export type Member = z.infer<typeof memberSchema>;

const containerSchema = z.object({ members: z.array(z.unknown()).default([]) }).passthrough();

/**
 * Every member of a context, page by page, following `Link: <...>; rel="next"` (Canvas pages hold at
 * most 50 members, Moodle pages when asked with `limit`). Malformed members are skipped, not fatal.
 */
export async function* membershipPages(deps: { http: PlatformHttp; tokens: AccessTokenSource }, url: string, options: { maxPages?: number } = {}): AsyncGenerator<Member[]> {
  const maxPages = options.maxPages ?? 1000;
  let next: string | undefined = url;
  const seen = new Set<string>();
  for (let page = 0; next; page++) {
    if (page >= maxPages || seen.has(next)) throw new LaurelError('ERR_UNAVAILABLE', `The roster did not end after ${page} pages.`);
    seen.add(next);
    const token = await deps.tokens.token([SCOPES.nrps]);
    const response = await deps.http(next, { headers: { accept: NRPS_MEDIA_TYPE, authorization: `Bearer ${token}` } });
    const body = containerSchema.safeParse(await readJson(response, 'list the course members'));
    if (!body.success) throw new LaurelError('ERR_UNAVAILABLE', 'The roster answer has no members list.');
    const members: Member[] = [];
    for (const raw of body.data.members) {
      const member = memberSchema.safeParse(raw);
      if (member.success) members.push(member.data);
    }
    yield members;
    const link = parseLinks(response.headers.get('link')).next;
    next = link ? nextPage(next, link) : undefined;
  }
}

export interface RosterSyncResult {
  pages: number;
  members: number;
}

/**
 * Stores a course's roster from Names and Roles so badges can go to learners who never opened Laurel.
 * Each page is written in one transaction with two statements (learners, then enrolments), with the
 * same rules as a launch: names and emails the platform withholds never erase known ones.
 */
export async function syncRoster<T>(deps: { db: Kysely<T>; http: PlatformHttp; tokens: AccessTokenSource }, course: Pick<Course, 'id' | 'platform_id' | 'nrps_url'>): Promise<RosterSyncResult> {
  if (!course.nrps_url || !course.platform_id) throw new LaurelError('ERR_CONFLICT', 'This course has no Names and Roles service: open Laurel from the course once first.');
  const platformId = course.platform_id;
  let pages = 0;
  let members = 0;
  for await (const page of membershipPages(deps, course.nrps_url)) {
    pages++;
    members += page.length;
    if (page.length === 0) continue;
    // One row per user: a platform listing someone twice must not make the upsert touch a row twice.
    const unique = [...new Map(page.map((m) => [m.user_id, m])).values()];
    await deps.db.transaction().execute((trx) =>
      storeRosterPage(trx, { platformId, courseId: course.id, members: unique.map((m) => ({ ltiUserId: m.user_id, email: m.email || null, name: displayName(m), roles: m.roles, status: statusOf(m) })) }),
    );
  }
  await markRosterSynced(deps.db, course.id);
  return { pages, members };
}

function displayName(member: Member): string | null {
  return member.name || [member.given_name, member.family_name].filter(Boolean).join(' ') || null;
}

function statusOf(member: Member): 'active' | 'inactive' | 'deleted' {
  return member.status === 'Inactive' ? 'inactive' : member.status === 'Deleted' ? 'deleted' : 'active';
}
