import { defaultBadgeSvg } from '../../src/credentials';
import { badgeImageFromDataUri, checkBadgeImage, checkImage, MAX_IMAGE_BYTES, sanitiseSvg, sniffImageType } from '../../src/images';
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
    expect(codeOf(() => checkBadgeImage(Buffer.concat([PNG, Buffer.alloc(MAX_IMAGE_BYTES)])))).toBe('ERR_VALIDATION:imageFile');
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

/** A JPEG's segments up to its frame header: SOI, APP0 (JFIF), SOF0 with the given size, EOI. */
function jpeg(width: number, height: number): Buffer {
  const app0 = Buffer.concat([Buffer.from([0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0', 'latin1'), Buffer.from([1, 1, 0, 0, 1, 0, 1, 0, 0])]);
  const sof = Buffer.from([0xff, 0xc0, 0x00, 0x11, 8, height >> 8, height & 0xff, width >> 8, width & 0xff, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, sof, Buffer.from([0xff, 0xd9])]);
}

describe('the one image check (type by bytes, sides, SVG parsed after the rewrite)', () => {
  it('sniffs PNG, JPEG and SVG by their bytes, whatever the file claims', () => {
    expect(sniffImageType(PNG)).toBe('image/png');
    expect(sniffImageType(jpeg(10, 10))).toBe('image/jpeg');
    expect(sniffImageType(Buffer.from('\uFEFF<?xml version="1.0"?><!-- art --><svg/>'))).toBe('image/svg+xml');
    expect(sniffImageType(Buffer.from('GIF89a'))).toBeUndefined();
    expect(sniffImageType(Buffer.from('<html><svg></svg></html>'))).toBeUndefined();
  });

  it('takes a JPEG where the path accepts one, bounds its sides, and refuses it as a badge (badges are baked: PNG or SVG)', () => {
    const accept = ['image/png', 'image/jpeg', 'image/svg+xml'] as const;
    expect(checkImage(jpeg(640, 480), { accept }).mime).toBe('image/jpeg');
    expect(codeOf(() => checkImage(jpeg(5000, 10), { accept }))).toBe('ERR_VALIDATION:imageFile');
    expect(codeOf(() => checkImage(Buffer.from([0xff, 0xd8, 0xff, 0xd9]), { accept }))).toBe('ERR_VALIDATION:imageFile');
    expect(() => checkBadgeImage(jpeg(64, 64))).toThrow('Upload a PNG or an SVG image.');
    expect(() => checkImage(Buffer.from('GIF89a'), { accept, field: 'logoFile' })).toThrow('Upload a PNG, a JPEG or an SVG image.');
  });

  it('refuses what the text rewrite cannot see but the parsed document shows (character references, malformed markup)', () => {
    // `u&#114;l(` is `url(` once parsed: an external fetch the regexes never saw.
    expect(codeOf(() => sanitiseSvg('<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:u&#114;l(https://evil.example/p)"/></svg>'))).toBe('ERR_VALIDATION:imageFile');
    expect(codeOf(() => sanitiseSvg('<svg xmlns="http://www.w3.org/2000/svg"><circle fill="u&#114;l(https://evil.example/p)"/></svg>'))).toBe('ERR_VALIDATION:imageFile');
    expect(codeOf(() => sanitiseSvg('<svg/onload=alert(1)>'))).toBe('ERR_VALIDATION:imageFile');
    expect(codeOf(() => sanitiseSvg('<svg><?laurel-unknown href="https://evil.example/a.css"?><rect/></svg>'))).toBe('ERR_VALIDATION:imageFile');
  });

  it('checks a data URI against its bytes', () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script><rect/></svg>';
    expect(badgeImageFromDataUri(`data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`).bytes.toString()).toBe('<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>');
    expect(codeOf(() => badgeImageFromDataUri(`data:image/png;base64,${Buffer.from(svg).toString('base64')}`))).toBe('ERR_VALIDATION:image');
    expect(codeOf(() => badgeImageFromDataUri('data:image/gif;base64,R0lGODlh'))).toBe('ERR_VALIDATION:image');
  });
});

describe('generated badge art through the one check', () => {
  it.each(['circle', 'hexagon', 'shield'] as const)('keeps the %s design byte for byte', (shape) => {
    const svg = defaultBadgeSvg({ name: 'Quiz & "master" <1>', color: '#1d5e3a', shape, initials: 'QM' });
    expect(checkBadgeImage(Buffer.from(svg))).toEqual({ mime: 'image/svg+xml', bytes: Buffer.from(svg) });
  });
});
