import { sql } from 'kysely';
import type { AnyDb } from '../db';

/**
 * Issuers per institution: when a platform is bound to an issuer of its own (or returned to the
 * default), every achievement of the platform's courses signs with that issuer from now on.
 * Credentials already issued keep theirs (signed documents stay verifiable). Registered by the
 * composition root as credentials' `onPlatformIssuerChanged` hook; runs on the executor it is given.
 */
export async function repointPlatformAchievements(db: AnyDb, change: { platformId: string; issuerId: string }): Promise<void> {
  await sql`update achievements set issuer_id = ${change.issuerId}, updated_at = now()
    where course_id in (select id from courses where platform_id = ${change.platformId}) and issuer_id is distinct from ${change.issuerId}`.execute(db);
}
