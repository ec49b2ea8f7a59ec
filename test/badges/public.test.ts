import request from 'supertest';
import type { Express } from 'express';
import { createManualCourse, upsertManualLearner } from '../../src/courses';
import { awardBadge, badgesDepsFor, createAchievement, issueCredential, revokeAward } from '../../src/badges';
import { defaultBadgePng, extractFromPng, extractFromSvg } from '../../src/credentials';
import { createApp } from '../../src/app';
import { createTestContext, type TestContext } from '../support/context';

let ctx: TestContext;
let app: Express;

beforeAll(async () => {
  ctx = await createTestContext({ BASE_URL: 'https://badges.example.edu' });
  // Rate limiters load their Redis scripts while the app is built.
  if (ctx.redis.status !== 'ready') await new Promise((resolve) => ctx.redis.once('ready', resolve));
  app = await createApp(ctx);
});
afterAll(() => ctx.close());

async function issued(props: { visibility?: 'public' | 'private'; image?: string } = {}) {
  const deps = badgesDepsFor(ctx);
  const course = await createManualCourse(ctx.database.db, { title: 'Biology' });
  const achievement = await createAchievement(deps, {
    courseId: course.id, name: 'Cell Explorer', description: 'Knows the parts of a cell.', criteriaNarrative: 'Score at least 70% on the cells quiz.',
    rule: { kind: 'score', assignmentId: 'cells', minPercent: 70 }, image: props.image, alignments: [{ targetName: 'Cell biology', targetUrl: 'https://skills.example/cells' }], actor: 'test',
  });
  const learner = await upsertManualLearner(ctx.database.db, { email: `c${Math.random()}@example.edu`, name: 'Rosalind Franklin' });
  const { award } = await awardBadge(deps, { achievementId: achievement.id, learnerId: learner.id, score: 86.5, evidence: [{ name: 'Cells quiz', narrative: 'Attempt 1' }], visibility: props.visibility, actor: 'test', source: 'rule' });
  const { credential } = await issueCredential(deps, { awardId: award.id });
  return { achievement, award, credential, path: `/credentials/${credential.id}` };
}

describe('GET /credentials/:id', () => {
  it('serves HTML to browsers with issuer, criteria, score, threshold, evidence, status, Open Graph and LinkedIn', async () => {
    const { path, credential } = await issued();
    const res = await request(app).get(path).set('Accept', 'text/html,application/xhtml+xml,*/*;q=0.8');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.headers.vary).toMatch(/Accept/);
    for (const text of ['Cell Explorer', 'Rosalind Franklin', 'badges.example.edu', 'Score at least 70% on the cells quiz.', '86.5%', 'required: 70%', 'Cells quiz', 'Valid', 'Cell biology']) {
      expect(res.text).toContain(text);
    }
    expect(res.text).toContain(`<meta property="og:url" content="https://badges.example.edu/credentials/${credential.id}">`);
    expect(res.text).toContain(`<meta property="og:image" content="https://badges.example.edu/credentials/${credential.id}/badge.png">`);
    // The page links to Laurel's counted redirect (src/analytics), which answers LinkedIn's add-to-profile URL.
    expect(res.text).toContain(`href="https://badges.example.edu/credentials/${credential.id}/linkedin"`);
    const redirect = await request(app).get(`${path}/linkedin`);
    expect(redirect.status).toBe(302);
    const href = redirect.headers.location!;
    expect(href.startsWith('https://www.linkedin.com/profile/add?')).toBe(true);
    const linkedIn = new URL(href).searchParams;
    expect(Object.fromEntries(linkedIn)).toMatchObject({ startTask: 'CERTIFICATION_NAME', name: 'Cell Explorer', organizationName: 'badges.example.edu', certUrl: `https://badges.example.edu/credentials/${credential.id}`, certId: credential.id });
    expect(res.text).toContain('This credential verifies');
  });

  it('negotiates signed JSON, JSON-LD and the compact JWS', async () => {
    const { path, credential } = await issued();
    const ld = await request(app).get(path).set('Accept', 'application/ld+json');
    expect(ld.headers['content-type']).toMatch(/application\/ld\+json/);
    expect(JSON.parse(ld.text)).toEqual(credential.document);
    const json = await request(app).get(path).set('Accept', 'application/json');
    expect(json.headers['content-type']).toMatch(/^application\/json/);
    expect(json.body.id).toBe(credential.document.id);
    const jwt = await request(app).get(path).set('Accept', 'application/vc+jwt');
    expect(jwt.headers['content-type']).toMatch(/application\/vc\+jwt/);
    expect(jwt.text).toBe(credential.jws);
    const text = await request(app).get(path).set('Accept', 'text/plain');
    expect(text.headers['content-type']).toMatch(/text\/plain/);
    expect(text.text).toBe(credential.jws);
    const query = await request(app).get(`${path}?format=jwt`);
    expect(query.text).toBe(credential.jws);
  });

  it('shows a revocation on the next view', async () => {
    const { path, award } = await issued();
    await revokeAward(badgesDepsFor(ctx), { awardId: award.id, reason: 'Academic misconduct', actor: 'test' });
    const res = await request(app).get(path).set('Accept', 'text/html');
    expect(res.text).toMatch(/<strong>Status:<\/strong> Revoked: revoked on \d{4}-\d{2}-\d{2}/);
    expect(res.text).not.toContain('Academic misconduct');
    expect(res.text).not.toContain('Add to LinkedIn');
    expect(res.text).toContain('This credential does <strong>not</strong> verify');
  });

  it('says only that a private credential exists and is valid', async () => {
    const { path } = await issued({ visibility: 'private' });
    const page = await request(app).get(path).set('Accept', 'text/html');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Private credential');
    expect(page.text).toContain('Valid');
    expect(page.text).not.toContain('Rosalind');
    expect(page.text).not.toContain('Cell Explorer');
    const json = await request(app).get(path).set('Accept', 'application/json');
    expect([json.status, json.body.code]).toEqual([403, 'ERR_FORBIDDEN']);
  });

  it('answers 404 for unknown ids', async () => {
    const res = await request(app).get('/credentials/00000000-0000-4000-8000-000000000000').set('Accept', 'application/json');
    expect([res.status, res.body.code]).toEqual([404, 'ERR_NOT_FOUND']);
    expect((await request(app).get('/credentials/not-a-uuid').set('Accept', 'text/html')).status).toBe(404);
  });
});

