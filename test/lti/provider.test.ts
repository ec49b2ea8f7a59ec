import { createProvider } from '../../src/lti';
import { createTestDatabase, type TestDatabase } from '../support/db';

const props = (tdb: TestDatabase) => ({
  db: tdb.db,
  keyEncryptionKey: Buffer.alloc(32, 7).toString('base64'),
  secureCookies: true,
  tokenMaxAgeSeconds: 90,
  nonceTtlSeconds: 130,
  routes: { launch: '/launch', login: '/login', keys: '/keys', register: '/register' },
});

describe('createProvider (ltijs in serverless mode)', () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await createTestDatabase();
  });
  afterAll(async () => {
    await tdb.close();
  });

  it('makes independent providers from the ltijs singleton and leaves no SIGINT handler behind', async () => {
    const sigint = process.listeners('SIGINT').length;
    const exit = process.exit;
    const first = await createProvider(props(tdb));
    const second = await createProvider(props(tdb));
    expect(first.lti).not.toBe(second.lti);
    expect(first.lti.app).not.toBe(second.lti.app);
    expect(process.listeners('SIGINT')).toHaveLength(sigint);
    expect(process.exit).toBe(exit);
    await first.lti.close({ silent: true });
    await second.lti.close({ silent: true });
  });
});
