import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import express from 'express';
import request from 'supertest';
import { Redis } from 'ioredis';
import type { AppContext } from '../../src/context';
import {
  allocateStatusEntry, bakeSvg, buildOpenBadgeCredential, createSigner, ensureDefaultIssuer, issuerProfile, setStatus,
  type CredentialSigner, type Issuer,
} from '../../src/credentials';
import { createCredentialsRouter } from '../../src/credentials/web';
import { createLogger } from '../../src/log';
import { buildClrCredential, createClrSigner, transcriptOptions } from '../../src/transcripts';
import { errorHandler, notFound } from '../../src/http';
import { createTestDatabase, requireEnv, type TestDatabase } from '../support/db';
import { testConfig } from '../support/config';
import { dropPrefix, testQueuePrefix } from '../support/redis';
import { sampleFacts } from './support/facts';
import { describeWithSpec } from './support/spec';

type Json = Record<string, unknown>;
type Body = { verified: boolean; verdict: string; summary: string; checks: Array<{ check: string; ok: boolean; status: string; message: string; trust?: string }> };

/**
 * Laurel's own credentials and CLRs through what strangers use: `POST /api/v1/verify` and the public
 * verification page, wired as src/app/routes.ts wires them: no extra contexts, the credential engine
 * knows the CLR 2.0.1 context from the standards cache.
 */
