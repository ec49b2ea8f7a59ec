import type { AwardRevokedHook, BadgesDb } from '../badges';
import { setStatus } from '../credentials';
import { walletsDb } from './tables';

/**
 * Runs inside `revokeAward`'s transaction (registered with `onAwardRevoked` by the composition root,
 * src/app/subscribers.ts, in every role): every holder-bound
 * copy of the award is revoked in the same commit as the original.
 */
export const revokeHolderCopies: AwardRevokedHook = async (trx, award) => {
  const copies = await walletsDb(trx).selectFrom('holder_credentials').select(['status_list_id', 'status_index']).where('award_id', '=', award.id).execute();
  for (const copy of copies) await setStatus<BadgesDb>(trx, { listId: copy.status_list_id, index: copy.status_index, revoked: true });
};
