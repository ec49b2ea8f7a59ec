import type { Express } from 'express';
import request from 'supertest';
import { MAX_GRADEBOOK_BYTES } from '../../src/events';
import { MAX_IMAGE_BYTES } from '../../src/images';
import { formatBytes, tooLargeMessage } from '../../src/http';
import { createAdminConsoleFixture, INSTRUCTOR, type AdminConsoleFixture } from './support';

jest.setTimeout(60_000);

/** Forms with a file field answer an oversized file with a field message and keep what was typed, not a bare 413 page. */
describe('oversized uploads on course page forms', () => {
  let app: Express;
  let cookie: string;
  let courseId: string;
  let fixture: AdminConsoleFixture;

  beforeAll(async () => {
    fixture = await createAdminConsoleFixture({ person: INSTRUCTOR, page: 'instructor' });
    ({ app, cookie, courseId } = fixture);
  });
  afterAll(() => fixture.close());

  const page = () => `/lti/courses/${courseId}/instructor`;
  const csrfToken = () => fixture.csrfToken();

  it('formats sizes as people read them', () => {
    expect(formatBytes(Math.round(3.2 * 1024 * 1024))).toBe('3.2 MB');
    expect(formatBytes(512 * 1024)).toBe('512 KB');
    expect(tooLargeMessage({ noun: 'image', size: Math.round(3.2 * 1024 * 1024), limit: 1024 * 1024 })).toBe('The image is 3.2 MB; the limit is 1 MB.');
  });

  it('badge image: 3.2 MB -> 422 with the sizes on the image field, the name and description kept', async () => {
    const big = Buffer.alloc(Math.round(3.2 * 1024 * 1024), 0x41);
    const res = await request(app).post(`${page()}/badges`).set('Cookie', cookie).set('Accept', 'text/html')
      .field('_csrf', await csrfToken()).field('imageMode', 'upload').attach('imageFile', big, { filename: 'huge.png', contentType: 'image/png' })
      .field('name', 'Quiz master').field('description', 'Did well on quizzes.').field('criteria', '80% on Quiz 2.');
    expect(res.status).toBe(422);
    expect(res.text).toContain(`The image is 3.2 MB; the limit is ${formatBytes(MAX_IMAGE_BYTES)}.`);
    expect(res.text).toContain('value="Quiz master"');
    expect(res.text).toContain('Did well on quizzes.');
  });

  it('gradebook CSV: larger than the limit -> 422 with the sizes on the file field', async () => {
    const big = Buffer.alloc(MAX_GRADEBOOK_BYTES + 300 * 1024, 0x41);
    const res = await request(app).post(`${page()}/imports`).set('Cookie', cookie).set('Accept', 'text/html')
      .field('_csrf', await csrfToken()).attach('gradebook', big, { filename: 'grades.csv', contentType: 'text/csv' });
    expect(res.status).toBe(422);
    expect(res.text).toMatch(new RegExp(`id="gradebook-error">The file is ${formatBytes(big.length).replace('.', '\\.')}; the limit is ${formatBytes(MAX_GRADEBOOK_BYTES)}\\.<`));
  });
});
