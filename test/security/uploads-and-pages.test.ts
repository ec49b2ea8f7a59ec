import { deflateSync } from 'node:zlib';
import express from 'express';
import request from 'supertest';
import { LtiSessions } from '../../src/lti/session';
import { badgesDepsFor } from '../../src/badges/context';
import { issueCredential } from '../../src/badges/issue';
import { checkBadgeImage } from '../../src/images';
import { awardsCsv } from '../../src/ui/csv';
import { appRoutes } from './routes';
import { record } from './summary';
import { createTwoTenants, type TwoTenants } from './two-tenants';

jest.setTimeout(120_000);

/** A real PNG of any declared size whose pixel data is a few hundred bytes of deflate. */
function png(width: number, height: number, rows = Math.min(height, 4)): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4); length.writeUInt32BE(data.length);
    return Buffer.concat([length, Buffer.from(type, 'latin1'), data, Buffer.alloc(4)]);
  };
  const ihdr = Buffer.alloc(13); ihdr.writeUInt32BE(width, 0); ihdr.writeUInt32BE(height, 4); ihdr[8] = 8; ihdr[9] = 6;
  const idat = deflateSync(Buffer.alloc(rows * (width * 4 + 1)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

describe('attack suite: uploads', () => {
  it('refuses or defuses hostile SVG and PNG badge images, and CSV formulas on export', () => {
    const failures: string[] = [];
    const svg = (body: string) => Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">${body}</svg>`);
    const defused = (name: string, bytes: Buffer, forbidden: RegExp) => {
      try {
        const out = checkBadgeImage(bytes).bytes.toString('utf8');
        if (forbidden.test(out)) failures.push(`${name}: kept ${forbidden}`);
      } catch (error) {
        if ((error as { code?: string }).code !== 'ERR_VALIDATION') failures.push(`${name}: ${String(error)}`);
      }
    };
    const refused = (name: string, bytes: Buffer) => {
      try { checkBadgeImage(bytes); failures.push(`${name}: accepted`); } catch (error) { if ((error as { code?: string }).code !== 'ERR_VALIDATION') failures.push(`${name}: ${String(error)}`); }
    };
    defused('SVG with script', svg('<script>alert(document.cookie)</script><circle r="4"/>'), /<script/i);
    defused('SVG with an event handler', svg('<circle r="4" onload="alert(1)"/>'), /onload/i);
    defused('SVG with foreignObject', svg('<foreignObject><iframe src="https://evil.example"></iframe></foreignObject>'), /foreignObject|iframe/i);
    defused('SVG with an external image', svg('<image href="https://evil.example/track.png"/>'), /evil\.example/);
    defused('SVG with javascript: link', svg('<a xlink:href="javascript:alert(1)"><text>x</text></a>'), /javascript:/i);
    refused('SVG with external entities (XXE)', Buffer.from('<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>'));
    refused('SVG with entity expansion (billion laughs)', Buffer.from('<!DOCTYPE svg [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>'));
    refused('PNG decompression bomb (100000 x 100000 in a few hundred bytes)', png(100_000, 100_000, 1));
    refused('PNG with huge dimensions (20000 x 10)', png(20_000, 10, 1));
    refused('PNG without IHDR', Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(40)]));
    if (checkBadgeImage(png(256, 256)).mime !== 'image/png') failures.push('an honest 256 x 256 PNG was refused');
    const csv = awardsCsv([{ id: 'a', achievementId: 'b', courseId: 'c', status: 'issued', credentialId: null, score: null, awardedAt: new Date(0), learner: { id: 'l', email: '+1@x.example', name: '=HYPERLINK("https://evil.example","click")' } }], 'https://laurel.example');
    if (!csv.includes(`"'=HYPERLINK(""https://evil.example"",""click"")"`) || !csv.includes("'+1@x.example")) failures.push(`CSV formula kept: ${csv}`);
    record('uploads and CSV export', { tried: 13, refused: 13 - failures.length, failures: failures.length });
    expect(failures).toEqual([]);
  });
});

