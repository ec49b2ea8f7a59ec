import { ensureDefaultIssuer } from '../../src/credentials';
import { testConfig } from '../support/config';
import { createTestDatabase, type TestDatabase } from '../support/db';

describe('the default issuer on a new install', () => {
  let tdb: TestDatabase;
  beforeEach(async () => {
    tdb = await createTestDatabase();
  });
  afterEach(() => tdb.close());

  it('is named ISSUER_NAME when set', async () => {
    const issuer = await ensureDefaultIssuer(tdb.db, testConfig({ BASE_URL: 'https://badges.example.edu', ISSUER_NAME: 'Example University' }));
    expect(issuer.name).toBe('Example University');
  });

  it('is named after the host otherwise, and a later ISSUER_NAME does not rename an existing issuer', async () => {
    expect((await ensureDefaultIssuer(tdb.db, testConfig({ BASE_URL: 'https://badges.example.edu' }))).name).toBe('badges.example.edu');
    expect((await ensureDefaultIssuer(tdb.db, testConfig({ BASE_URL: 'https://badges.example.edu', ISSUER_NAME: 'Renamed' }))).name).toBe('badges.example.edu');
  });
});
