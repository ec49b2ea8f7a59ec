import type { Express } from 'express';
import { sql } from 'kysely';
import request from 'supertest';
import { createApp } from '../../src/app';
import { createToken } from '../../src/tokens';
import { createTestContext, type TestContext } from '../support/context';

/**
 * `/api/v1/platforms` (lti's adapter) and `/api/v1/event-sources` (events') across the seam between
 * them: removing a platform through the API disables that platform's event sources in the same
 * request (the events side comes in through the PlatformRemovalHooks src/app wires), and a token bound
 * to one platform can neither remove nor see another platform or its sources.
 */

let ctx: TestContext;
let app: Express;
let instance: string;

const platformBody = (name: string, host: string) => ({
  name, lms: 'moodle', issuer: `https://${host}`, clientId: `client-${host}`, authEndpoint: `https://${host}/mod/lti/auth.php`,
  tokenEndpoint: `https://${host}/mod/lti/token.php`, jwksUrl: `https://${host}/mod/lti/certs.php`, deploymentIds: ['1'],
});

beforeAll(async () => {
  ctx = await createTestContext();
  app = await createApp(ctx);
  instance = (await createToken(ctx.database.db, { name: 'platforms-api-test', scopes: ['admin'] })).token;
}, 60_000);
afterAll(async () => {
  await ctx.close();
});

const as = (token: string) => ({
  get: (path: string) => request(app).get(path).set('Authorization', `Bearer ${token}`),
  post: (path: string, body?: object) => request(app).post(path).set('Authorization', `Bearer ${token}`).send(body),
  delete: (path: string) => request(app).delete(path).set('Authorization', `Bearer ${token}`),
});

test("removing a platform disables its event sources, not another platform's; a token bound to the other platform cannot remove it", async () => {
  const admin = as(instance);
  const alpha = await admin.post('/api/v1/platforms', platformBody('Alpha Moodle', 'alpha.example.edu'));
  const beta = await admin.post('/api/v1/platforms', platformBody('Beta Moodle', 'beta.example.edu'));
  expect([alpha.status, beta.status]).toEqual([201, 201]);
  const alphaId = alpha.body.platform.id as string;
  const betaId = beta.body.platform.id as string;
  expect(alpha.body.tool).toEqual({ login: `${ctx.config.BASE_URL}/lti/login`, launch: `${ctx.config.BASE_URL}/lti/launch`, jwks: `${ctx.config.BASE_URL}/lti/keys` });

  const alphaSource = await admin.post('/api/v1/event-sources', { kind: 'moodle', name: 'Alpha source', platformId: alphaId });
  const betaSource = await admin.post('/api/v1/event-sources', { kind: 'moodle', name: 'Beta source', platformId: betaId });
  expect([alphaSource.status, betaSource.status]).toEqual([201, 201]);
  const alphaSourceId = alphaSource.body.source.id as string;
  const betaSourceId = betaSource.body.source.id as string;

  // Beta's token: Alpha and its source are absent (404), and trying to remove Alpha changes nothing.
  const betaToken = as((await createToken(ctx.database.db, { name: 'beta-admin', scopes: ['admin'], platformId: betaId })).token);
  expect((await betaToken.get(`/api/v1/platforms/${alphaId}`)).status).toBe(404);
  expect((await betaToken.get(`/api/v1/event-sources/${alphaSourceId}`)).status).toBe(404);
  const refused = await betaToken.delete(`/api/v1/platforms/${alphaId}`);
  expect(refused.status).toBe(404);
  expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
  expect((await admin.get(`/api/v1/platforms/${alphaId}`)).body.status).toBe('active');
  expect((await admin.get(`/api/v1/event-sources/${alphaSourceId}`)).body).toMatchObject({ enabled: true, status: 'waiting' });

  // The instance-wide token removes Alpha: its source stops at once, Beta's keeps receiving.
  expect((await admin.delete(`/api/v1/platforms/${alphaId}`)).status).toBe(204);
  expect((await admin.get(`/api/v1/platforms/${alphaId}`)).body.status).toBe('disabled');
  expect((await admin.get(`/api/v1/event-sources/${alphaSourceId}`)).body).toMatchObject({ enabled: false, status: 'disabled' });
  expect((await admin.get(`/api/v1/event-sources/${betaSourceId}`)).body).toMatchObject({ enabled: true });
  expect((await admin.get(`/api/v1/platforms/${betaId}`)).body.status).toBe('active');
  const audit = await sql<{ details: { eventSourcesDisabled: number } }>`select details from audit_log where action = 'platform.removed' and subject_id = ${alphaId}`.execute(ctx.database.db);
  expect(audit.rows).toHaveLength(1);
  expect(audit.rows[0]!.details.eventSourcesDisabled).toBe(1);

  // Removing it again conflicts; Beta's token lists Beta alone.
  expect((await admin.delete(`/api/v1/platforms/${alphaId}`)).status).toBe(409);
  expect((await betaToken.get('/api/v1/platforms')).body.items.map((p: { id: string }) => p.id)).toEqual([betaId]);
});
