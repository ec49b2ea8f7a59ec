import type { Kysely } from 'kysely';
import { audit } from '../audit';
import type { FoundationTables } from '../db';
import { LaurelError } from '../errors';
import { createToken, listTokens, revokeToken, type ApiToken, type Scope } from './index';

/**
 * Token administration through the API, audited like the console's. Tokens are instance-wide
 * objects: a caller bound to one platform sees none and may not mint them (tokens bound to a
 * platform arrive with issue 15, which fills `scope.platformId`).
 */

type Db = Kysely<FoundationTables>;
interface Caller {
  scope: { platformId?: string };
  actor: string;
}

function instanceWide(caller: Caller, what: string): void {
  if (caller.scope.platformId !== undefined) throw new LaurelError('ERR_FORBIDDEN', `Only an instance-wide token may ${what}.`);
}

export async function listApiTokens(db: Db, caller: Pick<Caller, 'scope'>): Promise<ApiToken[]> {
  return caller.scope.platformId === undefined ? listTokens(db) : [];
}

/** Creates a token; its secret is in this answer only. */
export async function issueApiToken(db: Db, props: Caller & { name: string; scopes: Scope[] }): Promise<{ token: string; record: ApiToken }> {
  instanceWide(props, 'create tokens');
  const created = await createToken(db, { name: props.name, scopes: props.scopes });
  await audit(db, { actor: props.actor, action: 'token.created', subjectType: 'api_token', subjectId: created.record.id, details: { name: created.record.name, scopes: created.record.scopes } });
  return created;
}

/** Revokes a token by id; ERR_NOT_FOUND when no active token has it (or it is outside the caller's reach). */
export async function revokeApiToken(db: Db, props: Caller & { tokenId: string }): Promise<void> {
  const visible = (await listApiTokens(db, props)).some((t) => t.id === props.tokenId && t.revokedAt === null);
  if (!visible || (await revokeToken(db, props.tokenId)) === 0) throw new LaurelError('ERR_NOT_FOUND', 'No active token has this id.');
  await audit(db, { actor: props.actor, action: 'token.revoked', subjectType: 'api_token', subjectId: props.tokenId });
}
