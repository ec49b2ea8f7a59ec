import express from 'express';
import request from 'supertest';
import { Redis } from 'ioredis';
import { compactVerify, createLocalJWKSet } from 'jose';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import type { AppContext } from '../../src/context';
import {
  allocateStatusEntry, bakePng, bakeSvg, buildOpenBadgeCredential, createDocumentLoader, createSigner,
  decodeStatusList, defaultBadgePng, defaultBadgeSvg, ensureDefaultIssuer, issuerProfile, resolveDidUrl, setStatus, upsertIssuer,
  type DidDocument,
} from '../../src/credentials';
import { createCredentialsRouter } from '../../src/credentials/web';
import { createLogger } from '../../src/log';
import { errorHandler, notFound } from '../../src/http';
import { createTestDatabase, requireEnv, type TestDatabase } from '../support/db';
import { testConfig } from '../support/config';
import { dropPrefix, testQueuePrefix } from '../support/redis';
import { sampleFacts } from './support/facts';
import { describeWithSpec } from './support/spec';

type Json = Record<string, unknown>;

describeWithSpec('credentials HTTP router', () => {
  const prefix = testQueuePrefix();
  const config = testConfig({ BASE_URL: 'http://localhost:3000', QUEUE_PREFIX: prefix });
  let tdb: TestDatabase;
  let redis: Redis;
  let app: express.Express;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    redis = new Redis(requireEnv('REDIS_URL'), { maxRetriesPerRequest: 1 });
    const ctx = { config, logger: createLogger({ level: 'silent' }), database: tdb, redis, queues: undefined } as unknown as AppContext;
    app = express();
    app.use((req, _res, next) => {
      (req as unknown as { log: unknown }).log = ctx.logger;
      next();
    });
    app.use(createCredentialsRouter(ctx));
    app.use(notFound);
    app.use(errorHandler);
  });
  afterAll(async () => {
    redis.disconnect();
    await dropPrefix(prefix);
    await tdb.close();
  });

  async function issue() {
    const issuer = await ensureDefaultIssuer(tdb.db, config);
    const status = await allocateStatusEntry(tdb.db, issuer.id, config);
    const signer = await createSigner(tdb.db, config);
    const unsigned = buildOpenBadgeCredential(sampleFacts(issuerProfile(issuer, config), { status, validFrom: new Date(Date.now() - 60000) }));
    return { status, ...(await signer.sign(issuer.id, unsigned)) };
  }

  test('JWKS verifies our JWS; DID document alone verifies our DI proof with stock @digitalbazaar/vc', async () => {
    const { credential, jws } = await issue();
    const keys = await request(app).get('/.well-known/jwks.json').expect(200);
    expect(keys.headers['cache-control']).toContain('max-age');
    await expect(compactVerify(jws, createLocalJWKSet(keys.body))).resolves.toBeDefined();
    const did = await request(app).get('/.well-known/did.json').expect(200);
    const didDoc = JSON.parse(did.text) as DidDocument;
    expect(didDoc.id).toBe('did:web:localhost%3A3000');
    const contexts = createDocumentLoader();
    const documentLoader = async (url: string) => {
      const doc = resolveDidUrl([didDoc], url);
      return doc ? { contextUrl: null, documentUrl: url, document: doc } : contexts(url);
    };
    const result = await vc.verifyCredential({ credential, suite: new DataIntegrityProof({ cryptosuite }), documentLoader, checkStatus: async () => ({ verified: true }) });
    expect(result.verified).toBe(true);
  });

  test('issuer Profile and per-issuer DID documents; unknown ids are 404 problem JSON', async () => {
    await ensureDefaultIssuer(tdb.db, config);
    const profile = await request(app).get('/issuers/default').expect(200);
    expect(profile.body).toMatchObject({ id: 'did:web:localhost%3A3000', type: ['Profile'] });
    await upsertIssuer(tdb.db, config, { id: 'biology', name: 'Biology Dept' });
    const did = await request(app).get('/issuers/biology/did.json').expect(200);
    expect(JSON.parse(did.text).id).toBe('did:web:localhost%3A3000:issuers:biology');
    const missing = await request(app).get('/issuers/nope').expect(404);
    expect(missing.body.code).toBe('ERR_NOT_FOUND');
    await request(app).get('/issuers/..%2Fetc').expect(404);
  });

  test('status list: signed BitstringStatusListCredential with ETag; revocation changes it at once', async () => {
    const { status, credential } = await issue();
    const path = `/status-lists/${status.listId}`;
    const first = await request(app).get(path).expect(200);
    expect(first.headers['cache-control']).toBe('public, no-cache');
    const list = JSON.parse(first.text) as Json;
    expect(list.type).toEqual(['VerifiableCredential', 'BitstringStatusListCredential']);
    const subject = list.credentialSubject as Json;
    expect(String(subject.encodedList)).toMatch(/^u/);
    expect(decodeStatusList(String(subject.encodedList)).length * 8).toBeGreaterThanOrEqual(131072);
    await request(app).get(path).set('If-None-Match', String(first.headers.etag)).expect(304);
    await setStatus(tdb.db, { listId: status.listId, index: status.statusListIndex, revoked: true });
    const after = await request(app).get(path).set('If-None-Match', String(first.headers.etag)).expect(200);
    const bits = decodeStatusList(String((JSON.parse(after.text).credentialSubject as Json).encodedList));
    expect((bits[status.statusListIndex >> 3] >> (7 - (status.statusListIndex % 8))) & 1).toBe(1);
    const verified = await request(app).post('/api/v1/verify').send({ credential }).expect(200);
    expect(verified.body.verified).toBe(false);
    expect(verified.body.checks).toContainEqual({ check: 'status', ok: false, status: 'failed', message: 'Revoked' });
    expect(verified.body).toMatchObject({ verified: false, verdict: 'not-verified' });
    await request(app).get('/status-lists/not-a-uuid').expect(404);
  });

  test('POST /api/v1/verify accepts JSON, JWS, PNG and SVG uploads; bad input is 4xx problem JSON', async () => {
    const { credential, jws } = await issue();
    for (const body of [{ credential }, { credential: jws }, { credential: JSON.stringify(credential) }]) {
      const res = await request(app).post('/api/v1/verify').send(body).expect(200);
      expect(res.body.verified).toBe(true);
    }
    const png = bakePng(defaultBadgePng({ name: 'X' }), jws);
    const res = await request(app).post('/api/v1/verify').set('Content-Type', 'image/png').send(png).expect(200);
    expect(res.body.verified).toBe(true);
    const svg = bakeSvg(defaultBadgeSvg({ name: 'X' }), jws);
    expect((await request(app).post('/api/v1/verify').set('Content-Type', 'image/svg+xml').send(svg).expect(200)).body.verified).toBe(true);
    expect((await request(app).post('/api/v1/verify').send({ credential: '{bad json' }).expect(422)).body.code).toBe('ERR_CREDENTIAL_INVALID');
    expect((await request(app).post('/api/v1/verify').send({ nothing: 1 }).expect(422)).body.code).toBe('ERR_VALIDATION');
    expect((await request(app).post('/api/v1/verify').set('Content-Type', 'image/png').send(Buffer.from('garbage')).expect(422)).body.code).toBe('ERR_CREDENTIAL_INVALID');
    await request(app).post('/api/v1/verify').set('Content-Type', 'image/png').send(Buffer.alloc(6 * 1024 * 1024)).expect(413);
    expect((await request(app).post('/api/v1/verify').set('Content-Type', 'application/xml').send('<x/>').expect(415)).body.code).toBe('ERR_UNSUPPORTED_MEDIA_TYPE');
  });
});
