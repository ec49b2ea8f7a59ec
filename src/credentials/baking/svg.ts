import type { Document } from '@xmldom/xmldom';
import { LaurelError } from '../../errors';
import { parseSvgSafely } from '../../images';

/** OB 3.0 section 5.3.2: namespace of the `<openbadges:credential>` element. */
export const OB_SVG_NAMESPACE = 'https://purl.imsglobal.org/ob/v3p0';
export const MAX_SVG_BYTES = 2 * 1024 * 1024;

function invalid(message: string): LaurelError {
  return new LaurelError('ERR_CREDENTIAL_INVALID', message);
}

/**
 * SVG is untrusted XML. A DOCTYPE is allowed (`<!DOCTYPE svg PUBLIC ...>` is common and harmless:
 * the external DTD it names is never loaded), but entity declarations are refused outright (entity
 * expansion bombs, external entities/XXE), and so is any entity reference other than XML's five and
 * character references (xmldom reports them as errors, which we turn into refusals).
 */
function assertSafe(svg: string): void {
  if (typeof svg !== 'string' || Buffer.byteLength(svg, 'utf8') > MAX_SVG_BYTES) throw invalid(`SVG larger than ${MAX_SVG_BYTES} bytes`);
  if (/<!ENTITY/i.test(svg)) throw invalid('SVG with entity declarations is not accepted');
  const doctype = /<!DOCTYPE[^>[]*(\[[\s\S]*?\])?\s*>/i.exec(svg);
  // An internal subset may only hold what cannot reach outside: no parameter-entity references.
  if (doctype?.[1] && /%|<!(ENTITY|NOTATION)/i.test(doctype[1])) throw invalid('SVG with entity or notation declarations is not accepted');
}

/** Parses the SVG with the one safe parser (src/images: xmldom, no external DTDs or entities); any XML error refuses it. */
function parseSvg(svg: string): Document {
  const parsed = parseSvgSafely(svg);
  if ('problem' in parsed) throw invalid(parsed.problem);
  return parsed.doc;
}

/** The root `<svg ...>` start tag: its bounds and attributes. */
function rootTag(svg: string): { start: number; end: number; selfClosing: boolean; attrs: Map<string, string> } {
  const match = /<svg(?=[\s>/])/.exec(svg);
  if (!match) throw invalid('Not an SVG document');
  const tagPattern = /\s+([A-Za-z_][\w.:-]*)\s*=\s*("([^"]*)"|'([^']*)')|\s*(\/?)>/y;
  const attrs = new Map<string, string>();
  let p = match.index + 4;
  for (;;) {
    tagPattern.lastIndex = p;
    const m = tagPattern.exec(svg);
    if (!m) throw invalid('Malformed <svg> start tag');
    p = tagPattern.lastIndex;
    if (m[1] === undefined) return { start: match.index, end: p, selfClosing: m[5] === '/', attrs };
    attrs.set(m[1], unescapeXml(m[3] ?? m[4] ?? ''));
  }
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|amp|lt|gt|quot|apos);/gi, (_m, ref: string) => {
    const lower = ref.toLowerCase();
    if (lower.startsWith('#x')) return safeCodePoint(parseInt(lower.slice(2), 16));
    if (lower.startsWith('#')) return safeCodePoint(parseInt(lower.slice(1), 10));
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[lower];
  });
}

function safeCodePoint(n: number): string {
  return n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : '';
}

/** Prefixes bound to the OB 3.0 namespace on the root element ("openbadges" by convention). */
function obPrefixes(attrs: Map<string, string>): string[] {
  return [...attrs].filter(([name, value]) => name.startsWith('xmlns:') && value === OB_SVG_NAMESPACE).map(([name]) => name.slice(6));
}

function credentialElements(svg: string, prefix: string): RegExpExecArray[] {
  const escaped = prefix.replace(/[.-]/g, '\\$&');
  const pattern = new RegExp(`<${escaped}:credential(\\s[^>]*?)?(/>|>([\\s\\S]*?)</${escaped}:credential\\s*>)`, 'g');
  return [...svg.matchAll(pattern)];
}

/** Bakes the JWS as `<openbadges:credential verify="JWS"/>` right after the root start tag. */
export function bakeSvg(svg: string, jws: string, verifyUrl?: string): string {
  assertSafe(svg);
  let out = svg;
  for (const prefix of obPrefixes(rootTag(out).attrs)) {
    for (const m of credentialElements(out, prefix).reverse()) out = out.slice(0, m.index) + out.slice(m.index + m[0].length);
  }
  const root = rootTag(out);
  if (root.selfClosing) throw invalid('The <svg> element is empty');
  let head = out.slice(root.start, root.end);
  if (!root.attrs.has('xmlns:openbadges')) head = head.replace(/^<svg/, `<svg xmlns:openbadges="${OB_SVG_NAMESPACE}"`);
  const note = verifyUrl ? `<!-- Verify this badge: ${escapeXml(verifyUrl).replace(/--/g, '-&#45;')} -->` : '';
  const element = `<openbadges:credential verify="${escapeXml(jws)}"/>`;
  return out.slice(0, root.start) + head + element + note + out.slice(root.end);
}

/** The baked credential: the `verify` attribute (JWS) or the element's text (embedded JSON). */
export function extractFromSvg(svg: string): string {
  assertSafe(svg);
  const doc = parseSvg(svg);
  const found = doc.getElementsByTagNameNS(OB_SVG_NAMESPACE, 'credential');
  if (found.length === 0) throw invalid('The SVG has no <openbadges:credential> element');
  if (found.length > 1) throw invalid('The SVG has more than one <openbadges:credential> element');
  const element = found[0];
  if (element.hasAttribute('verify')) return element.getAttribute('verify') ?? '';
  const value = (element.textContent ?? '').trim();
  if (!value) throw invalid('The <openbadges:credential> element is empty');
  return value;
}
