import type { Express } from 'express';
import request from 'supertest';
import { ensureDefaultIssuer } from '../../src/credentials';
import { createToken } from '../../src/tokens';
import type { TestContext } from '../support/context';
import { ADMINISTRATOR, createAdminConsoleFixture, INSTRUCTOR, type AdminConsoleFixture } from '../ui/support';

jest.setTimeout(120_000);

/**
 * Every path that takes an image goes through the one check (src/images): the instructor page's
 * create and edit forms, the REST API's create and edit, and the admin page's issuer logo. Each is
 * sent the same hostile SVGs: the scriptable ones must be stored clean, the one with an entity
 * refused with nothing stored.
 */

const NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"';
const SANITISED: [string, string][] = [
  ['a <script> element', `<svg ${NS}><script>alert(document.cookie)</script><circle r="4"/></svg>`],
  ['an onload= handler', `<svg ${NS} onload="alert(1)"><circle r="4"/></svg>`],
  ['a javascript: href', `<svg ${NS}><a xlink:href="javascript:alert(1)"><text>x</text></a><a href="javascript:alert(2)"><circle r="1"/></a></svg>`],
  ['an external <image href>', `<svg ${NS}><image href="http://evil.example/track.png" width="4" height="4"/><circle r="4"/></svg>`],
];
const ENTITY = `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "boom">]><svg ${NS}><text>&x;</text></svg>`;
/** What none of the stored images may contain. */
const HOSTILE = /<script|onload|javascript:|evil\.example|<!ENTITY|&x;/i;

