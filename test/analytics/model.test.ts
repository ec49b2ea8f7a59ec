import { barChart, describe as describeChart } from '../../src/analytics/chart';
import { dayWindow, hasCourseSession, isAutomated, toSeries, utcDay, verifiedCredentialId } from '../../src/analytics/model';
import { analyticsSection } from '../../src/analytics/view';
import type { CourseReport } from '../../src/analytics';

describe('day windows and series', () => {
  it('ends on the UTC day of now, oldest first, across a month end', () => {
    expect(dayWindow(new Date('2026-03-02T23:59:59Z'), 4)).toEqual(['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']);
    expect(utcDay(new Date('2026-11-22T00:30:00+02:00'))).toBe('2026-11-21');
    expect(() => dayWindow(new Date(), 0)).toThrow(TypeError);
  });

  it('sums rows per kind and day, fills gaps with 0 and ignores days outside the window', () => {
    const days = ['2026-11-20', '2026-11-21', '2026-11-22'];
    const series = toSeries([
      { day: '2026-11-20', kind: 'viewed', count: 2 },
      { day: '2026-11-20', kind: 'viewed', count: 3 },
      { day: '2026-11-22', kind: 'downloaded', count: 1 },
      { day: '2026-10-01', kind: 'viewed', count: 100 },
    ], days);
    expect(series.values.viewed).toEqual([5, 0, 0]);
    expect(series.values.downloaded).toEqual([0, 0, 1]);
    expect(series.values.issued).toEqual([0, 0, 0]);
    expect(series.totals).toMatchObject({ viewed: 5, downloaded: 1, issued: 0, statusList: 0 });
  });
});

describe('bar chart geometry', () => {
  const days = ['2026-11-20', '2026-11-21', '2026-11-22', '2026-11-23'];

  it('scales bars to the busiest day, keeps small non-zero days visible and draws nothing for zeros', () => {
    const chart = barChart({ title: 'Downloads', days, values: [0, 100, 1, 50], height: 41 });
    expect(chart.width).toBe(4 * 8 - 2);
    expect(chart.baselineY).toBe(40);
    expect(chart.bars).toEqual([
      { x: 8, y: 0, width: 6, height: 40 },
      { x: 16, y: 38, width: 6, height: 2 },
      { x: 24, y: 20, width: 6, height: 20 },
    ]);
    expect(chart.total).toBe(151);
  });

  it('summarises the chart in words for its aria-label', () => {
    expect(barChart({ title: 'Downloads', days, values: [0, 5, 1, 0] }).label).toBe('Downloads, 4 days to 2026-11-23: 6 in total, busiest 2026-11-21 with 5, 2 days with none.');
    expect(barChart({ title: 'Public page views', days, values: [0, 0, 0, 0] }).label).toBe('Public page views, 4 days to 2026-11-23: none.');
    expect(describeChart('X', ['2026-01-01'], [3], 3, 3)).toBe('X, 1 days to 2026-01-01: 3 in total, busiest 2026-01-01 with 3, 0 days with none.');
    expect(() => barChart({ title: 'x', days, values: [1] })).toThrow(TypeError);
  });
});

describe('what counts', () => {
  it('treats declared crawlers, link previews, scripts and a missing User-Agent as automated', () => {
    for (const ua of [undefined, '', 'Googlebot/2.1 (+http://www.google.com/bot.html)', 'LinkedInBot/1.0', 'facebookexternalhit/1.1', 'Slackbot-LinkExpanding 1.0', 'Mozilla/5.0 HeadlessChrome/120', 'curl/8.5.0']) {
      expect([ua, isAutomated(ua)]).toEqual([ua, true]);
    }
    expect(isAutomated('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36')).toBe(false);
    expect(isAutomated('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148')).toBe(false);
  });

  it('recognises a session cookie of the same course only', () => {
    const course = '11111111-1111-4111-8111-111111111111';
    expect(hasCourseSession(`a=1; laurel_lti_${course}=eyJ.x.y`, course)).toBe(true);
    expect(hasCourseSession('laurel_lti_22222222-2222-4222-8222-222222222222=eyJ', course)).toBe(false);
    expect(hasCourseSession(`xlaurel_lti_${course}=1`, course)).toBe(false);
    expect(hasCourseSession(undefined, course)).toBe(false);
  });

  it('counts a verification only for our credential id with a proof that verified', () => {
    const id = 'https://laurel.example/credentials/3f2504e0-4f89-41d3-9a0c-0305e82c3301';
    const ok = [{ check: 'format', ok: true }, { check: 'proof.data-integrity', ok: true }, { check: 'status', ok: false }];
    expect(verifiedCredentialId({ checks: ok, credential: { id } }, 'https://laurel.example')).toBe('3f2504e0-4f89-41d3-9a0c-0305e82c3301');
    expect(verifiedCredentialId({ checks: [{ check: 'proof.jws', ok: true }], credential: { id } }, 'https://laurel.example')).toBeDefined();
    expect(verifiedCredentialId({ checks: [{ check: 'proof.data-integrity', ok: false }], credential: { id } }, 'https://laurel.example')).toBeUndefined();
    expect(verifiedCredentialId({ checks: ok, credential: { id } }, 'https://other.example')).toBeUndefined();
    expect(verifiedCredentialId({ checks: ok, credential: { id: 'https://laurel.example/credentials/../admin' } }, 'https://laurel.example')).toBeUndefined();
    expect(verifiedCredentialId({ checks: ok }, 'https://laurel.example')).toBeUndefined();
  });
});

describe('the analytics section view', () => {
  const zero = { issued: 0, notified: 0, opened: 0, viewed: 0, downloaded: 0, linkedin: 0, verified: 0, statusList: 0 };
  const report: CourseReport = {
    courseId: 'c', from: '2026-11-21', to: '2026-11-22', days: 2,
    totals: { ...zero, viewed: 3, statusList: 4 }, allTime: { ...zero, viewed: 9, statusList: 4 },
    daily: [{ day: '2026-11-21', ...zero, viewed: 1, statusList: 4 }, { day: '2026-11-22', ...zero, viewed: 2 }],
    achievements: [{ id: 'b1', name: 'Quiz master', totals: { ...zero, viewed: 3 }, allTime: { ...zero, viewed: 9 }, daily: [] }],
    statusLists: [{ id: 'l1', recent: 4, allTime: 4 }],
  };

  it('shows every kind on the course page, with a per-badge table and the days newest first', () => {
    const view = analyticsSection(report, { scope: 'course', badgeHref: (id) => `/b/${id}` });
    expect(view.kinds.map((k) => k.kind)).toEqual(['issued', 'notified', 'opened', 'viewed', 'downloaded', 'linkedin', 'verified', 'statusList']);
    expect(view.kinds[3]).toMatchObject({ label: 'Public page views', recent: 3, allTime: 9 });
    expect(view.table.rows.map((r) => r.day)).toEqual(['2026-11-22', '2026-11-21']);
    expect(view.table.rows[1]!.cells).toEqual([0, 0, 0, 1, 0, 0, 0, 4]);
    expect(view.badges).toEqual([{ name: 'Quiz master', href: '/b/b1', cells: [0, 0, 0, 3, 0, 0, 0] }]);
  });

  it('leaves status lists off a badge page (they cannot be told apart by badge)', () => {
    const view = analyticsSection(report, { scope: 'badge' });
    expect(view.kinds.map((k) => k.kind)).not.toContain('statusList');
    expect(view.table.headers).toHaveLength(7);
    expect(view.badges).toBeUndefined();
  });
});
