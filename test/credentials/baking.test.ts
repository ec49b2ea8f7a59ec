import { deflateSync, inflateSync } from 'node:zlib';
import { defaultBadgePng, defaultBadgeSvg } from '../../src/credentials/baking/badge-art';
import { bakePng, crc32, extractFromPng, makeChunk } from '../../src/credentials/baking/png';
import { bakeSvg, extractFromSvg } from '../../src/credentials/baking/svg';
import { isLaurelError } from '../../src/errors';

const JWS = 'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJkaWQ6d2ViOngifQ.c2lnbmF0dXJl';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return isLaurelError(e) ? e.code : 'not a LaurelError';
  }
}

function chunkTypes(png: Buffer): string[] {
  const out: string[] = [];
  for (let p = 8; p < png.length; ) {
    const len = png.readUInt32BE(p);
    out.push(png.toString('latin1', p + 4, p + 8));
    p += 12 + len;
  }
  return out;
}

describe('PNG baking', () => {
  const png = defaultBadgePng({ name: 'Quiz Two Master' });

  test('default PNG is a valid 256x256 RGBA image', () => {
    expect(chunkTypes(png)).toEqual(['IHDR', 'IDAT', 'IEND']);
    expect(png.readUInt32BE(16)).toBe(256);
    const raw = inflateSync(png.subarray(41, 41 + png.readUInt32BE(33)));
    expect(raw.length).toBe(256 * (256 * 4 + 1));
  });

  test('bake -> extract round-trips; exactly one uncompressed iTXt openbadgecredential, replaced on re-bake', () => {
    const baked = bakePng(png, JWS);
    expect(extractFromPng(baked)).toBe(JWS);
    const again = bakePng(baked, JWS + 'x');
    expect(chunkTypes(again).filter((t) => t === 'iTXt')).toHaveLength(1);
    expect(extractFromPng(again)).toBe(JWS + 'x');
    const i = again.indexOf('openbadgecredential');
    expect(again[i + 'openbadgecredential'.length + 1]).toBe(0); // compression flag 0
  });

  test('hostile PNGs are refused with ERR_CREDENTIAL_INVALID, never crash', () => {
    const baked = bakePng(png, JWS);
    expect(code(() => extractFromPng(Buffer.from('not a png')))).toBe('ERR_CREDENTIAL_INVALID');
    expect(code(() => extractFromPng(baked.subarray(0, 60)))).toBe('ERR_CREDENTIAL_INVALID');
    const huge = Buffer.from(baked);
    huge.writeUInt32BE(0xfffffff0, 8); // IHDR length far past the end
    expect(code(() => extractFromPng(huge))).toBe('ERR_CREDENTIAL_INVALID');
    const flipped = Buffer.from(baked);
    flipped[baked.indexOf(JWS) + 3] ^= 1; // payload byte changed: CRC no longer matches
    expect(code(() => extractFromPng(flipped))).toBe('ERR_CREDENTIAL_INVALID');
    expect(code(() => extractFromPng(png))).toBe('ERR_CREDENTIAL_INVALID');
    // two credential chunks: ambiguous, refused
    const text = Buffer.concat([Buffer.from('openbadgecredential\0\0\0\0\0'), Buffer.from(JWS)]);
    const two = Buffer.concat([baked.subarray(0, 33), makeChunk('iTXt', text), baked.subarray(33)]);
    expect(code(() => extractFromPng(two))).toBe('ERR_CREDENTIAL_INVALID');
    // a compressed iTXt bomb is bounded
    const bomb = Buffer.concat([Buffer.from('openbadgecredential\0\x01\0\0\0'), deflateSync(Buffer.alloc(50 * 1024 * 1024))]);
    const bombPng = Buffer.concat([png.subarray(0, 33), makeChunk('iTXt', bomb), png.subarray(33)]);
    expect(code(() => extractFromPng(bombPng))).toBe('ERR_CREDENTIAL_INVALID');
  });

  test('crc32 matches the PNG reference value', () => {
    expect(crc32(Buffer.from('IEND'))).toBe(0xae426082);
  });
});

describe('SVG baking', () => {
  const svg = defaultBadgeSvg({ name: 'Quiz <Two> & "Master"', shape: 'hexagon' });

  test('default SVG escapes the name and uses initials', () => {
    expect(svg).toContain('Quiz &lt;Two&gt; &amp; &quot;Master&quot;');
    expect(svg).toMatch(/>QTM<\/text>/);
  });

  test('bake puts <openbadges:credential verify> right after <svg> with the namespace; round-trips; re-bake replaces', () => {
    const baked = bakeSvg(svg, JWS, 'http://localhost:3000/credentials/1');
    expect(baked).toMatch(/^<svg xmlns:openbadges="https:\/\/purl.imsglobal.org\/ob\/v3p0"[^>]*><openbadges:credential verify="[^"]+"\/>/);
    expect(extractFromSvg(baked)).toBe(JWS);
    const again = bakeSvg(baked, JWS + 'y');
    expect(again.match(/openbadges:credential/g)).toHaveLength(1);
    expect(extractFromSvg(again)).toBe(JWS + 'y');
  });

  test('embedded JSON credential (CDATA) is extracted', () => {
    const doc = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:ob="https://purl.imsglobal.org/ob/v3p0"><ob:credential><![CDATA[{"id":"x"}]]></ob:credential></svg>`;
    expect(extractFromSvg(doc)).toBe('{"id":"x"}');
  });

  test('XXE / DOCTYPE, missing or duplicate credentials are refused', () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"><openbadges:credential verify="&x;"/></svg>`;
    expect(code(() => extractFromSvg(xxe))).toBe('ERR_CREDENTIAL_INVALID');
    expect(code(() => extractFromSvg(svg))).toBe('ERR_CREDENTIAL_INVALID');
    expect(code(() => extractFromSvg('<html></html>'))).toBe('ERR_CREDENTIAL_INVALID');
    const dup = `<svg xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"><openbadges:credential verify="a"/><openbadges:credential verify="b"/></svg>`;
    expect(code(() => extractFromSvg(dup))).toBe('ERR_CREDENTIAL_INVALID');
    // an element under a prefix bound to another namespace is not ours
    expect(code(() => extractFromSvg(`<svg xmlns:openbadges="https://evil.example"><openbadges:credential verify="a"/></svg>`))).toBe('ERR_CREDENTIAL_INVALID');
  });
});