describe('one image check on every upload path', () => {
  let fixture: AdminConsoleFixture;
  let ctx: TestContext;
  let app: Express;
  let courseId: string;
  let adminCookie: string;
  let teacherCookie: string;
  let token: string;
  let seq = 0;

  beforeAll(async () => {
    fixture = await createAdminConsoleFixture({ person: ADMINISTRATOR, operator: true });
    ({ ctx, app, courseId } = fixture);
    adminCookie = fixture.cookie;
    teacherCookie = await fixture.signIn(INSTRUCTOR);
    await ensureDefaultIssuer(ctx.database.db, ctx.config);
    token = (await createToken(ctx.database.db, { name: 'images', scopes: ['admin'] })).token;
  });
  afterAll(() => fixture.close());

  const instructorPage = () => `/lti/courses/${courseId}/instructor`;
  const csrfOf = async (path: string, cookie: string) => {
    const page = await request(app).get(path).set('Cookie', cookie).set('Accept', 'text/html');
    expect(page.status).toBe(200);
    return /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
  };
  const stored = async (achievementId: string) =>
    (await ctx.tdb.pool.query(`select image_mime, convert_from(image_bytes, 'UTF8') as svg from achievements where id = $1`, [achievementId])).rows[0] as { image_mime: string | null; svg: string | null };
  const dataUri = (svg: string) => `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
  const apiCreate = (name: string, image: string) =>
    request(app).post('/api/v1/achievements').set('Authorization', `Bearer ${token}`).send({ courseId, name, description: 'd', criteria: { narrative: 'c' }, image });
  const pageCreate = async (name: string, svg: string) =>
    request(app).post(`${instructorPage()}/badges`).set('Cookie', teacherCookie).set('Accept', 'text/html')
      .field('_csrf', await csrfOf(instructorPage(), teacherCookie)).field('imageMode', 'upload').attach('imageFile', Buffer.from(svg), { filename: 'badge.svg', contentType: 'image/svg+xml' })
      .field('name', name).field('description', 'Did well.').field('criteria', 'Pass the quiz.');
  const idByName = async (name: string) => (await ctx.tdb.pool.query(`select id from achievements where name = $1`, [name])).rows[0]?.id as string | undefined;
  const plainBadge = async () => {
    const res = await apiCreate(`plain ${++seq}`, dataUri(`<svg ${NS}><circle r="4"/></svg>`));
    expect(res.status).toBe(201);
    return res.body.id as string;
  };

  describe.each(SANITISED)('an SVG with %s', (_label, svg) => {
    it('is stored clean when sent to the REST API (create and edit)', async () => {
      const created = await apiCreate(`api ${++seq}`, dataUri(svg));
      expect(created.status).toBe(201);
      const row = await stored(created.body.id);
      expect(row.image_mime).toBe('image/svg+xml');
      expect(row.svg).toMatch(/^<svg/);
      expect(row.svg).not.toMatch(HOSTILE);
      const id = await plainBadge();
      const edited = await request(app).patch(`/api/v1/achievements/${id}`).set('Authorization', `Bearer ${token}`).send({ image: dataUri(svg) });
      expect(edited.status).toBe(200);
      expect((await stored(id)).svg).not.toMatch(HOSTILE);
    });

    it('is stored clean when uploaded on the instructor page (create and edit)', async () => {
      const name = `page ${++seq}`;
      const created = await pageCreate(name, svg);
      expect(created.status).toBe(303);
      const row = await stored((await idByName(name))!);
      expect(row.image_mime).toBe('image/svg+xml');
      expect(row.svg).not.toMatch(HOSTILE);
      const id = await plainBadge();
      const editPage = `${instructorPage()}/badges/${id}/edit`;
      const edited = await request(app).post(editPage).set('Cookie', teacherCookie).set('Accept', 'text/html')
        .field('_csrf', await csrfOf(editPage, teacherCookie)).field('imageMode', 'upload').attach('imageFile', Buffer.from(svg), { filename: 'badge.svg', contentType: 'image/svg+xml' })
        .field('name', `edited ${seq}`).field('description', 'Did well.').field('criteria', 'Pass the quiz.');
      expect(edited.status).toBe(303);
      expect((await stored(id)).svg).not.toMatch(HOSTILE);
    });

    it('is served clean as an issuer logo uploaded on the admin page', async () => {
      const admin = `/lti/courses/${courseId}/admin`;
      const saved = await request(app).post(`${admin}/issuers/default`).set('Cookie', adminCookie).set('Accept', 'text/html')
        .field('_csrf', await csrfOf(admin, adminCookie)).field('name', 'Example University').attach('logoFile', Buffer.from(svg), { filename: 'logo.svg', contentType: 'image/svg+xml' });
      expect(saved.status).toBe(303);
      const logo = await request(app).get('/issuers/default/logo').buffer(true).parse((res, done) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        res.on('end', () => done(null, body));
      });
      expect(logo.status).toBe(200);
      expect(logo.headers['content-type']).toMatch(/^image\/svg\+xml/);
      expect(logo.body as string).toMatch(/^<svg/);
      expect(logo.body as string).not.toMatch(HOSTILE);
    });
  });

  describe('an SVG with an entity', () => {
    it('is refused by the REST API (create 422, edit 422) and nothing is stored', async () => {
      const created = await apiCreate(`entity ${++seq}`, dataUri(ENTITY));
      expect(created.status).toBe(422);
      expect(created.body.errors ?? created.body.issues ?? created.body).toBeDefined();
      expect(await idByName(`entity ${seq}`)).toBeUndefined();
      const id = await plainBadge();
      const before = (await stored(id)).svg;
      const edited = await request(app).patch(`/api/v1/achievements/${id}`).set('Authorization', `Bearer ${token}`).send({ image: dataUri(ENTITY) });
      expect(edited.status).toBe(422);
      expect((await stored(id)).svg).toBe(before);
    });

    it('is refused on the instructor page with a message on the image field', async () => {
      const name = `entity page ${++seq}`;
      const res = await pageCreate(name, ENTITY);
      expect(res.status).toBe(422);
      expect(res.text).toContain('SVG files with a DOCTYPE or entities are not accepted.');
      expect(await idByName(name)).toBeUndefined();
    });

    it('is refused as an issuer logo', async () => {
      const admin = `/lti/courses/${courseId}/admin`;
      const res = await request(app).post(`${admin}/issuers/default`).set('Cookie', adminCookie).set('Accept', 'text/html')
        .field('_csrf', await csrfOf(admin, adminCookie)).field('name', 'Example University').attach('logoFile', Buffer.from(ENTITY), { filename: 'logo.svg', contentType: 'image/svg+xml' });
      expect(res.status).toBe(422);
      expect(res.text).toContain('SVG files with a DOCTYPE or entities are not accepted.');
    });
  });
});
