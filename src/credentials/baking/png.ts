import { inflateSync } from 'node:zlib';
import { LaurelError } from '../../errors';

/** OB 3.0 section 5.3.1: the compact JWS goes in an uncompressed iTXt chunk with this keyword. */
export const PNG_KEYWORD = 'openbadgecredential';
const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Bounds for untrusted images: a baked badge is small; these stop hostile files early. */
export const MAX_PNG_BYTES = 10 * 1024 * 1024;
const MAX_CHUNKS = 10000;
const MAX_TEXT_BYTES = 1024 * 1024;

interface Chunk {
  type: string;
  data: Buffer;
  /** The whole chunk as it appears in the file (length, type, data, CRC). */
  raw: Buffer;
}

function invalid(message: string): LaurelError {
  return new LaurelError('ERR_CREDENTIAL_INVALID', message);
}

/** Splits a PNG into chunks, refusing anything malformed or out of bounds (never reads past the end). */
function readChunks(png: Buffer): Chunk[] {
  if (!Buffer.isBuffer(png) || png.length > MAX_PNG_BYTES) throw invalid(`PNG larger than ${MAX_PNG_BYTES} bytes`);
  if (png.length < 8 || !png.subarray(0, 8).equals(SIGNATURE)) throw invalid('Not a PNG file');
  const chunks: Chunk[] = [];
  let offset = 8;
  while (offset < png.length) {
    if (chunks.length >= MAX_CHUNKS) throw invalid('Too many PNG chunks');
    if (offset + 12 > png.length) throw invalid('Truncated PNG chunk');
    const length = png.readUInt32BE(offset);
    const end = offset + 12 + length;
    if (length > 0x7fffffff || end > png.length) throw invalid('PNG chunk length out of bounds');
    const type = png.toString('latin1', offset + 4, offset + 8);
    if (!/^[A-Za-z]{4}$/.test(type)) throw invalid('Invalid PNG chunk type');
    const raw = png.subarray(offset, end);
    if (crc32(raw.subarray(4, 8 + length)) !== png.readUInt32BE(offset + 8 + length)) throw invalid(`Bad CRC in PNG chunk ${type}`);
    chunks.push({ type, data: png.subarray(offset + 8, offset + 8 + length), raw });
    offset = end;
    if (type === 'IEND') break;
  }
  if (chunks[0]?.type !== 'IHDR' || chunks[chunks.length - 1]?.type !== 'IEND') throw invalid('PNG must start with IHDR and end with IEND');
  return chunks;
}

function isOurText(chunk: Chunk): boolean {
  return chunk.type === 'iTXt' && chunk.data.subarray(0, PNG_KEYWORD.length + 1).equals(Buffer.from(PNG_KEYWORD + '\0', 'latin1'));
}

/** Bakes `jws` into `png`, replacing any earlier credential so the image holds exactly one. */
export function bakePng(png: Buffer, jws: string): Buffer {
  const chunks = readChunks(png);
  const text = Buffer.concat([
    Buffer.from(PNG_KEYWORD, 'latin1'),
    Buffer.from([0, 0, 0]), // null separator, compression flag 0 (uncompressed), method 0
    Buffer.from([0, 0]), // empty language tag, empty translated keyword
    Buffer.from(jws, 'utf8'),
  ]);
  const ours = makeChunk('iTXt', text);
  const kept = chunks.filter((c) => !isOurText(c));
  // Right after IHDR, so readers that stop early still find it.
  return Buffer.concat([SIGNATURE, kept[0].raw, ours, ...kept.slice(1).map((c) => c.raw)]);
}

/** The baked credential text (compact JWS, or JSON for DI-only badges). */
export function extractFromPng(png: Buffer): string {
  const found = readChunks(png).filter(isOurText);
  if (found.length === 0) throw invalid('The PNG has no openbadgecredential iTXt chunk');
  if (found.length > 1) throw invalid('The PNG has more than one openbadgecredential chunk');
  const data = found[0].data;
  let p = PNG_KEYWORD.length + 1;
  const compressed = data[p];
  p += 2;
  const langEnd = data.indexOf(0, p);
  if (langEnd < 0) throw invalid('Malformed iTXt chunk');
  const keyEnd = data.indexOf(0, langEnd + 1);
  if (keyEnd < 0) throw invalid('Malformed iTXt chunk');
  const body = data.subarray(keyEnd + 1);
  if (compressed === 0) return body.toString('utf8');
  try {
    return inflateSync(body, { maxOutputLength: MAX_TEXT_BYTES }).toString('utf8');
  } catch (cause) {
    throw new LaurelError('ERR_CREDENTIAL_INVALID', 'Compressed iTXt chunk could not be inflated', { cause });
  }
}

export function makeChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
