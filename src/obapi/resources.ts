import { learnerCredentials } from '../badges';
import { findLearner } from '../courses';
import { LaurelError } from '../errors';
import type { ObApiDeps } from './deps';
import type { CredentialsQuery } from './schema';
import { OB_SCOPES } from './scopes';
import type { AccessContext } from './tokens';

/** The OB 3.0 API's failure body (Imsx_StatusInfo) with the status's codeMinor. */
export function imsxFailure(codeMinor: string, description: string): Record<string, unknown> {
  return { imsx_codeMajor: 'failure', imsx_severity: 'error', imsx_description: description, imsx_codeMinor: { imsx_codeMinorField: [{ imsx_codeMinorFieldName: 'TargetEndSystem', imsx_codeMinorFieldValue: codeMinor }] } };
}

function requireScope(access: AccessContext, scope: string): void {
  if (!access.scopes.includes(scope)) {
    throw new LaurelError('ERR_FORBIDDEN', `This token lacks the scope ${scope}.`, { details: { error: 'insufficient_scope', ...imsxFailure('forbidden', `This token lacks the scope ${scope}.`) } });
  }
}

/** getCredentials: the token's learner's signed credentials, paged. */
export async function getCredentials(deps: ObApiDeps, access: AccessContext, query: CredentialsQuery) {
  requireScope(access, OB_SCOPES.credentialReadonly);
  const page = await learnerCredentials(deps.db, { learnerId: access.learnerId, limit: query.limit, offset: query.offset, since: query.since ? new Date(query.since) : undefined });
  return { total: page.total, body: { credential: page.items.map((i) => i.document) } };
}

/** getProfile: the learner as their course knows them (no more than the platform shared). */
export async function getProfile(deps: ObApiDeps, access: AccessContext) {
  requireScope(access, OB_SCOPES.profileReadonly);
  const learner = await findLearner(deps.db, access.learnerId);
  if (!learner) throw new LaurelError('ERR_NOT_FOUND', 'The learner behind this token no longer exists.', { details: imsxFailure('unknownobject', 'No such learner.') });
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'],
    id: `urn:uuid:${learner.id}`,
    type: ['Profile'],
    ...(learner.name ? { name: learner.name } : {}),
    ...(learner.email ? { email: learner.email } : {}),
  };
}
