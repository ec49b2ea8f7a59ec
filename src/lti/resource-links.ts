import { sql } from 'kysely';
import type { AnyDb } from '../db';

/**
 * The AGS line item a course's launches named for the course page itself (a resource link placed as
 * an assignment whose target is the course), the most recently launched first; undefined when none did.
 */
export async function courseLineItemUrl(db: AnyDb, courseId: string): Promise<string | undefined> {
  const row = (await sql<{ lineitem_url: string }>`
    select lineitem_url from lti_resource_links where course_id = ${courseId} and lineitem_url is not null and target = 'course'
    order by updated_at desc limit 1`.execute(db)).rows[0];
  return row?.lineitem_url;
}
