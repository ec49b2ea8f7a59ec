// The companion plugin's reach code (profile callback, cache, signed reads, notification task) run as real
// PHP against a running Laurel, plus the boundaries of the endpoints it reads: unsigned, wrongly signed,
// stale and other-platform requests are refused; hidden, revoked and other-platform badges never show.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import request from 'supertest';
import { awardBadge, badgesDepsFor, createAchievement, issueCredential, revokeAward } from '../../src/badges';
import { enroll, upsertLtiCourse, upsertLtiLearner, upsertPlatform } from '../../src/courses';
import { createEventSource, signMoodleBody, type EventSource } from '../../src/events';
import { startLaurel, type RunningLaurel } from '../lti/laurel';

const havePhp = spawnSync('php', ['--version']).status === 0;
if (!havePhp) console.warn('SKIP Moodle plugin reach round trip: php is not installed (npm run setup installs it)');

interface HarnessOutput {
  profile: { category: string | null; html: string | null };
  profileAgain: { html: string | null };
  requestsForSecondView: number;
  courseProfile: { html: string | null };
  otherViewer: number;
  firstRunMessages: number;
  cursorAfterFirstRun: string;
  messages: Array<{ to: number; component: string; name: string; subject: string; small: string; url: string; notification: number; html: string }>;
  messagesAfterThirdRun: number;
  down: { html: string | null };
}

