import type { Kysely } from 'kysely';
import type { AnyDb } from '../db';
import type { Config } from '../config';
import { LaurelError } from '../errors';
import { upsertIssuer, type Issuer } from './issuers';
import { on } from './keys';

/**
 * Issuers belong to institutions. One default issuer serves a single institution; a platform may be
 * bound to an issuer of its own (its own profile, keys and status lists), so two institutions sharing
 * one Laurel never sign for each other. `issuerIdForPlatform` is the one place that answers "which
 * issuer signs for this course": achievements take it when created, and binding re-points the
 * platform's achievements, so every credential issued afterwards is signed by the institution's issuer.
 */

/** The issuer bound to the platform, or the default one (`defaultIssuerId`, created lazily by its owner). */
export async function issuerIdForPlatform<T>(db: Kysely<T>, platformId: string | null, defaultIssuerId: () => Promise<string>): Promise<string> {
  if (platformId) {
    const bound = await on(db).selectFrom('credential_issuers').select('id').where('platform_id', '=', platformId).executeTakeFirst();
    if (bound) return bound.id;
  }
  return defaultIssuerId();
}

/** The issuer bound to a platform, if any. */
export async function platformIssuer<T>(db: Kysely<T>, platformId: string): Promise<Issuer | undefined> {
  return on(db).selectFrom('credential_issuers').selectAll().where('platform_id', '=', platformId).executeTakeFirst();
}

/** `p-` and the platform id's first 12 hex digits: a stable slug for the issuer's did:web path. */
export const platformIssuerSlug = (platformId: string) => `p-${platformId.replace(/-/g, '').slice(0, 12)}`;

/**
 * Gives a platform an issuer of its own (created with its keys, named after the institution) and
 * re-points the platform's achievements to it. Credentials already issued keep their issuer: they are
 * signed documents and stay verifiable. Idempotent.
 */
export async function bindPlatformIssuer<T>(db: Kysely<T>, config: Config, props: { platformId: string; name: string; now: Date }): Promise<Issuer> {
  const existing = await platformIssuer(db, props.platformId);
  const issuer = existing ?? (await upsertIssuer(db, config, { id: platformIssuerSlug(props.platformId), name: props.name, platformId: props.platformId }, props.now));
  await repoint(db, props.platformId, issuer.id);
  return issuer;
}

/**
 * Returns a platform to the default issuer: its own issuer stays (its keys keep verifying what it
 * signed) but is no longer bound, and the platform's achievements sign with the default from now on.
 */
export async function unbindPlatformIssuer<T>(db: Kysely<T>, props: { platformId: string; defaultIssuerId: string }): Promise<void> {
  const bound = await platformIssuer(db, props.platformId);
  if (!bound) throw new LaurelError('ERR_NOT_FOUND', 'This platform has no issuer of its own.');
  await on(db).updateTable('credential_issuers').set({ platform_id: null }).where('id', '=', bound.id).execute();
  await repoint(db, props.platformId, props.defaultIssuerId);
}

/**
 * What must follow a platform's issuer change: its achievements (the badges module's table) sign with
 * the new issuer from now on. Credentials cannot import badges (badges depends on credentials), so the
 * composition root registers badges' repointing here (src/app/subscribers.ts, in every process that
 * binds: the web app and the `laurel issuer` command). It runs on the executor the change ran on, so a
 * caller's transaction covers both, exactly as when this module updated the rows itself.
 */
export type PlatformIssuerChangedHook = (db: AnyDb, change: { platformId: string; issuerId: string }) => Promise<void>;
const issuerChangedHooks: PlatformIssuerChangedHook[] = [];

/** Registers a hook run after every bind and unbind (idempotent per function). */
export function onPlatformIssuerChanged(hook: PlatformIssuerChangedHook): void {
  if (!issuerChangedHooks.includes(hook)) issuerChangedHooks.push(hook);
}

async function repoint<T>(db: Kysely<T>, platformId: string, issuerId: string): Promise<void> {
  // Unwired, the achievements would keep signing with the old issuer without a word: refuse instead.
  if (issuerChangedHooks.length === 0) throw new Error('No platform issuer hook is registered: the composition root must call registerInTransactionPorts() (src/app).');
  for (const hook of issuerChangedHooks) await hook(db, { platformId, issuerId });
}
