import request from 'supertest';
import { sql } from 'kysely';
import { badgesDepsFor } from '../../src/badges/context';
import { issueCredential } from '../../src/badges/issue';
import { bindPlatformIssuer, ensureDefaultIssuer, platformIssuerSlug, unbindPlatformIssuer } from '../../src/credentials';
import { record } from './summary';
import { createTwoTenants, type TwoTenants } from './two-tenants';

jest.setTimeout(120_000);

// Issue 15: two institutions on one Laurel never sign for each other.
describe('issuers per institution', () => {
  let t: TwoTenants;
  beforeAll(async () => {
    t = await createTwoTenants();
  });
  afterAll(() => t.close());

  const issuerOf = async (achievementId: string) =>
    (await sql<{ issuer_id: string }>`select issuer_id from achievements where id = ${achievementId}`.execute(t.ctx.database.db)).rows[0]!.issuer_id;

  it('a platform bound to its own issuer signs with it; the other keeps the default; both verify', async () => {
    const db = t.ctx.database.db;
    const defaultIssuer = await ensureDefaultIssuer(db, t.ctx.config);
    expect(await issuerOf(t.a.achievementId)).toBe(defaultIssuer.id);
    const own = await bindPlatformIssuer(db, t.ctx.config, { platformId: t.a.platformId, name: 'Alpha University', now: new Date() });
    expect(own.id).toBe(platformIssuerSlug(t.a.platformId));
    expect(own.did).not.toBe(defaultIssuer.did);
    // Binding twice changes nothing.
    expect((await bindPlatformIssuer(db, t.ctx.config, { platformId: t.a.platformId, name: 'Other', now: new Date() })).id).toBe(own.id);
    expect(await issuerOf(t.a.achievementId)).toBe(own.id);
    expect(await issuerOf(t.b.achievementId)).toBe(defaultIssuer.id);

    const deps = badgesDepsFor(t.ctx);
    const alpha = await issueCredential(deps, { awardId: t.a.awardId });
    const beta = await issueCredential(deps, { awardId: t.b.awardId });
    const issuerDid = (c: { document: unknown }) => ((c.document as { issuer: { id: string } }).issuer.id);
    expect(issuerDid(alpha.credential)).toBe(own.did);
    expect(issuerDid(beta.credential)).toBe(defaultIssuer.did);
    expect((alpha.credential.document as { issuer: { name: string } }).issuer.name).toBe('Alpha University');
    // Each signed with its own issuer's keys and status list.
    const keyIssuers = await sql<{ issuer_id: string }>`select distinct issuer_id from signing_keys where id = any(${alpha.credential.key_ids}::text[])`.execute(db);
    expect(keyIssuers.rows.map((r) => r.issuer_id)).toEqual([own.id]);
    const lists = await sql<{ issuer_id: string }>`select issuer_id from status_lists where id = ${alpha.credential.status_list_id}`.execute(db);
    expect(lists.rows[0]!.issuer_id).toBe(own.id);
    expect((await deps.credentials.verify(db, alpha.credential.document as Record<string, unknown>)).verified).toBe(true);
    expect((await deps.credentials.verify(db, beta.credential.document as Record<string, unknown>)).verified).toBe(true);

    // A new achievement in A's course takes A's issuer at once; one in B's the default.
    const create = (courseId: string, token: string) => request(t.app).post('/api/v1/achievements').set('Authorization', `Bearer ${token}`).send({ courseId, name: 'New', description: 'd', criteria: { narrative: 'n' } });
    const newAlpha = await create(t.a.courseId, t.a.token);
    const newBeta = await create(t.b.courseId, t.b.token);
    expect(await issuerOf(newAlpha.body.id)).toBe(own.id);
    expect(await issuerOf(newBeta.body.id)).toBe(defaultIssuer.id);

    // Back to the default: achievements re-point; what A's issuer signed keeps verifying.
    await unbindPlatformIssuer(db, { platformId: t.a.platformId, defaultIssuerId: defaultIssuer.id });
    expect(await issuerOf(t.a.achievementId)).toBe(defaultIssuer.id);
    expect((await deps.credentials.verify(db, alpha.credential.document as Record<string, unknown>)).verified).toBe(true);
    record('issuers per institution', { tried: 6, refused: 6, failures: 0 });
  });

  it('binding is an operator action: A’s platform administrator is refused', async () => {
    const page = await request(t.app).get(`/lti/courses/${t.a.courseId}/admin`).set('Cookie', t.a.adminCookie);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const bind = await request(t.app).post(`/lti/courses/${t.a.courseId}/admin/platforms/${t.a.platformId}/issuer`).set('Cookie', t.a.adminCookie).type('form').send({ _csrf: csrf, mode: 'own' });
    expect(bind.status).toBe(403);
  });
});
