import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { badgesDb } from './deps';

export interface LearnerCredentialPage {
  total: number;
  items: { id: string; document: Record<string, unknown>; jws: string; issuedAt: Date }[];
}

/**
 * One learner's signed credentials, oldest first, paged (the OB 3.0 API's getCredentials reads
 * through this). `since` keeps credentials issued strictly after it. Scoped to the learner: the
 * caller has already established who the learner is.
 */
export async function learnerCredentials<T>(db: Kysely<T>, props: { learnerId: string; limit: number; offset: number; since?: Date }): Promise<LearnerCredentialPage> {
  const since = props.since ?? new Date(0);
  const handle = badgesDb(db);
  const { rows } = await sql<{ id: string; document: Record<string, unknown>; jws: string; issued_at: Date; total: string }>`
    select c.id, c.document, c.jws, c.issued_at, count(*) over () as total
    from credentials c join awards a on a.id = c.award_id
    where a.learner_id = ${props.learnerId}::uuid and c.issued_at > ${since}
    order by c.issued_at, c.id
    limit ${props.limit} offset ${props.offset}`.execute(handle);
  let total = rows[0] ? Number(rows[0].total) : 0;
  if (!rows[0] && props.offset > 0) {
    const counted = await sql<{ n: string }>`select count(*) as n from credentials c join awards a on a.id = c.award_id where a.learner_id = ${props.learnerId}::uuid and c.issued_at > ${since}`.execute(handle);
    total = Number(counted.rows[0]?.n ?? 0);
  }
  return { total, items: rows.map((r) => ({ id: r.id, document: r.document, jws: r.jws, issuedAt: r.issued_at })) };
}
