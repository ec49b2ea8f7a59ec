// A learner signed into the 'Biology' course with one signed badge: the starting point of the wallet
// and OB 3.0 API journeys (src/wallets, src/obapi).
import { awardBadge, badgesDepsFor, createAchievement, issueCredential } from '../../src/badges';
import { createToken } from '../../src/tokens';
import { createAdminConsoleFixture, LEARNER, type AdminConsoleFixture, type CoursePerson } from '../ui/support';

export interface LearnerBadgeFixture extends AdminConsoleFixture {
  learnerId: string;
  /** Session cookie of the learner (`name=value`). */
  learnerCookie: string;
  awardId: string;
  credentialId: string;
  /** An instance admin API token (to revoke through the API, as an operator would). */
  adminToken: string;
  /** Awards and signs another badge for the learner. */
  awardAnother(name: string): Promise<{ awardId: string; credentialId: string }>;
}

export const BASE_URL = 'https://laurel.example.edu';

export async function createLearnerBadgeFixture(options: { person?: CoursePerson } = {}): Promise<LearnerBadgeFixture> {
  const fixture = await createAdminConsoleFixture({ config: { BASE_URL } });
  const person = options.person ?? LEARNER;
  const learnerCookie = await fixture.signIn(person);
  const db = fixture.ctx.database.db.withTables<{ learners: { id: string; lti_user_id: string; email: string | null } }>();
  const learner = await db.selectFrom('learners').select('id').where('lti_user_id', '=', person.ltiUserId).executeTakeFirstOrThrow();
  await db.updateTable('learners').set({ email: `${person.ltiUserId}@school.example.edu` }).where('id', '=', learner.id).execute();
  const deps = badgesDepsFor(fixture.ctx);
  async function awardAnother(name: string) {
    const achievement = await createAchievement(deps, {
      courseId: fixture.courseId, name, description: `${name}: cells and their parts.`, criteriaNarrative: 'At least 80% on the lab report.',
      requiredPercent: 80, status: 'published', actor: 'test',
    });
    const { award } = await awardBadge(deps, { achievementId: achievement.id, learnerId: learner.id, score: 91, evidence: [{ name: 'Lab report', narrative: 'Microscopy of onion cells.' }], actor: 'test', source: 'manual' });
    const { credential } = await issueCredential(deps, { awardId: award.id });
    return { awardId: award.id, credentialId: credential.id };
  }
  const first = await awardAnother('Cell Explorer');
  const adminToken = (await createToken(fixture.ctx.database.db, { name: 'wallet-tests', scopes: ['admin'] })).token;
  return { ...fixture, learnerId: learner.id, learnerCookie, awardId: first.awardId, credentialId: first.credentialId, adminToken, awardAnother };
}
