import { checkBadgeImage, MAX_BADGE_IMAGE_BYTES, sanitiseSvg } from '../../src/publishing';
import { LaurelError } from '../../src/errors';

// Magic and a 1 x 1 IHDR: what the byte-level check reads (dimensions are checked since issue 15).
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('0000000d49484452000000010000000108060000001f15c489', 'hex'), Buffer.alloc(16)]);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof LaurelError ? `${error.code}:${error.issues[0]?.field}` : 'other';
  }
  return undefined;
}

describe('badge image uploads', () => {
  it('accepts PNG by its bytes and refuses other files, empty files and files over the limit', () => {
    expect(checkBadgeImage(PNG)).toEqual({ mime: 'image/png', bytes: PNG });
    expect(codeOf(() => checkBadgeImage(Buffer.from('GIF89a....')))).toBe('ERR_VALIDATION:imageFile');
    expect(codeOf(() => checkBadgeImage(Buffer.alloc(0)))).toBe('ERR_VALIDATION:imageFile');
    expect(codeOf(() => checkBadgeImage(Buffer.concat([PNG, Buffer.alloc(MAX_BADGE_IMAGE_BYTES)])))).toBe('ERR_VALIDATION:imageFile');
  });

  it.each([
    ['script element', '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><circle r="4"/></svg>', /<script/i],
    ['self-closing script', '<svg><script href="https://evil.example/x.js"/><circle r="4"/></svg>', /<script|evil/i],
    ['foreignObject', '<svg><foreignObject><iframe src="https://evil.example"></iframe></foreignObject><rect/></svg>', /foreignObject|iframe/i],
    ['event attribute', '<svg onload="alert(1)"><rect onclick=\'x()\' width="2"/></svg>', /onload|onclick/i],
    ['external href', '<svg><image href="https://evil.example/a.png"/><use xlink:href="http://evil.example/s.svg#a"/></svg>', /evil/],
    ['javascript link', '<svg><a href="javascript:alert(1)"><text>x</text></a></svg>', /javascript/i],
    ['external CSS', '<svg><style>@import url(https://evil.example/a.css);</style><rect style="fill:url(https://evil.example/p)"/></svg>', /evil|@import/],
  ])('removes a %s', (_label, svg, forbidden) => {
    const clean = sanitiseSvg(svg);
    expect(clean).not.toMatch(forbidden);
    expect(clean).toMatch(/^<svg/);
  });

  it('keeps ordinary drawing markup and internal references', () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><defs><linearGradient id="g"/></defs><rect fill="url(#g)" width="10" height="10"/><use href="#g"/></svg>';
    expect(sanitiseSvg(svg)).toBe(svg);
  });

  it('refuses DOCTYPE and entity declarations (entity expansion, external entities)', () => {
    expect(codeOf(() => sanitiseSvg('<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg>&x;</svg>'))).toBe('ERR_VALIDATION:imageFile');
  });

  it('sanitises an uploaded SVG through checkBadgeImage', () => {
    const result = checkBadgeImage(Buffer.from('<?xml version="1.0"?>\n<svg onload="x()"><circle r="3"/></svg>'));
    expect(result.mime).toBe('image/svg+xml');
    expect(result.bytes.toString()).toBe('<?xml version="1.0"?>\n<svg><circle r="3"/></svg>');
  });
});
