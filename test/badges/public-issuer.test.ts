import request from 'supertest';
import type { Express } from 'express';
import { createManualCourse, upsertManualLearner } from '../../src/courses';
import { awardBadge, badgesDepsFor, createAchievement, issueCredential } from '../../src/badges';
import { issuerProfile, upsertIssuer } from '../../src/credentials';
import { sql } from '../../src/db';
import { createApp } from '../../src/app';
import { createTestContext, type TestContext } from '../support/context';

let ctx: TestContext;
let app: Express;
const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

beforeAll(async () => {
  ctx = await createTestContext({ BASE_URL: 'https://badges.example.edu' });
  if (ctx.redis.status !== 'ready') await new Promise((resolve) => ctx.redis.once('ready', resolve));
  app = await createApp(ctx);
});
afterAll(() => ctx.close());

async function biology() {
  const issuer = await upsertIssuer(ctx.database.db, ctx.config, {
    id: 'biology', name: 'Biology Department', description: 'Badges for <lab> skills.', url: 'https://bio.example.edu', email: 'badges@bio.example.edu',
    imageUrl: 'https://badges.example.edu/issuers/biology/logo?v=0123456789ab',
  });
  const deps = badgesDepsFor(ctx);
  const course = await createManualCourse(ctx.database.db, { title: 'Secret course title' });
  const make = (name: string, props: { status?: 'draft' | 'published'; issuerId?: string } = {}) => createAchievement(deps, {
    courseId: course.id, name, description: `${name} description`, criteriaNarrative: 'Pass the quiz.', rule: { kind: 'score', assignmentId: 'q', minPercent: 70 }, actor: 'test',
    issuerId: props.issuerId ?? 'biology', status: props.status,
  });
  const published = [await make('Microscopy'), await make('Cell Explorer')];
  const draft = await make('Unreleased draft', { status: 'draft' });
  const archived = await make('Retired badge');
  await sql`update achievements set status = 'archived' where id = ${archived.id}`.execute(ctx.database.db);
  const foreign = await make('Other issuer badge', { issuerId: await deps.credentials.defaultIssuerId(ctx.database.db) });
  return { issuer, deps, course, published, draft, archived, foreign };
}

describe('GET /issuers/:id', () => {
  it('keeps answering JSON clients with exactly the Profile document they got before the page existed', async () => {
    const { issuer } = await biology();
    const expected = JSON.stringify({ '@context': ['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'], ...issuerProfile(issuer, ctx.config) });
    const cases: Array<{ accept?: string; query?: string; type: RegExp }> = [
      { type: /^application\/json/ },
      { accept: '*/*', type: /^application\/json/ },
      { accept: 'application/json', type: /^application\/json/ },
      { accept: 'application/ld+json', type: /^application\/ld\+json/ },
      { accept: 'application/ld+json, application/json;q=0.9', type: /^application\/ld\+json/ },
      { accept: 'application/json, text/html', type: /^application\/json/ },
      { accept: BROWSER, query: '?format=json', type: /^application\/json/ },
    ];
    for (const c of cases) {
      const req = request(app).get(`/issuers/biology${c.query ?? ''}`);
      const res = await (c.accept ? req.set('Accept', c.accept) : req);
      expect({ accept: c.accept, status: res.status }).toEqual({ accept: c.accept, status: 200 });
      expect(res.headers['content-type']).toMatch(c.type);
      expect(res.text).toBe(expected);
      expect(res.headers.vary).toMatch(/Accept/);
    }
    expect(JSON.parse(expected)).toMatchObject({ name: 'Biology Department', description: 'Badges for <lab> skills.', url: 'https://bio.example.edu', email: 'badges@bio.example.edu', image: { id: 'https://badges.example.edu/issuers/biology/logo?v=0123456789ab', type: 'Image' } });
  });

  it('shows browsers the issuer page: logo, name, description, site, email and only its published badges', async () => {
    const { published, draft, archived, foreign } = await biology();
    const res = await request(app).get('/issuers/biology').set('Accept', BROWSER);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers.vary).toMatch(/Accept/);
    expect(res.text).toContain('<title>Biology Department · Laurel</title>');
    expect(res.text).toContain('<img class="badge-image" src="https://badges.example.edu/issuers/biology/logo?v&#x3D;0123456789ab" alt="Biology Department logo"');
    expect(res.text).toContain('Badges for &lt;lab&gt; skills.');
    expect(res.text).toContain('href="https://bio.example.edu"');
    expect(res.text).toContain('href="mailto:badges@bio.example.edu"');
    expect(res.text).toContain('href="https://badges.example.edu/issuers/biology?format&#x3D;json"');
    for (const a of published) expect(res.text).toContain(`<a href="https://badges.example.edu/achievements/${a.id}">${a.name}</a>`);
    for (const a of [draft, archived, foreign]) {
      expect(res.text).not.toContain(a.id);
      expect(res.text).not.toContain(a.name);
    }
    expect(res.text).not.toContain('Secret course title');
  });

  it('says so when an issuer has published nothing, and 404s unknown or malformed ids', async () => {
    await upsertIssuer(ctx.database.db, ctx.config, { id: 'chemistry', name: 'Chemistry' });
    const empty = await request(app).get('/issuers/chemistry').set('Accept', BROWSER);
    expect(empty.status).toBe(200);
    expect(empty.text).toContain('has not published any badges yet');
    expect(empty.text).not.toContain('class="badge-image"');
    expect((await request(app).get('/issuers/nope').set('Accept', BROWSER)).status).toBe(404);
    expect((await request(app).get('/issuers/Bad_Id').set('Accept', BROWSER)).status).toBe(404);
    const json404 = await request(app).get('/issuers/nope').set('Accept', 'application/json');
    expect(json404.status).toBe(404);
    expect(json404.body.code).toBe('ERR_NOT_FOUND');
  });

  it('is linked from the issuer name on the public credential and achievement pages', async () => {
    const { deps, published } = await biology();
    const learner = await upsertManualLearner(ctx.database.db, { email: `i${Math.random()}@example.edu`, name: 'Ada' });
    const { award } = await awardBadge(deps, { achievementId: published[0]!.id, learnerId: learner.id, score: 90, actor: 'test', source: 'rule' });
    const { credential } = await issueCredential(deps, { awardId: award.id });
    const link = 'Issued by <a href="https://badges.example.edu/issuers/biology">Biology Department</a>';
    expect((await request(app).get(`/credentials/${credential.id}`).set('Accept', BROWSER)).text).toContain(link);
    expect((await request(app).get(`/achievements/${published[0]!.id}`).set('Accept', BROWSER)).text).toContain(link);
  });
});
