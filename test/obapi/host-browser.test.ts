// The OB 3.0 API host journey in a real browser: a learner launches Laurel from the emulated Moodle
// (a real LTI launch), a test backpack discovers and registers, the learner consents in Chromium,
// the backpack pages through the learner's credentials (each checked independently) and reads the
// profile; the learner then disconnects it from their page. axe-core checks the learner page with its
// wallet offer, the offer page, the consent page and the connected-apps page. Skips without Chromium.
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { awardBadge, badgesDepsFor, createAchievement, issueCredential } from '../../src/badges';
import { startPlatform, type Platform } from '../emulator';
import { startLaurel, type RunningLaurel } from '../lti/laurel';
import { CHROMIUM_PATH, launchBrowser } from '../support/browser';
import { apiSchemaErrors, isRevoked, jwsPayload, schemaErrors, stockVerify } from '../support/credential-checks';
import { accessibilityViolations } from '../support/axe';
import type { WalletHttp } from '../wallets/test-wallet';
import { CREDENTIAL_READONLY, PROFILE_READONLY, TestHost } from './test-host';

const haveChromium = existsSync(CHROMIUM_PATH);
if (!haveChromium) console.warn(`SKIP OB 3.0 API browser test: no Chromium at ${CHROMIUM_PATH}`);

const course = { id: '7', label: 'BIO101', title: 'Biology 101' };
const sam = { id: '4', name: 'Sam Student', email: 'student1@example.com' };

/** Absolute URLs fetched for real (the test host talks to Laurel over HTTP, like any backpack). */
function realHttp(): WalletHttp {
  const wrap = async (res: Response) => {
    const text = await res.text();
    return { status: res.status, body: /^\s*[{[]/.test(text) ? JSON.parse(text) : text, headers: Object.fromEntries(res.headers.entries()) };
  };
  return {
    get: async (url, headers = {}) => wrap(await fetch(url, { headers: { accept: 'application/json', ...headers } })),
    postForm: async (url, form) => wrap(await fetch(url, { method: 'POST', body: new URLSearchParams(form) })),
    postJson: async (url, body, headers = {}) => wrap(await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })),
  };
}

