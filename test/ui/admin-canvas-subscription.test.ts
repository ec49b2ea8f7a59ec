import { browse, CookieJar, startPlatform, type Platform } from '../emulator';
import { startLaurel, type RunningLaurel } from '../lti/laurel';

jest.setTimeout(60_000);

const admin = { id: '2', name: 'Alex Admin', email: 'admin@example.com' };
const course = { id: '2', label: 'LTILAB', title: 'LTI Lab Course' };

/**
 * The console's "Create Canvas Live Events subscription" button against the Canvas emulator's Data
 * Services API, with Laurel's real LTI client-credentials token (registered by Dynamic Registration).
 */
describe('admin console: Canvas Live Events subscription (emulator)', () => {
  let laurel: RunningLaurel;
  let canvas: Platform;
  let jar: CookieJar;
  let adminUrl: string;
  let sourceId: string;

  beforeAll(async () => {
    laurel = await startLaurel();
    canvas = await startPlatform({ profile: 'canvas' });
    const clientId = (await canvas.registerTool({ registrationUrl: laurel.registrationUrl })).clientId;
    jar = new CookieJar();
    const page = await browse(canvas.launchUrl({ clientId, user: admin, roles: 'Administrator', context: course, resourceLink: { id: '10', title: 'Badges' } }), { jar });
    expect(page.url).toMatch(/\/lti\/courses\/[0-9a-f-]{36}\/admin$/);
    adminUrl = page.url;
  });
  afterAll(async () => {
    await canvas?.close();
    await laurel?.close();
  });

  async function post(path: string, form: Record<string, string>): Promise<{ status: number; text: string }> {
    const page = await fetch(adminUrl, { headers: { cookie: jar.header(laurel.url)!, accept: 'text/html' } });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
    const res = await fetch(`${adminUrl}${path}`, {
      method: 'POST', redirect: 'manual',
      headers: { cookie: jar.header(laurel.url)!, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', origin: laurel.url },
      body: new URLSearchParams({ ...form, _csrf: csrf }),
    });
    return { status: res.status, text: await res.text() };
  }

  it('creates the subscription with the LTI token, and says so; a second press changes nothing', async () => {
    const created = await post('/sources/canvas', { name: 'Emulated Canvas', jwksUrl: canvas.dataServices.jwksUrl });
    expect(created.status).toBe(201);
    sourceId = /Source id<\/dt><dd><code>([0-9a-f-]{36})<\/code>/.exec(created.text)![1]!;
    const res = await post(`/sources/${sourceId}/canvas-subscription`, { accountId: canvas.ltiContextId('1'), apiBase: canvas.url, format: 'live-event' });
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/Canvas created subscription [0-9a-f-]{36}: Live Events now go to this source\./);
    expect(canvas.dataServices.subscriptions()).toEqual([expect.objectContaining({ State: 'Active', Format: 'live-event', TransportMetadata: { Url: `${laurel.url}/events/canvas/${sourceId}` } })]);
    const again = await post(`/sources/${sourceId}/canvas-subscription`, { accountId: canvas.ltiContextId('1'), apiBase: canvas.url, format: 'live-event' });
    expect(again.text).toContain('Canvas already delivers to this source');
    expect(canvas.dataServices.subscriptions()).toHaveLength(1);

    // Canvas now delivers signed grade changes to the source, which the console then shows as receiving.
    const [delivery] = await canvas.dataServices.deliver({
      metadata: { event_name: 'grade_change', event_time: new Date().toISOString(), context_type: 'Course', context_id: '565', root_account_uuid: 'x' },
      body: { submission_id: '48', assignment_id: '355', user_id: '4', student_id: '4', score: 7, points_possible: 10, grade: '7', muted: false },
    });
    expect(delivery?.status).toBe(202);
    const page = await fetch(adminUrl, { headers: { cookie: jar.header(laurel.url)!, accept: 'text/html' } });
    expect(await page.text()).toMatch(new RegExp(`id="source-${sourceId}"[\\s\\S]*?status-ok">receiving<`));
  });

  it('shows the reason when Canvas refuses (404) or the address is not one of the platform\'s hosts, and audits the failure', async () => {
    // A Canvas address with a path Canvas does not serve: Data Services answers 404.
    const refused = await post(`/sources/${sourceId}/canvas-subscription`, { accountId: '1', apiBase: `${canvas.url}/elsewhere`, format: 'caliper' });
    expect(refused.status).toBe(502);
    expect(refused.text).toMatch(/role="alert" id="subscription-outcome"><p>Canvas Data Services answered 404/);
    // Another host (here another port): refused before any connection, since service calls are pinned
    // to the hosts the platform registered or named in its launches.
    const elsewhere = await post(`/sources/${sourceId}/canvas-subscription`, { accountId: '1', apiBase: 'http://127.0.0.1:9', format: 'live-event' });
    expect(elsewhere.status).toBe(502);
    expect(elsewhere.text).toMatch(/calls only the hosts this platform registered or named in its launches, and 127\.0\.0\.1:9 is not one of them/);
    const bad = await post(`/sources/${sourceId}/canvas-subscription`, { accountId: '', apiBase: 'nope', format: 'xml' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Enter the Canvas account id');
    const { rows } = await laurel.ctx.tdb.pool.query(`select action from audit_log where subject_id = $1 and action like 'event_source.canvas%' order by at`, [sourceId]);
    expect(rows.map((r: { action: string }) => r.action)).toEqual(['event_source.canvas_subscribed', 'event_source.canvas_subscribed', 'event_source.canvas_subscribe_failed', 'event_source.canvas_subscribe_failed']);
  });
});
