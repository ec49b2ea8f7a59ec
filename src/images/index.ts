import { LaurelError } from '../errors';
import { sanitiseSvgText } from './svg';

/**
 * The one validation of uploaded images (badge images from the instructor pages and the REST API,
 * issuer logos from the admin page). They are served back from Laurel's own origin and baked into
 * credentials, so the type is read from the bytes (never the file name or claimed type), the size
 * and pixel dimensions are bounded, and an SVG is treated as hostile markup: whatever could run
 * script, load something from elsewhere or embed other documents is removed, and anything that
 * cannot be made safe is refused.
 */

export { parseSvgSafely } from './svg';

/**
 * Headers for images served from our origin (badge images, issuer logos). An uploaded SVG may carry script; this CSP (sandbox,
 * no script) makes it inert even when opened directly, and nosniff stops content-type guessing.
 */
export const IMAGE_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox",
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'public, max-age=300',
} as const;

/** 512 KiB: far more than a badge or a logo needs, small enough for a form post and a credential image. */
export const MAX_IMAGE_BYTES = 512 * 1024;
/** Largest side of a raster image, pixels: a badge is shown at a few hundred pixels at most. */
export const MAX_IMAGE_SIDE = 4096;

export type ImageType = 'image/png' | 'image/jpeg' | 'image/svg+xml';
/** What a badge may be: OB 3.0 bakes credentials into PNG and SVG only. */
export const BADGE_IMAGE_TYPES = ['image/png', 'image/svg+xml'] as const;
export type BadgeImageType = (typeof BADGE_IMAGE_TYPES)[number];

export interface CheckedImage<T extends ImageType = ImageType> {
  mime: T;
  bytes: Buffer;
}

export interface ImageCheckOptions<T extends ImageType> {
  /** The types this upload path takes. */
  accept: readonly T[];
  /** The form or body field named in the problem document. */
  field?: string;
}

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** An SVG file: optional BOM, XML declaration and comments (and a DOCTYPE, refused later), then `<svg`. */
const SVG_START = /^\uFEFF?\s*(<\?xml[^>]*>\s*)?((<!--[\s\S]*?-->|<!DOCTYPE[^>[]*(\[[\s\S]*?\])?\s*>)\s*)*<svg[\s>/]/i;
const NAMES: Record<ImageType, string> = { 'image/png': 'a PNG', 'image/jpeg': 'a JPEG', 'image/svg+xml': 'an SVG' };

/** The image type by the file's first bytes, if it is one we know. */
export function sniffImageType(bytes: Buffer): ImageType | undefined {
  if (bytes.subarray(0, 8).equals(PNG_MAGIC)) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (SVG_START.test(bytes.toString('utf8', 0, 4096))) return 'image/svg+xml';
  return undefined;
}

/** Validates an upload by its bytes and returns it (an SVG sanitised); a LaurelError ERR_VALIDATION otherwise. */
export function checkImage<T extends ImageType>(bytes: Buffer, options: ImageCheckOptions<T>): CheckedImage<T> {
  const refuse = refuser(options.field ?? 'imageFile');
  if (bytes.length === 0) throw refuse('The image file is empty.');
  if (bytes.length > MAX_IMAGE_BYTES) throw refuse(`The image is larger than ${MAX_IMAGE_BYTES / 1024} KiB.`);
  const type = sniffImageType(bytes);
  if (!type || !(options.accept as readonly ImageType[]).includes(type)) {
    throw refuse(`Upload ${options.accept.map((t) => NAMES[t]).join(' or ').replace(/ or (?=.* or )/g, ', ')} image.`);
  }
  const mime = type as T;
  if (type === 'image/png') return { mime, bytes: checkSides(pngSize(bytes, refuse), refuse, 'PNG', bytes) };
  if (type === 'image/jpeg') return { mime, bytes: checkSides(jpegSize(bytes, refuse), refuse, 'JPEG', bytes) };
  return { mime, bytes: Buffer.from(sanitiseSvgText(bytes.toString('utf8').replace(/^\uFEFF/, ''), refuse), 'utf8') };
}

/** A badge image: PNG or SVG. */
export function checkBadgeImage(bytes: Buffer, field = 'imageFile'): CheckedImage<BadgeImageType> {
  return checkImage(bytes, { accept: BADGE_IMAGE_TYPES, field });
}

/**
 * A badge image sent as a `data:image/png|svg+xml;base64,...` URI (the REST API, the pages' generated
 * art): decoded, then checked like an upload. The claimed type must match the bytes.
 */
export function badgeImageFromDataUri(uri: string, field = 'image'): CheckedImage<BadgeImageType> {
  const match = /^data:(image\/(?:png|svg\+xml));base64,([A-Za-z0-9+/]*=*)$/.exec(uri);
  if (!match) throw refuser(field)('The image must be a base64 PNG or SVG data URI.');
  const image = checkBadgeImage(Buffer.from(match[2]!, 'base64'), field);
  if (image.mime !== match[1]) throw refuser(field)(`The image data is not ${NAMES[match[1] as BadgeImageType]} image.`);
  return image;
}

/** Sanitises SVG text as `checkImage` does (for callers holding text, not an upload). */
export function sanitiseSvg(svg: string, field = 'imageFile'): string {
  return sanitiseSvgText(svg, refuser(field));
}

function refuser(field: string): (message: string) => LaurelError {
  return (message) => new LaurelError('ERR_VALIDATION', message, { issues: [{ field, message }] });
}

type Refuse = (message: string) => LaurelError;

/**
 * A PNG's IHDR (the first chunk, by the spec) states its size. A few hundred bytes of deflate can
 * declare 100 000 x 100 000 pixels (a decompression bomb for whoever renders it: the learner's
 * browser, a wallet, LinkedIn), hence the bound on the sides.
 */
function pngSize(bytes: Buffer, refuse: Refuse): { width: number; height: number } {
  if (bytes.length < 33 || bytes.toString('latin1', 12, 16) !== 'IHDR') throw refuse('The PNG image is damaged (no IHDR header).');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** A JPEG's size is in its start-of-frame segment (SOF0..SOF15 but DHT, JPG and DAC), found by walking the segments. */
function jpegSize(bytes: Buffer, refuse: Refuse): { width: number; height: number } {
  let p = 2;
  while (p + 4 <= bytes.length) {
    if (bytes[p] !== 0xff) break;
    const marker = bytes[p + 1]!;
    if (marker === 0xff) { p += 1; continue; }
    // Markers without a length: TEM, RST0..7.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { p += 2; continue; }
    if (marker === 0xd9 || marker === 0xda) break;
    const length = bytes.readUInt16BE(p + 2);
    if (length < 2) break;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (p + 9 > bytes.length) break;
      return { height: bytes.readUInt16BE(p + 5), width: bytes.readUInt16BE(p + 7) };
    }
    p += 2 + length;
  }
  throw refuse('The JPEG image is damaged (no frame header).');
}

function checkSides(size: { width: number; height: number }, refuse: Refuse, kind: string, bytes: Buffer): Buffer {
  if (size.width === 0 || size.height === 0) throw refuse(`The ${kind} image has no pixels.`);
  if (size.width > MAX_IMAGE_SIDE || size.height > MAX_IMAGE_SIDE) {
    throw refuse(`The ${kind} image is ${size.width} x ${size.height} pixels; at most ${MAX_IMAGE_SIDE} x ${MAX_IMAGE_SIDE} is accepted.`);
  }
  return bytes;
}