describe('Moodle plugin: profile section and notifications', () => {
  let laurel: RunningLaurel;
  let source: EventSource;
  let otherSource: EventSource;
  const ids: Record<string, string> = {};
  jest.setTimeout(60_000);

  beforeAll(async () => {
    laurel = await startLaurel();
    const db = laurel.ctx.database.db;
    const deps = badgesDepsFor(laurel.ctx);
    const moodle = await upsertPlatform(db, { issuer: 'http://127.0.0.1:8080', clientId: 'WH5GWy76UFHzIm6', name: 'Moodle', lms: 'moodle', authEndpoint: 'http://127.0.0.1:8080/mod/lti/auth.php', tokenEndpoint: 'http://127.0.0.1:8080/mod/lti/token.php', jwksUrl: 'http://127.0.0.1:8080/mod/lti/certs.php' });
    const other = await upsertPlatform(db, { issuer: 'https://other.example', clientId: 'x', name: 'Other Moodle', lms: 'moodle', authEndpoint: 'https://other.example/a', tokenEndpoint: 'https://other.example/t', jwksUrl: 'https://other.example/j' });
    const course = await upsertLtiCourse(db, { platformId: moodle.id, deploymentRowId: null, contextId: '2', title: 'LTI Lab Course' });
    const course3 = await upsertLtiCourse(db, { platformId: moodle.id, deploymentRowId: null, contextId: '3', title: 'Chemistry' });
    const otherCourse = await upsertLtiCourse(db, { platformId: other.id, deploymentRowId: null, contextId: '2', title: 'Elsewhere' });
    const sam = await upsertLtiLearner(db, { platformId: moodle.id, ltiUserId: '4', lmsUserId: '4', email: 'student1@example.com', name: 'Sam' });
    const samElsewhere = await upsertLtiLearner(db, { platformId: other.id, ltiUserId: '4', lmsUserId: '4', name: 'Another Sam' });
    for (const [c, l] of [[course, sam], [course3, sam], [otherCourse, samElsewhere]] as const) await enroll(db, { courseId: c.id, learnerId: l.id, roles: ['Learner'], source: 'launch' });
    const issue = async (courseId: string, learnerId: string, name: string, visibility: 'public' | 'private' = 'public') => {
      const a = await createAchievement(deps, { courseId, name, description: `${name}.`, criteriaNarrative: 'Done.', status: 'published', actor: 'test' });
      const { award } = await awardBadge(deps, { achievementId: a.id, learnerId, actor: 'test', source: 'manual', visibility });
      await issueCredential(deps, { awardId: award.id });
      ids[name] = award.id;
      return award.id;
    };
    await issue(course.id, sam.id, 'Cells badge');
    await issue(course3.id, sam.id, 'Titration badge');
    await issue(course.id, sam.id, 'Hidden badge', 'private');
    await revokeAward(deps, { awardId: await issue(course.id, sam.id, 'Revoked badge'), reason: 'mistake', actor: 'test' });
    await issue(otherCourse.id, samElsewhere.id, 'Other platform badge');
    ids.sam = sam.id;
    ids.course = course.id;
    source = await createEventSource(db, { kind: 'moodle', platformId: moodle.id });
    otherSource = await createEventSource(db, { kind: 'moodle', platformId: other.id });
  });
  afterAll(() => laurel?.close());

  const signedGet = (path: string, props: { secret?: string; timestamp?: number; signPath?: string } = {}) => {
    const timestamp = props.timestamp ?? Math.floor(Date.now() / 1000);
    const signature = signMoodleBody({ secret: props.secret ?? source.secret!, timestamp, body: `GET ${props.signPath ?? path}` });
    return request(laurel.url).get(path).set('X-Laurel-Timestamp', String(timestamp)).set('X-Laurel-Signature', signature);
  };

  it('answers a signed read with the user\'s valid public badges of this platform only', async () => {
    const res = await signedGet(`/events/moodle/${source.id}/users/4/badges`);
    expect(res.status).toBe(200);
    expect((res.body.badges as { name: string }[]).map((b) => b.name).sort()).toEqual(['Cells badge', 'Titration badge']);
    const course = await signedGet(`/events/moodle/${source.id}/users/4/badges?course=3`);
    expect((course.body.badges as { name: string; courseTitle: string }[])).toEqual([expect.objectContaining({ name: 'Titration badge', courseTitle: 'Chemistry' })]);
  });

  it('refuses unsigned, wrongly signed, stale, path-swapped and other-source reads', async () => {
    const path = `/events/moodle/${source.id}/users/4/badges`;
    expect((await request(laurel.url).get(path)).status).toBe(401);
    expect((await signedGet(path, { secret: otherSource.secret! })).status).toBe(401);
    expect((await signedGet(path, { timestamp: Math.floor(Date.now() / 1000) - 3600 })).status).toBe(401);
    // A signature for user 5 does not open user 4.
    expect((await signedGet(path, { signPath: `/events/moodle/${source.id}/users/5/badges` })).status).toBe(401);
    // The other platform's source sees only its own learner "4".
    const other = await signedGet(`/events/moodle/${otherSource.id}/users/4/badges`, { secret: otherSource.secret! });
    expect((other.body.badges as { name: string }[]).map((b) => b.name)).toEqual(['Other platform badge']);
    expect((await signedGet(`/events/moodle/${source.id}/users/4x/badges`)).status).toBe(422);
    // Notifications too: from the beginning of time, the other source sees its own platform's badge only.
    const cursor = '0_00000000-0000-0000-0000-000000000000';
    const notes = await signedGet(`/events/moodle/${otherSource.id}/notifications?after=${cursor}`, { secret: otherSource.secret! });
    expect(notes.status).toBe(200);
    expect((notes.body.items as { name: string }[]).map((i) => i.name)).toEqual(['Other platform badge']);
    expect((await signedGet(`/events/moodle/${source.id}/notifications?after=${cursor}`, { secret: otherSource.secret! })).status).toBe(401);
  });

  (havePhp ? it : it.skip)('the plugin renders the profile section, caches it, notifies once per badge and degrades quietly', async () => {
    const child = spawn('php', [join(__dirname, 'moodle-php', 'harness.php')], {
      env: { ...process.env, LAUREL_URL: `${laurel.url}/`, LAUREL_SOURCE: source.id, LAUREL_SECRET: source.secret! },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const done = new Promise<number>((resolve) => child.on('close', resolve));
    await new Promise<void>((resolve) => child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('READY\n')) resolve();
    }));
    // Issued between two runs of the notification task.
    const deps = badgesDepsFor(laurel.ctx);
    const a = await createAchievement(deps, { courseId: ids.course!, name: 'New badge', description: 'New.', criteriaNarrative: 'Done.', status: 'published', actor: 'test' });
    const { award } = await awardBadge(deps, { achievementId: a.id, learnerId: ids.sam!, actor: 'test', source: 'manual' });
    const { credential } = await issueCredential(deps, { awardId: award.id });
    child.stdin.end('\n');
    expect(await done).toBe(0);
    const out = JSON.parse(stdout.split('\n').filter(Boolean).at(-1)!) as HarnessOutput;

    expect(out.profile.category).toBe('Badges from Laurel');
    const html = out.profile.html!;
    expect(html).toContain('>Cells badge</a>');
    expect(html).toContain('>Titration badge</a>');
    expect(html).toContain('LTI Lab Course, issued');
    expect(html).toMatch(new RegExp(`href="${laurel.url}/credentials/[0-9a-f-]{36}"`));
    expect(html).toMatch(new RegExp(`src="${laurel.url}/achievements/[0-9a-f-]{36}/image"`));
    for (const hidden of ['Hidden badge', 'Revoked badge', 'Other platform badge']) expect(html).not.toContain(hidden);
    expect(out.requestsForSecondView).toBe(0);
    expect(out.profileAgain.html).toBe(html);
    expect(out.courseProfile.html).toContain('Cells badge');
    expect(out.courseProfile.html).not.toContain('Titration badge');
    expect(out.otherViewer).toBe(0);

    expect(out.firstRunMessages).toBe(0);
    expect(out.messages).toEqual([{
      to: 4, component: 'local_laurel', name: 'badgeissued', subject: 'You earned a badge: New badge',
      small: 'You earned the badge "New badge" in LTI Lab Course.', url: `${laurel.url}/credentials/${credential.id}`, notification: 1,
      html: `<p>You earned the badge <strong>New badge</strong> in LTI Lab Course.</p><p><a href="${laurel.url}/credentials/${credential.id}">View, download or share it</a></p>`,
    }]);
    expect(out.messagesAfterThirdRun).toBe(1);
    expect(out.down.html).toBe('<p class="text-muted">Badges from Laurel are unavailable at the moment.</p>');
    expect(stderr).not.toMatch(/PHP (Warning|Notice|Fatal)/);
  });
});
