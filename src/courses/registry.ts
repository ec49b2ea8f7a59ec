import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { asTables, type AnyDb } from '../db';
import { LaurelError } from '../errors';
import type { CourseTables, Lms } from './tables';

/**
 * The platform registry: the LMS platforms (tenants) Laurel knows and their deployments. lti registers,
 * activates and removes platforms through these functions; the HTTP kit's frame-ancestors and the
 * operators list read them here too. Only this module touches `platforms` and `deployments`.
 */

type Platform = Selectable<CourseTables['platforms']>;
type PlatformStatus = Platform['status'];
const on = (db: AnyDb): Kysely<CourseTables> => asTables<CourseTables>(db);
/** The caller's transaction, whatever tables it typed its handle with (statements that must commit together). */
type AnyTransaction = Transaction<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface PlatformListing extends Platform {
  deploymentIds: string[];
}

/** Every platform (oldest first) with the LTI deployment ids recorded for it. */
export async function listPlatformsWithDeployments(db: AnyDb): Promise<PlatformListing[]> {
  const platforms = await on(db).selectFrom('platforms').selectAll().orderBy('created_at').execute();
  const deployments = await on(db).selectFrom('deployments').select(['platform_id', 'deployment_id']).orderBy('created_at').execute();
  return platforms.map((p) => ({ ...p, deploymentIds: deployments.filter((d) => d.platform_id === p.id).map((d) => d.deployment_id) }));
}

/** The platforms (one per client id) registered under an issuer: what a launch's `iss` may name. */
export function platformsOfIssuer(db: AnyDb, issuer: string): Promise<Platform[]> {
  return on(db).selectFrom('platforms').selectAll().where('issuer', '=', issuer).execute();
}

/** Sets a platform's status; ERR_NOT_FOUND when no platform has this id. */
export async function setPlatformStatus(db: AnyDb, props: { platformId: string; status: PlatformStatus }): Promise<void> {
  const result = await on(db).updateTable('platforms').set({ status: props.status, updated_at: sql`now()` }).where('id', '=', props.platformId).executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw new LaurelError('ERR_NOT_FOUND', 'No such platform.');
}

/**
 * Moves a `pending` platform to `active` in one conditional UPDATE (two admins racing activate it once);
 * the platform, or undefined when it is not pending. Runs in the caller's transaction, which audits it.
 */
export function activatePendingPlatform(trx: AnyTransaction, props: { platformId: string; now: Date }): Promise<Platform | undefined> {
  return on(trx).updateTable('platforms').set({ status: 'active', updated_at: props.now })
    .where('id', '=', props.platformId).where('status', '=', 'pending').returningAll().executeTakeFirst();
}

/** Disables the platform of an issuer and client id (rows referring to it stay); whether one was. */
export async function disablePlatform(db: AnyDb, props: { issuer: string; clientId: string }): Promise<boolean> {
  const result = await on(db)
    .updateTable('platforms')
    .set({ status: 'disabled', updated_at: sql`now()` })
    .where('issuer', '=', props.issuer)
    .where('client_id', '=', props.clientId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Records which LMS a platform registered as 'other' turned out to be (its launches' tool_platform claim). */
export async function recordPlatformLms(db: AnyDb, props: { platformId: string; lms: Exclude<Lms, 'other'> }): Promise<void> {
  await on(db).updateTable('platforms').set({ lms: props.lms, updated_at: sql`now()` }).where('id', '=', props.platformId).where('lms', '=', 'other').execute();
}

/** A platform's web addresses: where it frames Laurel from (see the HTTP kit's FrameAncestors). */
export interface FramingPlatform {
  issuer: string;
  authEndpoint: string;
  lms: Lms;
}

/** The web addresses of every platform not disabled (pending ones too: their admin opens Laurel to confirm). */
export async function framingPlatforms(db: AnyDb): Promise<FramingPlatform[]> {
  const rows = await on(db).selectFrom('platforms').select(['issuer', 'auth_endpoint', 'lms']).where('status', '<>', 'disabled').execute();
  return rows.map((r) => ({ issuer: r.issuer, authEndpoint: r.auth_endpoint, lms: r.lms }));
}

/** Platform names by id (ids without a platform are absent). */
export async function platformNames(db: AnyDb, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await on(db).selectFrom('platforms').select(['id', 'name']).where('id', 'in', [...new Set(ids)]).execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}
