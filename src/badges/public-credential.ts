import { LaurelError } from '../errors';
import { getAchievement, type AchievementRow } from './achievements';
import { effectiveStatus, type AwardRow } from './awards';
import { badgesDb, clock, type BadgesDeps } from './deps';
import { findCredential, type CredentialRow } from './issue';
import type { IssuerSummary } from './port';

export interface PublicCredential {
  credential: CredentialRow;
  award: AwardRow;
  achievement: AchievementRow;
  issuer: IssuerSummary | undefined;
  recipientName: string | null;
  /** Status as of now: revocation shows at once, expiry without waiting for the sweep. */
  status: AwardRow['status'];
}

/** Everything the public credential page and its downloads show, read in one go. */
export async function loadPublicCredential(deps: BadgesDeps, id: string): Promise<PublicCredential> {
  const credential = await findCredential(deps, id);
  if (!credential) throw new LaurelError('ERR_NOT_FOUND', 'No credential has this id.');
  const db = badgesDb(deps.db);
  const award = await db.selectFrom('awards').selectAll().where('id', '=', credential.award_id).executeTakeFirstOrThrow();
  const learner = await db.selectFrom('learners').select(['name']).where('id', '=', award.learner_id).executeTakeFirstOrThrow();
  const achievement = await getAchievement(deps, award.achievement_id);
  const issuer = await deps.credentials.issuerProfile(deps.db, credential.issuer_id);
  const now = clock(deps);
  const expired = credential.valid_until !== null && credential.valid_until.getTime() <= now.getTime();
  const status = award.status === 'revoked' ? 'revoked' : expired ? 'expired' : effectiveStatus(award, now);
  return { credential, award, achievement, issuer, recipientName: learner.name, status };
}
