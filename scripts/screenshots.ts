// `npm run screenshots`: PNGs of the main pages (instructor, badge, learner, admin and its event sources,
// public credential and issuer) in
// screenshots/, for reviewers. Starts its own Laurel (private PostgreSQL schema and queue prefix on the
// local services), workers and an emulated Moodle on free loopback ports, seeds a small course through the
// real pipeline, photographs the pages with Debian's Chromium, then removes everything it created.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Pool } from 'pg';
import { chromium, type Browser, type Page } from 'playwright-core';
import { badgesDepsFor, createAchievement } from '../src/badges';
import { loadConfig } from '../src/config';
import { closeContext, createContext, type AppContext } from '../src/context';
import { createDatabase, migrate, sql } from '../src/db';
import { signMoodleBody } from '../src/events';
import { registrationUrl } from '../src/lti';
import { projectRoot } from '../src/paths';
import { createTieredBadge, publishAchievement, publishTierGroup } from '../src/publishing';
import { createRedis, Queues, startWorkers } from '../src/queue';
import { createToken } from '../src/tokens';
import { createApp } from '../src/app';
import { jobs } from '../src/app';
import { browse, startPlatform, type Platform } from '../test/emulator';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUT = join(projectRoot, 'screenshots');
const course = { id: '2', label: 'STAT200', title: 'Statistics 200' };
const people = {
  teacher: { id: '3', name: 'Terry Teacher', email: 'teacher1@example.com' },
  sam: { id: '4', name: 'Sam Student', email: 'student1@example.com' },
  ada: { id: '5', name: 'Ada Lovelace', email: 'ada@example.com' },
  lin: { id: '6', name: 'Lin Chen', email: 'lin@example.com' },
  admin: { id: '2', name: 'Alex Admin', email: 'admin@example.com' },
};

async function main(): Promise<void> {
  loadConfig(); // fills process.env from .env, and fails early with a clear message when it is incomplete
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const prefix = `shots-${randomBytes(4).toString('hex')}`;
  const config = loadConfig({ ...process.env, BASE_URL: url, QUEUE_PREFIX: prefix, LOG_LEVEL: 'error', NODE_ENV: 'development' });
  const schema = `shots_${randomBytes(6).toString('hex')}`;
  const admin = new Pool({ connectionString: config.DATABASE_URL, max: 1 });
  await admin.query(`create schema ${schema}`);
  const database = createDatabase({ url: config.DATABASE_URL, schema, max: 5 });
  let platform: Platform | undefined;
  let browser: Browser | undefined;
  const redis = createRedis(config.REDIS_URL, 'producer');
  const ctx = createContext(config, { database, redis, queues: new Queues({ connection: redis, prefix }) });
  const workers = startWorkers(ctx, { jobs, concurrency: 2 });
  try {
    await migrate(database.pool);
    if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
    server.on('request', await createApp(ctx));
    platform = await startPlatform({ profile: 'moodle' });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    await shoot(ctx, url, platform, browser);
    console.log(`screenshots written to ${OUT}`);
  } finally {
    await workers.close(5000).catch(() => undefined);
    await browser?.close();
    await platform?.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await closeContext(ctx);
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
    await dropQueueKeys(config.REDIS_URL, prefix);
  }
}