describe('attack suite: public pages and forms', () => {
  let t: TwoTenants;
  beforeAll(async () => {
    t = await createTwoTenants();
  });
  afterAll(() => t.close());

  it('escapes stored XSS in badge names, descriptions, learner names and evidence, and reflected XSS in URLs', async () => {
    const XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    const api = (path: string, body: object) => request(t.app).post(path).set('Authorization', `Bearer ${t.instanceToken}`).send(body);
    const achievement = await api('/api/v1/achievements', { courseId: t.a.courseId, name: `Badge ${XSS}`, description: `Desc ${XSS}`, criteria: { narrative: `Criteria ${XSS}` } });
    const award = await api('/api/v1/awards', { achievementId: achievement.body.id, recipient: { email: 'xss@alpha.example', name: `Mallory ${XSS}` }, evidence: { name: `Evidence ${XSS}`, narrative: `Narrative ${XSS}` }, visibility: 'public' });
    expect(award.status).toBe(201);
    const { credential } = await issueCredential(badgesDepsFor(t.ctx), { awardId: award.body.id });
    const pages = [`/credentials/${credential.id}`, `/achievements/${achievement.body.id}`, `/credentials/${encodeURIComponent(XSS)}`, `/achievements/${encodeURIComponent(XSS)}?q=${encodeURIComponent(XSS)}`, `/issuers/${encodeURIComponent(XSS)}`];
    const failures: string[] = [];
    for (const path of pages) {
      const res = await request(t.app).get(path).set('Accept', 'text/html');
      if (res.status >= 500) failures.push(`${path}: ${res.status}`);
      if (/<script>alert\(1\)|<img src=x onerror/i.test(res.text)) failures.push(`${path}: markup not escaped`);
      if (!/script-src 'self'|default-src 'none'/.test(String(res.headers['content-security-policy']))) failures.push(`${path}: no restrictive CSP`);
    }
    // The LinkedIn redirect goes to LinkedIn only, whatever the query says (no open redirect).
    const linkedin = await request(t.app).get(`/credentials/${credential.id}/linkedin?url=https://evil.example&next=https://evil.example`);
    if (linkedin.status === 302 && !/^https:\/\/(www\.)?linkedin\.com\//.test(String(linkedin.headers.location))) failures.push(`linkedin redirects to ${linkedin.headers.location}`);
    record('XSS and open redirects on public pages', { tried: pages.length + 1, refused: pages.length + 1 - failures.length, failures: failures.length });
    expect(failures).toEqual([]);
  });

  it('refuses every state-changing course form posted without its CSRF token (403)', async () => {
    const routes = appRoutes(t.app).filter((r) => r.method === 'POST' && (r.path.startsWith('/lti/courses/:courseId/') || r.path.startsWith('/admin/')) && r.path !== '/admin/sign-in');
    expect(routes.length).toBeGreaterThan(20);
    const failures: string[] = [];
    // The administrator session also holds the instructor and learner roles here, so each guard lets it through to the CSRF check.
    const sessions = new LtiSessions({ secret: t.ctx.config.SESSION_SECRET, secure: false });
    const learnerRow = await t.ctx.database.db.selectFrom('learners' as never).select('id' as never).where('lti_user_id' as never, '=', 'Alpha-admin' as never).executeTakeFirstOrThrow() as { id: string };
    const minter = express().get('/mint', async (_req, res) => {
      await sessions.issue(res, { platformId: t.a.platformId, courseId: t.a.courseId, learnerId: learnerRow.id, roles: ['admin', 'instructor', 'learner'] });
      res.end();
    });
    const cookie = (await request(minter).get('/mint')).headers['set-cookie']![0]!.split(';')[0]!;
    for (const route of routes) {
      const path = route.path.replace(':courseId', t.a.courseId).replace(/:(\w+)/g, '00000000-0000-4000-8000-000000000000');
      // A cross-site form: the session cookie rides along, the token cannot (and a foreign Origin).
      const res = await request(t.app).post(path).set('Cookie', cookie).set('Origin', 'https://evil.example').type('form').send({ name: 'x', confirm: 'yes' });
      const refusedForCsrf = res.status === 403 || (route.path.startsWith('/admin/') && res.status === 401);
      if (!refusedForCsrf) failures.push(`${route.method} ${route.path}: ${res.status}`);
    }
    record('CSRF on state-changing forms', { tried: routes.length, refused: routes.length - failures.length, failures: failures.length });
    expect(failures).toEqual([]);
  });
});