describeWithSpec('verifying what Laurel issues, through the API and the public verification page', () => {
  const prefix = testQueuePrefix();
  const config = testConfig({ BASE_URL: 'http://localhost:3000', QUEUE_PREFIX: prefix });
  let tdb: TestDatabase;
  let redis: Redis;
  let app: express.Express;
  let bare: express.Express;
  let signer: CredentialSigner;
  let issuer: Issuer;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    redis = new Redis(requireEnv('REDIS_URL'), { maxRetriesPerRequest: 1 });
    const ctx = { config, logger: createLogger({ level: 'silent' }), database: tdb, redis, queues: undefined } as unknown as AppContext;
    const build = (routerCtx: AppContext = ctx) => {
      const a = express();
      a.use((req, _res, next) => {
        (req as unknown as { log: unknown }).log = ctx.logger;
        next();
      });
      a.use(createCredentialsRouter(routerCtx));
      a.use(notFound);
      a.use(errorHandler);
      return a;
    };
    app = build();
    // A verifier whose standards data cache is empty: it holds no CLR context at all.
    const emptyStandards = mkdtempSync(join(tmpdir(), 'laurel-no-standards-'));
    bare = build({ ...ctx, config: testConfig({ BASE_URL: 'http://localhost:3000', QUEUE_PREFIX: prefix, STANDARDS_DIR: emptyStandards }) });
    issuer = await ensureDefaultIssuer(tdb.db, config);
    signer = await createSigner(tdb.db, config);
  });
  afterAll(async () => {
    redis.disconnect();
    await dropPrefix(prefix);
    await tdb.close();
  });

  async function issue(overrides: Partial<Parameters<typeof sampleFacts>[1]> = {}) {
    const status = await allocateStatusEntry(tdb.db, issuer.id, config);
    const unsigned = buildOpenBadgeCredential(sampleFacts(issuerProfile(issuer, config), { status, validFrom: new Date(Date.now() - 60000), ...overrides }));
    return { status, ...(await signer.sign(issuer.id, unsigned)) };
  }

  const verifyApi = async (target: express.Express, credential: unknown) => (await request(target).post('/api/v1/verify').send({ credential }).expect(200)).body as Body;
  const check = (body: Body, name: string) => body.checks.find((c) => c.check === name);

  test('Laurel\'s CLR verifies as JSON and as JWS (CLR 2.0.1 context and schema loaded); without the context it is "not checked", never valid', async () => {
    const badge = await issue();
    const courseId = `${config.BASE_URL}/courses/${randomUUID()}`;
    const built = buildClrCredential({
      id: `urn:uuid:${randomUUID()}`,
      name: 'Transcript of Ada',
      issuer: issuerProfile(issuer, config),
      now: new Date(Date.now() - 60000),
      learner: { subjectId: `urn:uuid:${randomUUID()}`, email: 'ada@example.edu', salt: 'c0ffee' },
      courses: [{ id: courseId, name: 'Biology 101', assessments: [{ id: `${courseId}/assessments/quiz-2`, name: 'Quiz 2' }] }],
      badges: [{ credential: badge.credential, achievementId: String(((badge.credential.credentialSubject as Json).achievement as Json).id), name: 'Quiz 2 Master', description: 'Scored 80%.', criteriaNarrative: 'Score 80%.', courseAchievementId: courseId, status: 'issued' }],
    });
    const clrContext = transcriptOptions(config).clrContext;
    expect(clrContext).toBeDefined();
    const signed = await createClrSigner({ db: tdb.db as never, config, clrContext }).sign(issuer.id, built!.credential);

    for (const input of [signed.credential, signed.jws]) {
      const body = await verifyApi(app, input);
      expect(body.checks.filter((c) => c.status !== 'ok')).toEqual([]);
      expect(body).toMatchObject({ verified: true, verdict: 'verified' });
      expect(check(body, 'format')?.message).toMatch(/^ClrCredential \(VCDM 2\.0\)/);
      expect(check(body, 'schema')?.message).toMatch(/clr_v2p0_clrcredential_schema\.json/);
      expect(check(body, 'key.provenance')).toMatchObject({ status: 'ok', trust: 'issuer-key' });
    }
    expect(check(await verifyApi(app, signed.jws), 'proof.jws')?.status).toBe('ok');

    const withoutContext = await verifyApi(bare, signed.credential);
    expect(withoutContext).toMatchObject({ verified: false, verdict: 'not-verified' });
    expect(check(withoutContext, 'proof.data-integrity')).toMatchObject({ ok: false, status: 'not-checked', message: expect.stringMatching(/clr\/v2p0\/context-2\.0\.1\.json is not held by this verifier/) });
  });

  test('our own status list cannot be read: status unknown; revoked: not verified; the API never says verified with an unconfirmed status', async () => {
    const missing = randomUUID();
    const unsigned = buildOpenBadgeCredential(sampleFacts(issuerProfile(issuer, config), { validFrom: new Date(Date.now() - 60000), status: { listId: missing, statusListIndex: 9, statusListCredential: `${config.BASE_URL}/status-lists/${missing}` } }));
    const { credential } = await signer.sign(issuer.id, unsigned);
    const unknown = await verifyApi(app, credential);
    expect(unknown).toMatchObject({ verified: false, verdict: 'status-unknown' });
    expect(check(unknown, 'status')).toMatchObject({ ok: false, status: 'not-checked' });
    expect(unknown.checks.filter((c) => c.status === 'failed')).toEqual([]);

    const { credential: good, status } = await issue();
    expect(await verifyApi(app, good)).toMatchObject({ verified: true, verdict: 'verified' });
    await setStatus(tdb.db, { listId: status.listId, index: status.statusListIndex, revoked: true });
    const revoked = await verifyApi(app, good);
    expect(revoked).toMatchObject({ verified: false, verdict: 'not-verified' });
    expect(check(revoked, 'status')).toMatchObject({ status: 'failed', message: 'Revoked' });
  });

  test('the public page: form, per-check "established" and "could not establish", DOCTYPE SVG upload, unreadable input, escaping', async () => {
    const form = await request(app).get('/verify').expect(200);
    expect(form.text).toContain('<form method="post" action="/verify" enctype="multipart/form-data">');

    const { credential, jws } = await issue({ name: '<script>alert(1)</script> Badge' });
    const ok = await request(app).post('/verify').field('credential', JSON.stringify(credential)).expect(200);
    expect(ok.headers['cache-control']).toBe('no-store');
    expect(ok.text).toContain('<strong>Verified.</strong>');
    expect(ok.text).toMatch(/<th scope="row">Signing key belongs to the issuer<\/th>\s*<td>passed <span class="muted">\(key: issuer-key\)<\/span><\/td>\s*<td>[^<]*listed as an assertion key in the issuer&#x27;s DID document<\/td>/);
    expect(ok.text).not.toContain('<script>alert(1)</script>');
    expect(ok.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt; Badge');

    const svg = `<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n${bakeSvg('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>', jws)}`;
    const upload = await request(app).post('/verify').attach('file', Buffer.from(svg), { filename: 'badge.svg', contentType: 'image/svg+xml' }).expect(200);
    expect(upload.text).toContain('<strong>Verified.</strong>');
    expect(upload.text).toMatch(/from svg/);

    const missing = randomUUID();
    const unsigned = buildOpenBadgeCredential(sampleFacts(issuerProfile(issuer, config), { validFrom: new Date(Date.now() - 60000), status: { listId: missing, statusListIndex: 1, statusListCredential: `${config.BASE_URL}/status-lists/${missing}` } }));
    const unknown = await request(app).post('/verify').field('credential', JSON.stringify((await signer.sign(issuer.id, unsigned)).credential)).expect(200);
    expect(unknown.text).toContain('<strong>Not verified (status unknown).</strong>');
    expect(unknown.text).toMatch(/<th scope="row">Revocation status<\/th>\s*<td>not checked<\/td>\s*<td><span class="muted">nothing<\/span><\/td>\s*<td>Not checked: status list [^<]+ cannot be fetched/);

    const garbage = await request(app).post('/verify').field('credential', 'not a credential').expect(422);
    expect(garbage.text).toContain('This is not a readable credential');
    const entity = '<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg"/>';
    const refused = await request(app).post('/verify').attach('file', Buffer.from(entity), { filename: 'x.svg', contentType: 'image/svg+xml' }).expect(422);
    expect(refused.text).toContain('entity declarations is not accepted');
    await request(app).post('/verify').field('credential', '').expect(422);
    await request(app).post('/verify').type('form').send('credential=x').expect(415);
  });
});
