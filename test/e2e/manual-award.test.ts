import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import request from 'supertest';
import type { Express } from 'express';
import type { Kysely } from 'kysely';
import { issueCredentialJob } from '../../src/badges';
import { createSigner, createVerifier } from '../../src/credentials';
import { startWorkers, type WorkerHost } from '../../src/queue';
import { createToken } from '../../src/tokens';
import { createApp } from '../../src/app';
import { createTestContext, type TestContext } from '../support/context';

/**
 * The manual-award journey end to end: admin API -> issue queue (real Redis, real worker) -> signed
 * credential stored -> public JSON/JWS -> independent verification (DI via the engine's verifier,
 * VC-JWT via jose against the published JWKS) -> revocation seen by the next verification.
 */
describe('manual award, end to end', () => {
  let ctx: TestContext;
  let app: Express;
  let workers: WorkerHost;
  let token: string;

  beforeAll(async () => {
    ctx = await createTestContext({ BASE_URL: 'https://laurel.example.edu' });
    // Rate limiters load their Redis scripts while the app is built.
    if (ctx.redis.status !== 'ready') await new Promise((resolve) => ctx.redis.once('ready', resolve));
    app = await createApp(ctx);
    workers = startWorkers(ctx, { jobs: [issueCredentialJob], concurrency: 2 });
    token = (await createToken(ctx.database.db, { name: 'e2e', scopes: ['admin'] })).token;
  });
  afterAll(async () => {
    await workers.close(5000);
    await ctx.close();
  });

  const api = (method: 'get' | 'post', path: string) => request(app)[method](`/api/v1${path}`).set('Authorization', `Bearer ${token}`);

  async function credentialIdOf(achievementId: string, awardId: string): Promise<string> {
    const deadline = Date.now() + 20000;
    while (Date.now() < deadline) {
      const list = await api('get', `/awards?achievementId=${achievementId}`);
      const item = (list.body.items as { id: string; credentialId: string | null }[]).find((i) => i.id === awardId);
      if (item?.credentialId) return item.credentialId;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the issue job did not sign the credential within 20 s');
  }

  async function finished(jobId: string): Promise<unknown> {
    const deadline = Date.now() + 20000;
    while (Date.now() < deadline) {
      const job = await ctx.queues.get('issue').getJob(jobId);
      // Re-read once completed: the first read may predate the result (the job was still active).
      if (job && (await job.getState()) === 'completed') return (await ctx.queues.get('issue').getJob(jobId))!.returnvalue;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`job ${jobId} did not complete within 20 s`);
  }

  it('issues through the queue a credential that verifies independently, then shows its revocation', async () => {
    const course = await api('post', '/courses').send({ title: 'Statistics 200' });
    expect(course.status).toBe(201);
    const achievement = await api('post', '/achievements').send({
      courseId: course.body.id,
      name: 'Regression Ready',
      description: 'Fits and reads linear models.',
      criteria: { narrative: 'At least 80% on the regression project.' },
      rule: { kind: 'score', assignmentId: 'proj-1', minPercent: 80 },
      validForDays: 730,
    });
    expect(achievement.status).toBe(201);
    const award = await api('post', '/awards').send({ achievementId: achievement.body.id, recipient: { email: 'katherine@example.edu', name: 'Katherine Johnson' }, score: 93, evidence: [{ name: 'Regression project' }] });
    expect(award.status).toBe(201);
    expect(award.body.credentialId).toBeNull();

    const credentialId = await credentialIdOf(achievement.body.id, award.body.id);
    const json = await request(app).get(`/credentials/${credentialId}`).set('Accept', 'application/ld+json');
    expect(json.status).toBe(200);
    const credential = JSON.parse(json.text) as Record<string, any>;
    expect(credential.id).toBe(`https://laurel.example.edu/credentials/${credentialId}`);
    expect(credential.credentialSubject.result[0].value).toBe('93');

    // Data Integrity and everything else, through the engine's verifier.
    const db = ctx.database.db as unknown as Kysely<unknown>;
    const verify = createVerifier({ db, config: ctx.config, signer: await createSigner(db, ctx.config) });
    const result = await verify(credential);
    expect(result.checks.filter((c) => !c.ok)).toEqual([]);
    expect(result.verified).toBe(true);

    // VC-JWT, independently: jose with nothing but the published JWKS.
    const jws = await request(app).get(`/credentials/${credentialId}`).set('Accept', 'application/vc+jwt');
    expect(jws.headers['content-type']).toMatch(/application\/vc\+jwt/);
    const jwksResponse = await request(app).get('/.well-known/jwks.json');
    expect(jwksResponse.status).toBe(200);
    const { payload, protectedHeader } = await jwtVerify(jws.text, createLocalJWKSet(jwksResponse.body), { algorithms: ['RS256'] });
    expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(decodeProtectedHeader(jws.text).kid).toBeTruthy();
    expect(payload).toMatchObject({ jti: credential.id, iss: credential.issuer.id });

    // The job is idempotent: running it again changes nothing.
    const againId = await ctx.queues.enqueue(issueCredentialJob, { awardId: award.body.id }, { jobId: `${award.body.id}-again` });
    expect(await finished(againId)).toEqual({ credentialId, created: false });
    const revoke = await api('post', `/awards/${award.body.id}/revoke`).send({ reason: 'Plagiarism' });
    expect(revoke.status).toBe(200);
    const after = await verify(credential);
    expect(after.verified).toBe(false);
    expect(after.checks.find((c) => !c.ok)?.check).toMatch(/status/i);
    const page = await request(app).get(`/credentials/${credentialId}`).set('Accept', 'text/html');
    expect(page.text).toContain('Revoked');
  });
});