(haveChromium ? describe : describe.skip)('OB 3.0 API: a backpack connects with the learner\'s consent in a browser', () => {
  let laurel: RunningLaurel;
  let platform: Platform;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let callback: Server;
  let callbackUrl: string;
  const callbacks: URL[] = [];
  let courseId: string;
  let host: TestHost;
  let accessToken: string;
  let refreshToken: string;
  jest.setTimeout(90_000);

  beforeAll(async () => {
    callback = createServer((req, res) => {
      callbacks.push(new URL(req.url!, callbackUrl));
      res.setHeader('content-type', 'text/html');
      res.end('<!doctype html><title>Backpack</title><p>Connected.</p>');
    });
    await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve));
    callbackUrl = `http://127.0.0.1:${(callback.address() as AddressInfo).port}/callback`;
    [platform, browser] = await Promise.all([startPlatform({ profile: 'moodle' }), launchBrowser()]);
    laurel = await startLaurel({ FRAME_ANCESTORS: `'self' ${platform.url}` });
    const clientId = (await platform.registerTool({ registrationUrl: laurel.registrationUrl })).clientId;
    platform.activateTool(clientId);
    context = await browser.newContext({ bypassCSP: true });
    page = await context.newPage();
    await page.goto(platform.launchUrl({ clientId, user: sam, roles: 'Learner', context: course, resourceLink: { id: '10', title: 'Badges' } }));
    await page.waitForURL(/\/lti\/courses\/[0-9a-f-]{36}\/learner$/);
    courseId = /courses\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    // Two signed badges for the learner the launch created.
    const db = laurel.ctx.database.db.withTables<{ learners: { id: string; lti_user_id: string } }>();
    const learner = await db.selectFrom('learners').select('id').where('lti_user_id', '=', platform.ltiUserId(sam)).executeTakeFirstOrThrow();
    const deps = badgesDepsFor(laurel.ctx);
    for (const name of ['Cell Explorer', 'Mitosis Master']) {
      const achievement = await createAchievement(deps, { courseId, name, description: `${name}.`, criteriaNarrative: 'A lab report of at least 80%.', requiredPercent: 80, status: 'published', actor: 'test' });
      const { award } = await awardBadge(deps, { achievementId: achievement.id, learnerId: learner.id, score: 88, evidence: [{ name: 'Lab report' }], actor: 'test', source: 'manual' });
      await issueCredential(deps, { awardId: award.id });
    }
    host = new TestHost(laurel.url, callbackUrl);
  });
  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await Promise.all([browser?.close(), platform?.close(), new Promise((resolve) => callback?.close(resolve))]);
    await laurel?.close();
  });

  it('the learner page offers "Add to a wallet"; it, the offer page and its result pass axe', async () => {
    await page.reload();
    const add = page.getByRole('link', { name: /Add to a wallet\s*:\s*Cell Explorer/ });
    expect(await add.count()).toBe(1);
    expect(await accessibilityViolations(page)).toEqual([]);
    await add.click();
    await page.waitForURL(/\/learner\/wallet\//);
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Create wallet offer' }).click();
    await page.getByRole('heading', { name: 'Your wallet offer is ready' }).waitFor();
    expect(await page.getByRole('img', { name: /QR code of the wallet offer/ }).count()).toBe(1);
    expect(await page.locator('.wallet-tx-code').textContent()).toMatch(/^\d{6}$/);
    const offerLink = (await page.getByRole('link', { name: 'Open in my wallet app' }).getAttribute('href'))!;
    expect(offerLink).toMatch(/^openid-credential-offer:\/\/\?credential_offer_uri=/);
    // The offer id is a capability: a wallet fetching it leaves no usable trace in the logs.
    const offerUri = new URL(offerLink).searchParams.get('credential_offer_uri')!;
    expect((await fetch(offerUri)).status).toBe(200);
    expect(JSON.stringify(laurel.logs)).not.toContain(offerUri.split('/').pop()!);
    expect(await accessibilityViolations(page)).toEqual([]);
  });

  it('discovers, registers, and obtains the learner\'s consent in the browser (consent page passes axe)', async () => {
    const sdd = await host.discover();
    expect(sdd.components.securitySchemes.OAuth2ACG.flows.authorizationCode.scopes).toHaveProperty([CREDENTIAL_READONLY]);
    const registered = await host.register();
    expect(registered.status).toBe(201);
    expect(host.registration!.scope.split(' ').sort()).toEqual([CREDENTIAL_READONLY, PROFILE_READONLY].sort());

    await page.goto(host.authorizationUrl());
    await page.getByRole('heading', { level: 1, name: /Allow Test Backpack to read your badges/ }).waitFor();
    expect(await page.getByText(`You are signed in as ${sam.name}`).count()).toBe(1);
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Allow', exact: true }).click();
    await page.waitForURL(/127\.0\.0\.1:\d+\/callback/);
    const back = callbacks.filter((u) => u.pathname === '/callback').at(-1)!;
    expect(back.searchParams.get('state')).toBe(host.state);
    expect(back.searchParams.get('iss')).toBe(laurel.url);
    const tokens = await host.exchange(back.searchParams.get('code')!);
    expect(tokens.status).toBe(200);
    const body = (await tokens.json()) as { access_token: string; refresh_token: string; token_type: string; scope: string };
    expect(body.token_type).toBe('Bearer');
    accessToken = body.access_token;
    refreshToken = body.refresh_token;
    // Nothing secret reaches the logs: not the code (in the consent redirect), tokens or the client secret.
    const logs = JSON.stringify(laurel.logs);
    for (const secret of [back.searchParams.get('code')!, accessToken, refreshToken, host.registration!.client_secret]) expect(logs).not.toContain(secret);
  });

  it('pages through the learner\'s credentials (X-Total-Count, Link) and each passes the independent checks', async () => {
    const { credentials, pages, total } = await host.allCredentials(accessToken, 1);
    expect(total).toBe(2);
    expect(pages).toBe(2);
    expect(credentials.map((c) => c.credentialSubject.achievement.name).sort()).toEqual(['Cell Explorer', 'Mitosis Master']);
    const http = realHttp();
    for (const credential of credentials) {
      expect(schemaErrors(credential)).toEqual([]);
      const stock = await stockVerify(http, laurel.url, credential);
      expect(stock.verified).toBe(true);
      expect(await isRevoked(http, credential.credentialStatus)).toBe(false);
      const jws = await fetch(`${laurel.url}/credentials/${String(credential.id).split('/').pop()}?format=jwt`).then((r) => r.text());
      expect((await jwsPayload(http, laurel.url, jws)).jti).toBe(credential.id);
    }
    const firstPage = await fetch(`${host.endpoints!.apiBase}/credentials?limit=1`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(apiSchemaErrors('ob_v3p0_getopenbadgecredentialsresponse_schema.json', await firstPage.json())).toEqual([]);
    const since = await fetch(`${host.endpoints!.apiBase}/credentials?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(since.headers.get('x-total-count')).toBe('0');
    const profile = await fetch(`${host.endpoints!.apiBase}/profile`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(profile.status).toBe(200);
    const profileBody = (await profile.json()) as { name: string };
    expect(profileBody.name).toBe(sam.name);
    expect(apiSchemaErrors('ob_v3p0_profile_schema.json', profileBody)).toEqual([]);
  });

  it('refreshes, then the learner disconnects the app from their page (passes axe) and its tokens stop working', async () => {
    const refreshed = await host.token({ grant_type: 'refresh_token', refresh_token: refreshToken });
    expect(refreshed.status).toBe(200);
    accessToken = ((await refreshed.json()) as { access_token: string }).access_token;
    await page.goto(`${laurel.url}/lti/courses/${courseId}/learner`);
    await page.getByRole('link', { name: 'See and remove the apps you connected' }).click();
    await page.getByRole('heading', { level: 3, name: 'Test Backpack' }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Disconnect Test Backpack' }).click();
    await page.getByRole('status').filter({ hasText: 'disconnected' }).waitFor();
    const after = await fetch(`${host.endpoints!.apiBase}/credentials`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(after.status).toBe(401);
  });
});
