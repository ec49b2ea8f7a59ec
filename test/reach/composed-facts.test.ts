// Reach composes what badges, courses and credentials answer: the email names the award's badge, course
// and the credential's issuer; the Moodle notification feed reads past credentials of learners without a
// Moodle user id and still fills each page, never handing one out twice.
import { sql } from 'kysely';
import { registerInTransactionPorts } from '../../src/app';
import { awardBadge, badgesDepsFor, createAchievement, issueCredential } from '../../src/badges';
import { enroll, upsertLtiCourse, upsertLtiLearner, upsertPlatform } from '../../src/courses';
import { bindPlatformIssuer } from '../../src/credentials';
import { moodleNotifications, sendIssuedEmail, type EmailMessage } from '../../src/reach';
import { createTestContext, type TestContext } from '../support/context';

describe('reach composes the owners\' facts', () => {
  let ctx: TestContext;
  let platformId: string;
  let courseId: string;
  const awardOf: Record<string, string> = {};

  beforeAll(async () => {
    ctx = await createTestContext();
    registerInTransactionPorts(); // binding a platform issuer repoints its achievements through the root's hook
    const db = ctx.database.db;
    const deps = badgesDepsFor(ctx);
    platformId = (await upsertPlatform(db, { issuer: 'https://moodle.example', clientId: 'm', name: 'Moodle', lms: 'moodle', authEndpoint: 'https://moodle.example/a', tokenEndpoint: 'https://moodle.example/t', jwksUrl: 'https://moodle.example/j' })).id;
    await bindPlatformIssuer(db, ctx.config, { platformId, name: 'Example University', now: new Date() });
    courseId = (await upsertLtiCourse(db, { platformId, deploymentRowId: null, contextId: '2', title: 'Cell Biology' })).id;
    // Moodle users 11..15 (numbers), with two learners Moodle did not send (opaque ids) between them.
    const people = [['11', '11'], ['opaque-a', null], ['12', '12'], ['13', null], ['opaque-b', null], ['14', '14'], ['15', '15']] as const;
    for (const [lti, lms] of people) {
      const learner = await upsertLtiLearner(db, { platformId, ltiUserId: lti, lmsUserId: lms, email: `${lti}@example.com`, name: `Learner ${lti}` });
      await enroll(db, { courseId, learnerId: learner.id, roles: ['Learner'], source: 'launch' });
      const achievement = await createAchievement(deps, { courseId, name: `Badge of ${lti}`, description: 'Knows cells.', criteriaNarrative: 'Pass the quiz.', status: 'published', actor: 't' });
      const { award } = await awardBadge(deps, { achievementId: achievement.id, learnerId: learner.id, actor: 't', source: 'manual' });
      await issueCredential(deps, { awardId: award.id });
      awardOf[lti] = award.id;
    }
  });
  afterAll(() => ctx?.close());

  it('the issuance email names the badge, the course and the platform\'s issuer, and links the credential', async () => {
    const db = ctx.database.db;
    const sent: EmailMessage[] = [];
    const notified: unknown[] = [];
    const deps = {
      db, baseUrl: 'https://laurel.example', linkSecret: 'x'.repeat(32), from: 'badges@laurel.example', enabled: true,
      mailer: { kind: 'smtp' as const, send: async (message: EmailMessage) => (sent.push(message), { messageId: 'm-1' }) },
      onNotified: (ref: unknown) => notified.push(ref),
    };
    const outcome = await sendIssuedEmail(deps as never, { awardId: awardOf['12']! });
    expect(outcome).toEqual({ sent: true, messageId: 'm-1' });
    const credentialId = (await sql<{ credential_id: string }>`select credential_id from awards where id = ${awardOf['12']}`.execute(db)).rows[0]!.credential_id;
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ to: '12@example.com', from: 'badges@laurel.example', subject: 'You earned a badge: Badge of 12' });
    expect(sent[0]!.text).toContain('Example University issued you the badge "Badge of 12" in Cell Biology.');
    expect(sent[0]!.text).toContain(`https://laurel.example/credentials/${credentialId}`);
    expect(notified).toEqual([{ courseId, achievementId: expect.any(String) }]);
    // Exactly once: a retried job sends nothing more.
    expect(await sendIssuedEmail(deps as never, { awardId: awardOf['12']! })).toEqual({ sent: false, skipped: 'already-sent' });
    expect(sent).toHaveLength(1);
  });

  it('the notification feed fills each page with Moodle users only, in order, each once', async () => {
    const db = ctx.database.db;
    const seen: string[] = [];
    const pageSizes: number[] = [];
    let after = '0_00000000-0000-0000-0000-000000000000';
    for (let page = 0; page < 10; page += 1) {
      const result = await moodleNotifications(db, { platformId, after, baseUrl: 'https://laurel.example', now: new Date(), limit: 2 });
      if (result.items.length === 0) {
        expect(result.cursor).toBe(after); // nothing new: the plugin keeps its place
        break;
      }
      pageSizes.push(result.items.length);
      seen.push(...result.items.map((i) => i.moodleUserId));
      expect(result.items.map((i) => i.awardId)).toEqual(result.items.map((i) => awardOf[i.moodleUserId]));
      after = result.cursor;
    }
    expect(seen).toEqual(['11', '12', '13', '14', '15']);
    expect(pageSizes).toEqual([2, 2, 1]);
    const told = await sql<{ n: string }>`select count(*) as n from reach_notifications where channel = 'moodle' and status = 'sent'`.execute(db);
    expect(Number(told.rows[0]!.n)).toBe(5);
  });
});
