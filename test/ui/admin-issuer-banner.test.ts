import request from 'supertest';
import { ensureDefaultIssuer } from '../../src/credentials';
import { createAdminConsoleFixture, type AdminConsoleFixture } from './support';

jest.setTimeout(60_000);

/** The admin console says, in a small banner, when an issuer that has issued no longer matches BASE_URL. */
describe('admin console: issuer address mismatch banner', () => {
  let fixture: AdminConsoleFixture;
  beforeAll(async () => {
    fixture = await createAdminConsoleFixture({ config: { BASE_URL: 'https://badges-new.example.edu' } });
  });
  afterAll(() => fixture.close());

  const page = () => request(fixture.app).get(`/lti/courses/${fixture.courseId}/admin`).set('Cookie', fixture.cookie).set('Accept', 'text/html');

  it('no banner while the issuer matches BASE_URL; a banner naming the old DID, the URL and the fix once it has issued elsewhere', async () => {
    const before = await page();
    expect(before.status).toBe(200);
    expect(before.text).not.toContain('Issuer address mismatch');
    // The console created the default issuer under BASE_URL; pretend it issued under an older address.
    const db = fixture.ctx.tdb.pool;
    await ensureDefaultIssuer(fixture.ctx.database.db, fixture.ctx.config);
    await db.query(`update credential_issuers set did = 'did:web:badges-old.example.edu', first_issued_at = now() where id = 'default'`);
    const after = await page();
    expect(after.status).toBe(200);
    expect(after.text).toContain('<strong>Issuer address mismatch.</strong>');
    expect(after.text).toContain('Issuer &#x27;default&#x27; has issued credentials as did:web:badges-old.example.edu, but BASE_URL https://badges-new.example.edu would make it did:web:badges-new.example.edu.');
    expect(after.text).toContain('https://badges-old.example.edu/.well-known/did.json');
    expect(after.text).toContain('redirect the old origin to https://badges-new.example.edu');
  });
});
