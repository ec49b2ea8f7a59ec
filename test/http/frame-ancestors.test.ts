import type { IncomingMessage } from 'node:http';
import { FrameAncestors, type FramingPlatform } from '../../src/http';

// The HTTP kit knows no feature (issue 14): FrameAncestors asks the port the composition root passes
// (courses' framingPlatforms) for the platforms' web addresses and turns them into frame-ancestors.
const request = (url: string) => ({ url }) as IncomingMessage;

describe('FrameAncestors', () => {
  it('adds the web origins the port answers to the configured ones, and the Canvas Cloud wildcard once a hosted Canvas is registered', async () => {
    const platforms: FramingPlatform[] = [
      { issuer: 'https://moodle.school.edu', authEndpoint: 'https://moodle.school.edu/mod/lti/auth.php', lms: 'moodle' },
      { issuer: 'https://canvas.instructure.com', authEndpoint: 'https://sso.canvaslms.com/api/lti/authorize_redirect', lms: 'canvas' },
      // Not a web origin: never named in frame-ancestors.
      { issuer: 'javascript:alert(1)', authEndpoint: 'not a url', lms: 'other' },
    ];
    const ancestors = new FrameAncestors(async () => platforms, { configured: "'self'  https://lms.example.edu" });
    await ancestors.refresh();
    expect(ancestors.forRequest(request('/courses/x')).split(' ')).toEqual(["'self'", 'https://lms.example.edu', 'https://moodle.school.edu', 'https://canvas.instructure.com', 'https://sso.canvaslms.com', 'https://*.instructure.com']);
    // Any LMS may frame the registration page: it opens before Laurel knows the LMS.
    expect(ancestors.forRequest(request('/lti/register?key=k'))).toBe('*');
  });

  it('names only the configured origins without a port, and keeps the last known origins when the port fails', async () => {
    const alone = new FrameAncestors(undefined, { configured: "'self'" });
    await alone.refresh();
    expect(alone.forRequest(request('/'))).toBe("'self'");

    let fail = false;
    const port = jest.fn(async (): Promise<FramingPlatform[]> => {
      if (fail) throw new Error('database down');
      return [{ issuer: 'https://moodle.school.edu', authEndpoint: 'https://moodle.school.edu/auth', lms: 'moodle' }];
    });
    const ancestors = new FrameAncestors(port, { configured: "'self'", refreshMs: 0 });
    await ancestors.refresh();
    fail = true;
    await ancestors.refresh();
    expect(port).toHaveBeenCalledTimes(2);
    expect(ancestors.forRequest(request('/'))).toBe("'self' https://moodle.school.edu");
  });
});