async function shoot(ctx: AppContext, url: string, platform: Platform, browser: Browser): Promise<void> {
  const { clientId } = await platform.registerTool({ registrationUrl: registrationUrl({ baseUrl: url, registrationKey: ctx.config.REGISTRATION_KEY }) });
  platform.activateTool(clientId);
  const launchUrl = (user: typeof people.sam, roles: 'Instructor' | 'Learner' | 'Administrator') => platform.launchUrl({ clientId, user, roles, context: course, resourceLink: { id: '10', title: 'Badges' } });
  for (const p of [people.ada, people.lin]) await browse(launchUrl(p, 'Learner'));
  const open = async (user: typeof people.sam, roles: 'Instructor' | 'Learner' | 'Administrator', width = 1100): Promise<Page> => {
    const page = await (await browser.newContext({ viewport: { width, height: 900 } })).newPage();
    await page.goto(launchUrl(user, roles));
    await page.waitForURL(/\/lti\/courses\/[0-9a-f-]{36}\/(instructor|learner|admin)$/);
    return page;
  };
  const learner = await open(people.sam, 'Learner');
  const courseId = /courses\/([0-9a-f-]{36})/.exec(learner.url())![1]!;

  const token = (await createToken(ctx.database.db, { name: 'screenshots', scopes: ['admin'] })).token;
  let n = 0;
  const score = async (user: typeof people.sam, assignment: { id: string; name: string }, given: number) => {
    const res = await fetch(`${url}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: `shot-${++n}`, courseId, learner: { id: platform.ltiUserId(user), email: user.email, name: user.name }, assignment, scoreGiven: given, scoreMaximum: 100, occurredAt: new Date().toISOString() }),
    });
    if (res.status !== 202) throw new Error(`score event refused: ${res.status} ${await res.text()}`);
  };
  const quiz = { id: 'quiz-2', name: 'Quiz 2' };
  const project = { id: 'project', name: 'Regression project' };
  await score(people.ada, quiz, 91);
  await score(people.ada, project, 88);
  await score(people.lin, quiz, 64);
  await until(async () => Number((await sql<{ n: string }>`select count(*) as n from learner_scores`.execute(ctx.database.db)).rows[0]!.n) >= 3);
  const ids = Object.fromEntries((await sql<{ id: string; name: string }>`select id, name from assignments`.execute(ctx.database.db)).rows.map((r) => [r.name, r.id]));

  const deps = badgesDepsFor(ctx);
  const actor = 'screenshots';
  const quizBadge = await createAchievement(deps, { courseId, name: 'Quiz 2 master', description: 'Scored at least 80% on Quiz 2 (descriptive statistics).', criteriaNarrative: 'Score 80% or more on Quiz 2.', rule: { kind: 'score', assignmentId: ids['Quiz 2']!, minPercent: 80 }, status: 'draft', actor, alignments: [{ targetName: 'Descriptive statistics', targetUrl: 'https://example.edu/skills/descriptive-statistics', targetFramework: 'STAT skills' }] });
  const finisher = await createAchievement(deps, { courseId, name: 'Regression ready', description: 'Passed Quiz 2 and the regression project.', criteriaNarrative: 'At least 80% on Quiz 2 and 70% on the regression project.', rule: { kind: 'allOf', rules: [{ kind: 'score', assignmentId: ids['Quiz 2']!, minPercent: 80 }, { kind: 'score', assignmentId: ids['Regression project']!, minPercent: 70 }] }, status: 'draft', validForDays: 730, actor });
  await createAchievement(deps, { courseId, name: 'Statistics star', description: 'Holds both course badges.', criteriaNarrative: 'Earn Quiz 2 master and Regression ready.', rule: { kind: 'badges', achievementIds: [quizBadge.id, finisher.id] }, status: 'draft', actor });
  for (const a of [quizBadge, finisher]) await publishAchievement(ctx, { achievementId: a.id, actor, now: new Date() });
  const ladder = await createTieredBadge(ctx, {
    courseId, name: 'Quiz 2 mastery', actor,
    base: { description: 'Descriptive statistics, in three tiers.', criteriaNarrative: 'Bronze at 60%, Silver at 75%, Gold at 90% on Quiz 2.', alignments: [], validForDays: null },
    tiers: ([['Bronze', 60], ['Silver', 75], ['Gold', 90]] as const).map(([name, minPercent]) => ({ name, rule: { kind: 'score' as const, assignmentId: ids['Quiz 2']!, minPercent } })),
  });
  await publishTierGroup(ctx, { group: ladder, actor, now: new Date() });
  await score(people.sam, quiz, 85);
  await score(people.sam, project, 55);
  await until(async () => Number((await sql<{ n: string }>`select count(*) as n from awards where credential_id is not null`.execute(ctx.database.db)).rows[0]!.n) >= 3);

  mkdirSync(OUT, { recursive: true });
  const save = (page: Page, name: string) => page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
  const teacher = await open(people.teacher, 'Instructor');
  await save(teacher, 'instructor');
  await teacher.goto(`${url}/lti/courses/${courseId}/instructor/badges/${quizBadge.id}`);
  await save(teacher, 'instructor-badge');
  await teacher.goto(`${url}/lti/courses/${courseId}/instructor/badges/${ladder.tiers[1]!.achievement.id}`);
  await save(teacher, 'instructor-tiers');
  await learner.reload();
  await save(learner, 'learner');
  const phone = await open(people.sam, 'Learner', 390);
  await save(phone, 'learner-phone');
  const console_ = await open(people.admin, 'Administrator');
  const adminUrl = console_.url();
  await editIssuer(console_);
  await console_.goto(adminUrl);
  await save(console_, 'admin');
  await addEventSources(console_, url, platform);
  await console_.goto(`${adminUrl}#sources`);
  await console_.locator('#sources').screenshot({ path: join(OUT, 'admin-event-sources.png') });
  const credentialId = (await sql<{ credential_id: string }>`select a.credential_id from awards a join learners l on l.id = a.learner_id where l.email = ${people.sam.email} and a.credential_id is not null`.execute(ctx.database.db)).rows[0]!.credential_id;
  await learner.goto(`${url}/credentials/${credentialId}`);
  await save(learner, 'public-credential');
  await learner.locator('p.issuer a').click();
  await learner.waitForURL(/\/issuers\/default$/);
  await save(learner, 'public-issuer');
}

/** The issuer profile as an admin sets it in the console: name, description, site, email and logo. */
async function editIssuer(console_: Page): Promise<void> {
  await console_.locator('#keys summary', { hasText: 'Edit the issuer profile' }).first().click();
  await console_.fill('#issuer-default-name', 'Example University');
  await console_.fill('#issuer-default-description', 'Example University awards Open Badges for skills shown in its courses.');
  await console_.fill('#issuer-default-url', 'https://example.edu');
  await console_.fill('#issuer-default-email', 'badges@example.edu');
  await console_.setInputFiles('#issuer-default-logoFile', { name: 'logo.svg', mimeType: 'image/svg+xml', buffer: Buffer.from(LOGO) });
  await console_.getByRole('button', { name: 'Save issuer profile' }).first().click();
  await console_.waitForURL(/done=issuer-saved/);
}

const LOGO = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 120" width="120" height="120"><rect width="120" height="120" rx="16" fill="#1d5e3a"/><circle cx="60" cy="52" r="30" fill="none" stroke="#fff" stroke-width="6"/><path d="M42 78l-8 30 26-12 26 12-8-30" fill="none" stroke="#fff" stroke-width="6" stroke-linejoin="round"/><text x="60" y="62" font-family="sans-serif" font-size="26" font-weight="700" fill="#fff" text-anchor="middle">EU</text></svg>';

/** A Moodle source that has received one signed grade, and a Canvas source awaiting its subscription. */
async function addEventSources(console_: Page, url: string, platform: Platform): Promise<void> {
  await console_.locator('#sources summary', { hasText: 'Add a Moodle source' }).click();
  await console_.fill('#moodle-source-name', 'Statistics Moodle');
  await console_.getByRole('button', { name: 'Create Moodle source' }).click();
  const secret = await console_.locator('#new-source-secret').inputValue();
  const sourceId = (await console_.locator('.ui-source', { hasText: 'Statistics Moodle' }).getAttribute('id'))!.replace(/^source-/, '');
  const timestamp = Math.floor(Date.now() / 1000);
  const body = JSON.stringify({
    schema: 'laurel.moodle.v1', id: `shot-ug-${timestamp}`, event: 'user_graded', time: timestamp, site: { url: platform.issuer },
    course: { id: course.id }, user: { id: people.ada.id }, item: { id: '31', name: 'Quiz 3', grademax: 10 }, grade: { finalgrade: 9, hidden: false, excluded: false },
  });
  const res = await fetch(`${url}/events/moodle/${sourceId}`, {
    method: 'POST', body,
    headers: { 'content-type': 'application/json', 'x-laurel-timestamp': String(timestamp), 'x-laurel-signature': signMoodleBody({ secret, timestamp, body }) },
  });
  if (res.status !== 202) throw new Error(`Moodle delivery refused: ${res.status} ${await res.text()}`);
  await console_.locator('#sources summary', { hasText: 'Add a Canvas source' }).click();
  await console_.fill('#canvas-source-name', 'Biology Canvas');
  await console_.fill('#canvas-source-jwksUrl', 'https://canvas.example.edu/api/lti/security/jwks');
  await console_.getByRole('button', { name: 'Create Canvas source' }).click();
  await console_.locator('.ui-source', { hasText: 'Biology Canvas' }).waitFor();
}

async function dropQueueKeys(url: string, prefix: string): Promise<void> {
  const keys = createRedis(url, 'producer');
  if (keys.status !== 'ready') await new Promise((resolve) => keys.once('ready', resolve));
  const stale = await keys.keys(`${prefix}:*`);
  if (stale.length) await keys.del(...stale);
  keys.disconnect();
}

async function until(probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('timed out while seeding the course');
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
