import { parseLinks, platformHttp, retryAfterMs } from '../../src/lti/http';
import { servicePath } from '../../src/lti/ags';

describe('platform HTTP helpers', () => {
  it('parses Link headers, including Moodle’s &amp; and curly quotes', () => {
    expect(parseLinks('<https://c/api/lti/courses/1/names_and_roles?page=2&per_page=50>; rel="next", <https://c/x?page=1>; rel="first"')).toEqual({
      next: 'https://c/api/lti/courses/1/names_and_roles?page=2&per_page=50',
      first: 'https://c/x?page=1',
    });
    expect(parseLinks('<http://m/mod/lti/services.php/2/lineitems?type_id=9&amp;limit=2&amp;from=2>; rel=“next”').next).toBe('http://m/mod/lti/services.php/2/lineitems?type_id=9&limit=2&from=2');
    expect(parseLinks(null)).toEqual({});
  });

  it('reads Retry-After as seconds or as a date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
    expect(retryAfterMs(null)).toBeUndefined();
  });

  it('appends /scores and /results to the path, keeping Moodle’s query string', () => {
    expect(servicePath('http://m/mod/lti/services.php/2/lineitems/12/lineitem?type_id=9', 'scores')).toBe('http://m/mod/lti/services.php/2/lineitems/12/lineitem/scores?type_id=9');
    expect(servicePath('https://c/api/lti/courses/1/line_items/5', 'results')).toBe('https://c/api/lti/courses/1/line_items/5/results');
  });

  it('sends a User-Agent and retries throttled calls after Retry-After, but not real refusals', async () => {
    const seen: Array<{ ua: string | null }> = [];
    const answers = [
      new Response('', { status: 429, headers: { 'retry-after': '2' } }),
      new Response('403 Forbidden (Rate Limit Exceeded)', { status: 403 }),
      new Response('{"ok":true}', { status: 200 }),
      new Response('forbidden', { status: 403 }),
    ];
    const waits: number[] = [];
    const http = platformHttp({
      userAgent: 'Laurel/test',
      fetch: (async (_url: string, init: RequestInit) => {
        seen.push({ ua: new Headers(init.headers).get('user-agent') });
        return answers.shift()!;
      }) as unknown as typeof fetch,
      sleep: async (ms) => void waits.push(ms),
    });
    const ok = await http('https://lms.example/api');
    expect(ok.status).toBe(200);
    expect(waits).toEqual([2000, 2000]);
    expect(seen.every((s) => s.ua === 'Laurel/test')).toBe(true);
    expect((await http('https://lms.example/api')).status).toBe(403);
    expect(waits).toHaveLength(2);
  });
});
