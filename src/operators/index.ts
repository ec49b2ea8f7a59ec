import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { LaurelError } from '../errors';
import { asTables } from '../db';
import { getPlatform, ltiUserIdOf, platformNames } from '../courses';

/**
 * Instance operators: the people who run Laurel name them (`laurel operator add|list|remove`), by a
 * platform and that platform's LTI user id, so no LMS role can make anyone an operator. Someone who
 * cannot launch from an LMS (a fresh installation) signs in once with `laurel operator link`.
 */

export interface OperatorTables {
  operators: { id: string; platform_id: string; lti_user_id: string; note: string | null; created_at: Date };
  operator_links: { id: string; token_hash: string; label: string; expires_at: Date; used_at: Date | null; created_at: Date };
}
type AnyDb = Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const on = (db: AnyDb) => asTables<OperatorTables>(db);

export interface Operator {
  id: string;
  platformId: string;
  platformName: string;
  ltiUserId: string;
  note: string | null;
  createdAt: Date;
}

export async function addOperator(db: AnyDb, props: { platformId: string; ltiUserId: string; note?: string }): Promise<Operator> {
  const platform = await getPlatform(db, props.platformId);
  if (!platform) throw new LaurelError('ERR_NOT_FOUND', `No platform has the id ${props.platformId} (laurel platform list).`);
  const row = await on(db).insertInto('operators').values({ platform_id: props.platformId, lti_user_id: props.ltiUserId, note: props.note ?? null } as never)
    .onConflict((oc) => oc.columns(['platform_id', 'lti_user_id']).doUpdateSet({ note: props.note ?? null }))
    .returningAll().executeTakeFirstOrThrow();
  return { id: row.id, platformId: row.platform_id, platformName: platform.name, ltiUserId: row.lti_user_id, note: row.note, createdAt: row.created_at };
}

export async function listOperators(db: AnyDb): Promise<Operator[]> {
  const rows = await on(db).selectFrom('operators').selectAll().orderBy('created_at').execute();
  // Platform names come from the registry (courses); an operator's platform always exists (foreign key, cascade).
  const names = await platformNames(db, rows.map((r) => r.platform_id));
  return rows.flatMap((r) => {
    const platformName = names.get(r.platform_id);
    return platformName === undefined ? [] : [{ id: r.id, platformId: r.platform_id, platformName, ltiUserId: r.lti_user_id, note: r.note, createdAt: r.created_at }];
  });
}

/** Removes by id, or by platform and LTI user id; returns how many were removed. */
export async function removeOperator(db: AnyDb, props: { id: string } | { platformId: string; ltiUserId: string }): Promise<number> {
  let query = on(db).deleteFrom('operators');
  query = 'id' in props ? query.where('id', '=', props.id) : query.where('platform_id', '=', props.platformId).where('lti_user_id', '=', props.ltiUserId);
  return Number((await query.executeTakeFirst()).numDeletedRows);
}

/** Whether the person (a learner row of a platform) is a named operator. Read on every request, so removal takes effect at once. */
export async function isOperator(db: AnyDb, props: { platformId: string; learnerId: string }): Promise<boolean> {
  // The person's LTI user id on that very platform (courses owns learners), then Laurel's own list.
  const ltiUserId = await ltiUserIdOf(db, props);
  if (ltiUserId === undefined) return false;
  const row = await on(db).selectFrom('operators').select('id').where('platform_id', '=', props.platformId).where('lti_user_id', '=', ltiUserId).executeTakeFirst();
  return row !== undefined;
}

const hash = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('hex');

/** A one-time sign-in secret (the URL is printed by the CLI; only its hash is stored). */
export async function createSignInLink(db: AnyDb, props: { label: string; minutes: number; now: Date }): Promise<{ secret: string; expiresAt: Date }> {
  const secret = randomBytes(32).toString('base64url');
  const expiresAt = new Date(props.now.getTime() + props.minutes * 60_000);
  await on(db).insertInto('operator_links').values({ token_hash: hash(secret), label: props.label, expires_at: expiresAt } as never).execute();
  return { secret, expiresAt };
}

/**
 * Spends a sign-in secret: one conditional UPDATE, so two browsers racing with the same link cannot
 * both get a session. Returns the link's label (the operator's name in the audit log), or undefined.
 */
export async function consumeSignInLink(db: AnyDb, props: { secret: string; now: Date }): Promise<{ id: string; label: string } | undefined> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(props.secret)) return undefined;
  const row = await on(db).updateTable('operator_links').set({ used_at: props.now })
    .where('token_hash', '=', hash(props.secret)).where('used_at', 'is', null).where('expires_at', '>', props.now)
    .returning(['id', 'label']).executeTakeFirst();
  return row;
}
