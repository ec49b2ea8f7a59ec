import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { makeChunk } from './png';

export type BadgeShape = 'circle' | 'hexagon' | 'shield';

export interface BadgeArtProps {
  name: string;
  /** Up to 3 letters/digits; default: first letters of the name's words. */
  initials?: string;
  /** `#rrggbb`; default: a colour derived from the name. */
  color?: string;
  shape?: BadgeShape;
}

const SIZE = 256;
const PALETTE = ['#1d4ed8', '#047857', '#b45309', '#7c3aed', '#be123c', '#0e7490', '#4d7c0f', '#9d174d'];

function resolve(props: BadgeArtProps): { initials: string; color: string; shape: BadgeShape; name: string } {
  const words = props.name.normalize('NFKD').replace(/[^A-Za-z0-9 ]/g, ' ').split(/\s+/).filter(Boolean);
  const initials = (props.initials ?? words.slice(0, 3).map((w) => w[0]).join('') ?? '').toUpperCase().replace(/[^A-Z0-9]/g, '').slice(0, 3) || 'B';
  const hash = createHash('sha256').update(props.name).digest();
  const color = props.color && /^#[0-9a-f]{6}$/i.test(props.color) ? props.color : PALETTE[hash[0] % PALETTE.length];
  return { initials, color, shape: props.shape ?? 'circle', name: props.name };
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const SHAPE_PATHS: Record<BadgeShape, string> = {
  circle: '<circle cx="128" cy="128" r="120" fill="COLOR"/><circle cx="128" cy="128" r="100" fill="none" stroke="#fff" stroke-opacity="0.6" stroke-width="6"/>',
  hexagon: '<polygon points="128,8 232,68 232,188 128,248 24,188 24,68" fill="COLOR"/><polygon points="128,30 213,79 213,177 128,226 43,177 43,79" fill="none" stroke="#fff" stroke-opacity="0.6" stroke-width="6"/>',
  shield: '<path d="M24 16 H232 V128 A104 112 0 0 1 128 248 A104 112 0 0 1 24 128 Z" fill="COLOR"/>',
};

/** A generated badge image (256x256 SVG) for achievements without an uploaded one. */
export function defaultBadgeSvg(props: BadgeArtProps): string {
  const art = resolve(props);
  const title = escapeXml(art.name);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 ${SIZE} ${SIZE}" role="img" aria-label="${title}">` +
    `<title>${title}</title>` +
    SHAPE_PATHS[art.shape].replace('COLOR', art.color) +
    `<text x="128" y="128" dy="0.35em" text-anchor="middle" font-family="Helvetica, Arial, sans-serif" font-weight="700" font-size="${art.initials.length > 2 ? 64 : 84}" fill="#fff">${escapeXml(art.initials)}</text>` +
    `</svg>`
  );
}

// 5x7 bitmap glyphs (rows top to bottom, 5 bits each, MSB left) for the PNG's initials.
const GLYPHS: Record<string, string> = {
  A: '0e11111f111111', B: '1e11111e11111e', C: '0e11101010110e', D: '1e11111111111e', E: '1f10101e10101f',
  F: '1f10101e101010', G: '0e11101711110f', H: '1111111f111111', I: '0e04040404040e', J: '0702020202120c',
  K: '11121418141211', L: '1010101010101f', M: '111b1515111111', N: '11111915131111', O: '0e11111111110e',
  P: '1e11111e101010', Q: '0e11111115120d', R: '1e11111e141211', S: '0f10100e01011e', T: '1f040404040404',
  U: '1111111111110e', V: '11111111110a04', W: '1111111515150a', X: '11110a040a1111', Y: '1111110a040404',
  Z: '1f01020408101f', '0': '0e11131519110e', '1': '040c040404040e', '2': '0e11010204081f', '3': '1f02040201110e',
  '4': '02060a121f0202', '5': '1f101e0101110e', '6': '0608101e11110e', '7': '1f010204080808', '8': '0e11110e11110e',
  '9': '0e11110f01020c',
};

function glyphRows(ch: string): number[] {
  const hex = GLYPHS[ch] ?? GLYPHS.B;
  return Array.from({ length: 7 }, (_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16));
}

function inside(shape: BadgeShape, x: number, y: number, inset: number): boolean {
  const dx = x - 128;
  const dy = y - 128;
  if (shape === 'circle') return dx * dx + dy * dy <= (120 - inset) ** 2;
  if (shape === 'hexagon') {
    const ax = Math.abs(dx);
    const ay = Math.abs(dy);
    return ax <= 104 - inset && ay <= 120 - inset - ax * 0.577;
  }
  if (y < 16 + inset || x < 24 + inset || x > 232 - inset) return false;
  if (y <= 128) return true;
  return (dx / (104 - inset)) ** 2 + ((y - 128) / (120 - inset)) ** 2 <= 1;
}

/** The same badge rasterised to a 256x256 RGBA PNG (no native image library needed). */
export function defaultBadgePng(props: BadgeArtProps): Buffer {
  const art = resolve(props);
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(art.color.slice(i, i + 2), 16));
  const stride = SIZE * 4 + 1;
  const pixels = Buffer.alloc(stride * SIZE);
  const scale = art.initials.length > 2 ? 9 : 12;
  const textWidth = art.initials.length * 6 * scale - scale;
  const left = Math.round((SIZE - textWidth) / 2);
  const top = Math.round((SIZE - 7 * scale) / 2);
  const rows = [...art.initials].map(glyphRows);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const o = y * stride + 1 + x * 4;
      if (!inside(art.shape, x, y, 0)) continue;
      const ring = art.shape !== 'shield' && !inside(art.shape, x, y, 22) && inside(art.shape, x, y, 16);
      let white = ring;
      const gx = Math.floor((x - left) / scale);
      const gy = Math.floor((y - top) / scale);
      if (gy >= 0 && gy < 7 && gx >= 0 && gx < art.initials.length * 6) {
        const glyph = rows[Math.floor(gx / 6)];
        const col = gx % 6;
        if (col < 5 && glyph[gy] & (0x10 >> col)) white = true;
      }
      pixels[o] = white ? 255 : r;
      pixels[o + 1] = white ? 255 : g;
      pixels[o + 2] = white ? 255 : b;
      pixels[o + 3] = 255;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(SIZE, 0);
  ihdr.writeUInt32BE(SIZE, 4);
  ihdr.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, deflate, no filter, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    makeChunk('IHDR', ihdr),
    makeChunk('IDAT', deflateSync(pixels)),
    makeChunk('IEND', Buffer.alloc(0)),
  ]);
}
