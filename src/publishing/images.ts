import { LaurelError } from '../errors';

/**
 * Uploaded badge images. They are served back from Laurel's own origin (and baked into credentials),
 * so an SVG is treated as hostile markup: whatever could run script, load something from elsewhere or
 * embed other documents is removed, and anything we cannot make safe is refused.
 */

/** 512 KiB: far more than a badge needs, small enough for a form post and a credential image. */
export const MAX_BADGE_IMAGE_BYTES = 512 * 1024;

export interface BadgeImage {
  mime: 'image/png' | 'image/svg+xml';
  bytes: Buffer;
}

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function refuse(message: string): LaurelError {
  return new LaurelError('ERR_VALIDATION', message, { issues: [{ field: 'imageFile', message }] });
}

/** Validates an upload by its bytes (never by its file name or claimed type) and sanitises SVG. */
export function checkBadgeImage(bytes: Buffer): BadgeImage {
  if (bytes.length === 0) throw refuse('The image file is empty.');
  if (bytes.length > MAX_BADGE_IMAGE_BYTES) throw refuse(`The image is larger than ${MAX_BADGE_IMAGE_BYTES / 1024} KiB.`);
  if (bytes.subarray(0, 8).equals(PNG_MAGIC)) return { mime: 'image/png', bytes: checkPngDimensions(bytes) };
  const text = bytes.toString('utf8');
  if (/^\s*(<\?xml[^>]*\?>\s*)?(<!--[\s\S]*?-->\s*)*<svg[\s>]/i.test(text)) return { mime: 'image/svg+xml', bytes: Buffer.from(sanitiseSvg(text), 'utf8') };
  throw refuse('Upload a PNG or an SVG image.');
}

/** Largest side of a badge PNG, pixels: a badge is shown at a few hundred pixels at most. */
export const MAX_BADGE_IMAGE_SIDE = 4096;

/**
 * A PNG's IHDR (the first chunk, by the spec) states its size. A few hundred bytes of deflate can
 * declare 100 000 x 100 000 pixels (a decompression bomb for whoever renders it: the learner's
 * browser, a wallet, LinkedIn), so a badge larger than MAX_BADGE_IMAGE_SIDE on a side is refused.
 */
function checkPngDimensions(bytes: Buffer): Buffer {
  if (bytes.length < 33 || bytes.toString('latin1', 12, 16) !== 'IHDR') throw refuse('The PNG image is damaged (no IHDR header).');
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  if (width === 0 || height === 0) throw refuse('The PNG image has no pixels.');
  if (width > MAX_BADGE_IMAGE_SIDE || height > MAX_BADGE_IMAGE_SIDE) throw refuse(`The PNG image is ${width} x ${height} pixels; at most ${MAX_BADGE_IMAGE_SIDE} x ${MAX_BADGE_IMAGE_SIDE} is accepted.`);
  return bytes;
}

// Elements that run script, embed other documents or media, or animate attributes into `href`s.
const FORBIDDEN_ELEMENTS = ['script', 'foreignObject', 'iframe', 'embed', 'object', 'audio', 'video', 'canvas', 'set', 'animate', 'handler', 'listener', 'style'];

/**
 * Returns the SVG without script, foreign objects, event handler attributes and external references.
 * DOCTYPE/ENTITY declarations are refused outright (entity expansion and external entities).
 */
export function sanitiseSvg(svg: string): string {
  if (/<!DOCTYPE|<!ENTITY/i.test(svg)) throw refuse('SVG files with a DOCTYPE or entities are not accepted.');
  let out = svg.replace(/<\?xml-stylesheet[\s\S]*?\?>/gi, '');
  for (const name of FORBIDDEN_ELEMENTS) {
    // Paired elements with their content, then any self-closing or stray tags left over.
    out = out.replace(new RegExp(`<${name}\\b[\\s\\S]*?<\\/${name}\\s*>`, 'gi'), '');
    out = out.replace(new RegExp(`<\\/?${name}\\b[^>]*>`, 'gi'), '');
  }
  // Event handlers (onload=, onclick=...), quoted or not.
  out = out.replace(/\s+on[a-z]+\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)/gi, '');
  // Links may only point inside the document (#id); data: URIs only for raster images.
  out = out.replace(/\s+(xlink:href|href)\s*=\s*("([^"]*)"|'([^']*)')/gi, (whole, _attr: string, _q: string, dq?: string, sq?: string) => {
    const value = (dq ?? sq ?? '').trim();
    return value.startsWith('#') || /^data:image\/(png|jpeg|gif);base64,/i.test(value) ? whole : '';
  });
  // CSS in attributes can fetch (url(http...)) or, in old engines, run script.
  out = out.replace(/\s+style\s*=\s*("[^"]*"|'[^']*')/gi, (whole) => (/url\s*\(|expression\s*\(|javascript:|@import/i.test(whole) ? '' : whole));
  out = out.replace(/url\(\s*['"]?(?!#)[^)]*\)/gi, 'none');
  // Belt and braces: if anything script-like survived the rewrite, refuse rather than serve it.
  if (/<script|javascript:|\son[a-z]+\s*=|<foreignObject/i.test(out)) throw refuse('This SVG contains content that cannot be made safe.');
  return out;
}
