import { DOMParser, type Document, type Node as XmlNode } from '@xmldom/xmldom';

/**
 * SVG is untrusted XML. One parser for everything that reads it (uploads here, baked credentials in
 * src/credentials): xmldom, which never loads external DTDs or entities. Any XML error is reported,
 * never thrown through, so callers refuse the file with their own error.
 */
export function parseSvgSafely(svg: string): { doc: Document } | { problem: string } {
  let problem: string | undefined;
  const parser = new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning') problem ??= message;
    },
  });
  let doc: Document | undefined;
  try {
    doc = parser.parseFromString(svg, 'image/svg+xml');
  } catch (error) {
    problem ??= error instanceof Error ? error.message : 'unreadable XML';
  }
  if (problem || !doc?.documentElement) return { problem: `The SVG is not well-formed XML: ${problem ?? 'no root element'}`.slice(0, 300) };
  if (doc.documentElement.localName !== 'svg') return { problem: 'Not an SVG document' };
  return { doc };
}

// Elements that run script, embed other documents or media, or animate attributes into `href`s.
const FORBIDDEN_ELEMENTS = ['script', 'foreignObject', 'iframe', 'embed', 'object', 'audio', 'video', 'canvas', 'set', 'animate', 'handler', 'listener', 'style'];
const FORBIDDEN_NAMES = new Set(FORBIDDEN_ELEMENTS.map((name) => name.toLowerCase()));
/** Links may only point inside the document (#id); data: URIs only for raster images. */
const SAFE_LINK = /^\s*(#|data:image\/(png|jpeg|gif);base64,)/i;
/** CSS that can fetch (url(http...)) or, in old engines, run script. */
const UNSAFE_CSS = /url\s*\(\s*['"]?(?!#)|expression\s*\(|javascript:|@import/i;

/**
 * Returns the SVG without script, foreign objects, event handler attributes and external references;
 * the result is then parsed and every node checked, and anything that survived (or is not
 * well-formed XML) is refused: the text rewrite keeps the author's markup as it was, the parse makes
 * sure no trick slipped past it. DOCTYPE/ENTITY declarations are refused outright (entity expansion
 * and external entities). Throws `refuse(message)`.
 */
export function sanitiseSvgText(svg: string, refuse: (message: string) => Error): string {
  if (/<!DOCTYPE|<!ENTITY/i.test(svg)) throw refuse('SVG files with a DOCTYPE or entities are not accepted.');
  let out = svg.replace(/<\?xml-stylesheet[\s\S]*?\?>/gi, '');
  for (const name of FORBIDDEN_ELEMENTS) {
    // Paired elements with their content, then any self-closing or stray tags left over.
    out = out.replace(new RegExp(`<${name}\\b[\\s\\S]*?<\\/${name}\\s*>`, 'gi'), '');
    out = out.replace(new RegExp(`<\\/?${name}\\b[^>]*>`, 'gi'), '');
  }
  // Event handlers (onload=, onclick=...), quoted or not.
  out = out.replace(/\s+on[a-z]+\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)/gi, '');
  out = out.replace(/\s+(xlink:href|href)\s*=\s*("([^"]*)"|'([^']*)')/gi, (whole, _attr: string, _q: string, dq?: string, sq?: string) => (SAFE_LINK.test(dq ?? sq ?? '') ? whole : ''));
  out = out.replace(/\s+style\s*=\s*("[^"]*"|'[^']*')/gi, (whole) => (UNSAFE_CSS.test(whole) ? '' : whole));
  out = out.replace(/url\(\s*['"]?(?!#)[^)]*\)/gi, 'none');
  const parsed = parseSvgSafely(out);
  if ('problem' in parsed) throw refuse(`This SVG cannot be read: ${parsed.problem.replace(/^The SVG is /, 'it is ')}`);
  const unsafe = firstUnsafe(parsed.doc);
  if (unsafe) throw refuse(`This SVG contains content that cannot be made safe (${unsafe}).`);
  return out;
}

/** What in the parsed document could still run script or reach outside, if anything. */
function firstUnsafe(doc: Document): string | undefined {
  const pending: XmlNode[] = [doc];
  while (pending.length) {
    const node = pending.pop()!;
    // 5: entity reference; 7: processing instruction (only the XML declaration is allowed).
    if (node.nodeType === 5) return 'an entity reference';
    if (node.nodeType === 7 && node.nodeName !== 'xml') return `the processing instruction <?${node.nodeName}?>`;
    if (node.nodeType === 1) {
      const element = node as unknown as { localName: string; attributes: { length: number; item(i: number): { name: string; localName: string; value: string } | null } };
      if (FORBIDDEN_NAMES.has(element.localName.toLowerCase())) return `a <${element.localName}> element`;
      for (let i = 0; i < element.attributes.length; i++) {
        const attr = element.attributes.item(i)!;
        const name = attr.localName.toLowerCase();
        if (name.startsWith('on')) return `an ${attr.name} attribute`;
        if (name === 'href' && !SAFE_LINK.test(attr.value)) return 'a link outside the image';
        if (/javascript:/i.test(attr.value) || UNSAFE_CSS.test(attr.value)) return `the ${attr.name} attribute`;
      }
    }
    for (let child = node.firstChild; child; child = child.nextSibling) pending.push(child);
  }
  return undefined;
}