function rawBody(res: request.Response, done: (error: Error | null, body: unknown) => void): void {
  const chunks: Buffer[] = [];
  const stream = res as unknown as NodeJS.ReadableStream;
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
}

describe('badge images and achievements', () => {
  it('serves baked PNG and SVG holding the credential JWS, with an inert-content policy', async () => {
    const { path, credential } = await issued();
    const png = await request(app).get(`${path}/badge.png`).buffer(true).parse(rawBody);
    expect(extractFromPng(png.body as Buffer)).toBe(credential.jws);
    expect(png.status).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    expect(png.headers['x-content-type-options']).toBe('nosniff');
    const svg = await request(app).get(`${path}/badge.svg`).buffer(true).parse(rawBody);
    expect(svg.headers['content-type']).toMatch(/image\/svg\+xml/);
    expect(svg.headers['content-security-policy']).toContain('sandbox');
    expect(extractFromSvg((svg.body as Buffer).toString('utf8'))).toBe(credential.jws);
  });

  it('bakes an uploaded PNG and serves it as the achievement image', async () => {
    const uploaded = defaultBadgePng({ name: 'Uploaded art', color: '#123456' });
    const { path, credential, achievement } = await issued({ image: `data:image/png;base64,${uploaded.toString('base64')}` });
    const image = await request(app).get(`/achievements/${achievement.id}/image`).buffer(true).parse(rawBody);
    expect(image.headers['content-type']).toBe('image/png');
    expect(Buffer.compare(image.body as Buffer, uploaded)).toBe(0);
    const baked = await request(app).get(`${path}/badge.png`).buffer(true).parse(rawBody);
    expect(extractFromPng(baked.body as Buffer)).toBe(credential.jws);
    expect((baked.body as Buffer).length).toBeGreaterThan(uploaded.length);
  });

  it('serves the Achievement as OB 3.0 JSON and as a page', async () => {
    const { achievement } = await issued();
    const json = await request(app).get(`/achievements/${achievement.id}`).set('Accept', 'application/json');
    expect(json.status).toBe(200);
    expect(json.body).toMatchObject({
      id: `https://badges.example.edu/achievements/${achievement.id}`,
      type: ['Achievement'],
      name: 'Cell Explorer',
      criteria: { narrative: 'Score at least 70% on the cells quiz.' },
      resultDescription: [{ resultType: 'Percent', requiredValue: '70' }],
      alignment: [{ type: ['Alignment'], targetName: 'Cell biology' }],
    });
    const html = await request(app).get(`/achievements/${achievement.id}`).set('Accept', 'text/html');
    expect(html.text).toContain('<h1 id="achievement-title">Cell Explorer</h1>');
    const image = await request(app).get(`/achievements/${achievement.id}/image`);
    expect(image.headers['content-type']).toMatch(/image\/svg\+xml/);
  });
});
