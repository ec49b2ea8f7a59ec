import type { IssuerProfile } from '../credentials';
import { clrFacts } from './assemble';
import { buildClrCredential } from './clr';
import { parseStoredBadge, type CourseOutline, type LearnerRecord, type StoredBadge } from './records';
import type { ClrSigner } from './signing';

/**
 * Everything one line of an export's `clr.jsonl` is made from. Plain data (structured-clone safe):
 * a signing thread receives it as is, badge credentials still as the JSON text PostgreSQL sent, so the
 * thread that reads the database never parses, builds or serialises a CLR.
 */
export interface ClrLineRequest {
  learner: LearnerRecord;
  badges: StoredBadge[];
  outline: CourseOutline;
  issuerId: string;
  issuer: IssuerProfile;
  now: Date;
  includeExpired: boolean;
}

/**
 * Builds, signs and serialises one learner's CLR as a JSON Lines record
 * (`{"learnerId","credential","jws"}` and a newline), or `undefined` when no signed badge is left to
 * embed. Runs on a signing thread (sign-worker.ts) or, without threads, in the exporting one.
 */
export async function signClrLine(signer: Pick<ClrSigner, 'sign'>, request: ClrLineRequest): Promise<string | undefined> {
  const { learner } = request;
  const facts = clrFacts({
    learner,
    badges: request.badges.map(parseStoredBadge),
    outlines: [request.outline],
    issuer: request.issuer,
    now: request.now,
    includeExpired: request.includeExpired,
  });
  const built = buildClrCredential(facts);
  if (!built) return undefined;
  const signed = await signer.sign(request.issuerId, built.credential);
  return `${JSON.stringify({ learnerId: learner.id, credential: signed.credential, jws: signed.jws })}\n`;
}
