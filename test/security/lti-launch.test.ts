import { browse, CookieJar, startPlatform, type LaunchTamper, type Platform } from '../emulator';
import { hasStackTrace, startLaurel, type RunningLaurel } from '../lti/laurel';
import { record } from './summary';

jest.setTimeout(180_000);

const student = { id: '4', name: 'Sam Student', email: 'student1@example.com' };
const admin = { id: '2', name: 'Alex Admin', email: 'admin@example.com' };
const course = { id: '2', label: 'LTILAB', title: 'LTI Lab Course' };

/**
 * Issue 15 attack suite, LTI launches: one Laurel, two registered Moodle platforms (A and B). Every
 * forged launch is refused with a clear 4xx page and opens no session; B's launches never reach A's
 * course, and B's administrator gets nothing of A.
 */
describe('LTI launch attacks', () => {
  let laurel: RunningLaurel;
  let a: Platform;
  let b: Platform;
  let clientA: string;
  let clientB: string;
  beforeAll(async () => {
    laurel = await startLaurel();
    [a, b] = await Promise.all([startPlatform({ profile: 'moodle' }), startPlatform({ profile: 'moodle' })]);
    clientA = (await a.registerTool({ registrationUrl: laurel.registrationUrl })).clientId;
    a.activateTool(clientA);
    clientB = (await b.registerTool({ registrationUrl: laurel.registrationUrl })).clientId;
    b.activateTool(clientB);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await laurel?.close();
  });

  const launch = (platform: Platform, clientId: string, options: { user?: typeof student; roles?: 'Learner' | 'Administrator'; tamper?: LaunchTamper; jar?: CookieJar } = {}) =>
    browse(platform.launchUrl({ clientId, user: options.user ?? student, roles: options.roles ?? 'Learner', context: course, resourceLink: { id: '10', title: 'Badges' }, ...(options.tamper ? { tamper: options.tamper } : {}) }), { jar: options.jar ?? new CookieJar() });

  it('refuses every forged launch with a 4xx page, no stack trace and no session', async () => {
    // An honest launch first (replayNonce reuses its nonce).
    const honest = await launch(a, clientA);
    expect(honest.status).toBe(200);
    expect(honest.url).toMatch(/\/learner$/);
    const cases: Array<[string, LaunchTamper]> = [
      ['forged signature', { badSignature: true }],
      ['alg none', { algNone: true }],
      ['HS256 keyed with the public key', { hs256PublicKey: true }],
      ['unknown kid', { unknownKid: true }],
      ['wrong iss', { wrongIss: true }],
      ['wrong aud', { wrongAud: true }],
      ['unknown deployment', { unknownDeployment: true }],
      ['missing deployment', { missingClaim: 'https://purl.imsglobal.org/spec/lti/claim/deployment_id' }],
      ['expired', { expired: true }],
      ['issued in the future', { issuedInFuture: true }],
      ['replayed nonce', { replayNonce: true }],
      ['state mismatch', { stateMismatch: true }],
    ];
    const failures: string[] = [];
    for (const [name, tamper] of cases) {
      const jar = new CookieJar();
      const page = await launch(a, clientA, { tamper, jar });
      const session = (jar.header(`${laurel.url}/lti/courses/x`) ?? '').includes('laurel_lti_');
      if (page.status < 400 || page.status >= 500 || hasStackTrace(page.body) || session) failures.push(`${name}: ${page.status}${session ? ' (session opened)' : ''}`);
    }
    record('LTI launch forgeries', { tried: cases.length, refused: cases.length - failures.length, failures: failures.length });
    expect(failures).toEqual([]);
  });

  it("keeps platform B's launches out of A's course, and B's administrator out of A", async () => {
    const failures: string[] = [];
    const jarA = new CookieJar();
    const fromA = await launch(a, clientA, { jar: jarA });
    const courseA = /\/lti\/courses\/([0-9a-f-]{36})\//.exec(fromA.url)![1]!;
    // B sends the very same context id, user id and roles: Laurel keys courses and people per platform.
    const jarB = new CookieJar();
    const fromB = await launch(b, clientB, { user: admin, roles: 'Administrator', jar: jarB });
    const courseB = /\/lti\/courses\/([0-9a-f-]{36})\//.exec(fromB.url)?.[1];
    if (!courseB || courseB === courseA) failures.push(`B's launch landed in ${courseB ?? fromB.url}`);
    // B's cookies (an administrator of B) on A's course pages: refused.
    for (const page of ['learner', 'instructor', 'admin']) {
      const res = await fetch(`${laurel.url}/lti/courses/${courseA}/${page}`, { headers: { cookie: jarB.header(`${laurel.url}/lti/courses/${courseA}/${page}`) ?? '', accept: 'application/json' } });
      if (res.status !== 401 && res.status !== 403) failures.push(`B's admin on A's ${page}: ${res.status}`);
    }
    // B's administrator console lists B's platform only.
    const consoleB = await fetch(`${laurel.url}/lti/courses/${courseB}/admin`, { headers: { cookie: jarB.header(`${laurel.url}/lti/courses/${courseB}/admin`) ?? '' } });
    const html = await consoleB.text();
    if (consoleB.status !== 200) failures.push(`B's console: ${consoleB.status}`);
    if (html.includes(clientA)) failures.push("B's console shows A's registration");
    if (html.includes('Rotate keys') || html.includes('Register a platform manually')) failures.push("B's administrator sees operator actions");
    record('LTI cross-platform launches', { tried: 6, refused: 6 - failures.length, failures: failures.length });
    expect(failures).toEqual([]);
  });
});
