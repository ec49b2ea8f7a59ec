import jsonld, { type DocumentLoader, type Quad, type RdfTerm } from 'jsonld';
import { createHash } from 'node:crypto';
import { canonize as rdfCanonize, NQuads } from 'rdf-canonize';
import { knownContextUrls } from './contexts';

/**
 * RDFC-1.0 canonical N-Quads of a JSON-LD document, the input of `eddsa-rdfc-2022`, computed fast.
 *
 * Stock signing spends ~95% of its time in JSON-LD expansion (`jsonld.toRDF`), yet the RDF a
 * document expands to depends only on its *shape* (keys, nesting, contexts, `type` values, numbers)
 * and not on its string values, which are copied verbatim into literals or IRIs. So we expand a
 * skeleton of the document once, with every string replaced by a unique placeholder, keep the
 * resulting quads as a template, and for each later document of the same shape substitute the real
 * strings into the template quads. The blank-node-sensitive part (RDFC-1.0 itself) still runs on every
 * document: `firstDegreeCanonical` when every blank node's first-degree hash is unique (what a
 * credential gives), else the stock `rdf-canonize`, so the output is exactly what stock produces.
 *
 * Substitution is only sound when a placeholder and the real string are treated alike by JSON-LD:
 * - a placeholder that became an IRI (an `@id`, or an `@id`/`@vocab`-typed term) is only replaced by
 *   a real value that is itself a plain absolute IRI of a scheme no context defines as a term, since
 *   anything else (relative IRIs, compact IRIs, vocabulary terms like `Percent`) is transformed;
 *   for other keys we learn to keep their values in the shape, otherwise we fall back to stock;
 * - a placeholder that ended up anywhere but as a whole IRI or literal value marks the shape as not
 *   templatable (e.g. `@json` literals);
 * - equal real values collapse nodes/quads that distinct placeholders kept apart, so quads are
 *   de-duplicated after substitution (an RDF dataset is a set, as `jsonld` builds it).
 * Tests prove equality with the 1EdTech and W3C vectors and with stock output on random documents.
 *
 * The whole argument assumes the contexts are ones we know: an inline context can re-map a prefix,
 * set `@vocab`/`@base` or coerce a term so that a string changes meaning in ways the placeholders do
 * not see. So the fast path only takes documents whose `@context` (top-level and nested) is exactly
 * a list of context URLs held locally (`fastPathEligible`); every other document takes the stock path.
 * test/credentials/canonize-differential.test.ts holds the two paths together on generated variants.
 */

const PH = 'urn:x-laurel-ph:';
const PH_EXACT = /^urn:x-laurel-ph:(\d+)$/;
/** Absolute IRIs whose JSON-LD expansion is the identity (no whitespace or characters IRIs forbid). */
const SAFE_IRI = /^(?:https?|urn|did|mailto|data):[^\s<>"{}|\\^`]*$/;
/** Keys whose values are never templated: an id that fails SAFE_IRI makes us use the stock path. */
const ID_KEYS = new Set(['id', '@id']);
/** Keys known to hold vocabulary terms or keywords, kept in the shape from the start. */
const SEEDED_INLINE = [
  'type', 'proofPurpose', 'cryptosuite', 'statusPurpose', 'resultType', 'alignmentType',
  'identityType', 'achievementType', 'status',
];
const MAX_LEARNED_KEYS = 64;

type TermTemplate =
  | { kind: 'const'; term: RdfTerm }
  | { kind: 'iri'; leaf: number }
  | { kind: 'literal'; leaf: number; datatype?: RdfTerm['datatype']; language?: string };

interface Template {
  quads: TermTemplate[][];
  iriLeaves: number[];
  /** Values of constant terms: a leaf equal to one of them may collapse two quads into one. */
  constValues: Set<string>;
}

interface Skeleton {
  doc: unknown;
  leaves: string[];
  keys: string[];
}

export interface CanonizerOptions {
  /** Resolves contexts (offline). */
  documentLoader: DocumentLoader;
  /** Shapes kept in memory (LRU). Default 256. */
  maxTemplates?: number;
  /**
   * Context URLs the fast path accepts: those `documentLoader` serves from local copies. Default: the
   * built-in contexts (pass `knownContextUrls(extra)` when the loader holds extra ones).
   */
  fastContexts?: ReadonlySet<string>;
}

export interface CanonizerStats {
  hits: number;
  misses: number;
  stock: number;
}

export interface Canonizer {
  /** Canonical N-Quads exactly as `jsonld.toRDF` + `rdf-canonize` RDFC-1.0 would produce them. */
  canonize(document: object): Promise<string>;
  stats(): CanonizerStats;
}

/** The stock path (what `@digitalbazaar/eddsa-rdfc-2022-cryptosuite` does), used as fallback. */
export async function stockCanonize(document: object, documentLoader: DocumentLoader): Promise<string> {
  return rdfCanonize(await toRdf(document, documentLoader), { algorithm: 'RDFC-1.0' });
}

function toRdf(document: unknown, documentLoader: DocumentLoader): Promise<Quad[]> {
  return jsonld.toRDF(document as object, {
    documentLoader,
    safe: true,
    base: null,
    rdfDirection: 'i18n-datatype',
    produceGeneralizedRdf: false,
  });
}

/**
 * True when `document` may take the fast path: its `@context` is a context URL or a list of them,
 * every one in `known`, and so is every `@context` nested in it (a CLR embeds whole credentials,
 * each with its own context list). Any inline context object, anywhere, means stock: that is where
 * prefixes, terms, `@vocab`, `@base` and coercions of the document's own making would come from.
 */
export function fastPathEligible(document: object, known: ReadonlySet<string>): boolean {
  return knownContextList((document as Record<string, unknown>)['@context'], known) && nestedContextsKnown(document, known);
}

function knownContextList(context: unknown, known: ReadonlySet<string>): boolean {
  const list = Array.isArray(context) ? context : [context];
  return list.length > 0 && list.every((c) => typeof c === 'string' && known.has(c));
}

function nestedContextsKnown(value: unknown, known: ReadonlySet<string>): boolean {
  if (Array.isArray(value)) return value.every((item) => nestedContextsKnown(item, known));
  if (value === null || typeof value !== 'object') return true;
  for (const [key, item] of Object.entries(value)) {
    if (key === '@context' ? !knownContextList(item, known) : !nestedContextsKnown(item, known)) return false;
  }
  return true;
}

export function createCanonizer(options: CanonizerOptions): Canonizer {
  const { documentLoader } = options;
  const fastContexts = options.fastContexts ?? knownContextUrls();
  const maxTemplates = options.maxTemplates ?? 256;
  const templates = new Map<string, Template | 'stock'>();
  const inlineKeys = new Set<string>(SEEDED_INLINE);
  const stats: CanonizerStats = { hits: 0, misses: 0, stock: 0 };

  async function viaStock(document: object): Promise<string> {
    stats.stock++;
    return stockCanonize(document, documentLoader);
  }

  async function attempt(document: object): Promise<string | 'retry'> {
    const skeleton: Skeleton = { doc: undefined, leaves: [], keys: [] };
    skeleton.doc = skeletonize(document, '', inlineKeys, skeleton);
    const key = JSON.stringify(skeleton.doc);
    let template = templates.get(key);
    if (template === undefined) {
      stats.misses++;
      template = await buildTemplate(skeleton.doc, documentLoader).catch(() => 'stock' as const);
      if (templates.size >= maxTemplates) templates.delete(templates.keys().next().value as string);
      templates.set(key, template);
    } else {
      stats.hits++;
      templates.delete(key);
      templates.set(key, template);
    }
    if (template === 'stock') return viaStock(document);
    for (const leaf of template.iriLeaves) {
      if (SAFE_IRI.test(skeleton.leaves[leaf])) continue;
      const leafKey = skeleton.keys[leaf];
      if (ID_KEYS.has(leafKey) || inlineKeys.size >= MAX_LEARNED_KEYS) return viaStock(document);
      inlineKeys.add(leafKey);
      return 'retry';
    }
    const quads = instantiate(template, skeleton.leaves);
    return firstDegreeCanonical(quads) ?? rdfCanonize(quads, { algorithm: 'RDFC-1.0' });
  }

  return {
    async canonize(document) {
      if (!fastPathEligible(document, fastContexts)) return viaStock(document);
      // A real value that looks like one of our placeholders would be confused with it.
      if (JSON.stringify(document).includes(PH)) return viaStock(document);
      for (let tries = 0; tries < 4; tries++) {
        const result = await attempt(document);
        if (result !== 'retry') return result;
      }
      return viaStock(document);
    },
    stats: () => ({ ...stats }),
  };
}

function skeletonize(value: unknown, key: string, inline: Set<string>, out: Skeleton): unknown {
  if (typeof value === 'string') {
    // Keyword values (`@type`, `@language`, ...) and learned vocabulary keys stay in the shape.
    if (inline.has(key) || (key.startsWith('@') && key !== '@id' && key !== '@value')) return value;
    out.leaves.push(value);
    out.keys.push(key);
    return PH + (out.leaves.length - 1);
  }
  if (Array.isArray(value)) return value.map((item) => skeletonize(item, key, inline, out));
  if (value !== null && typeof value === 'object') {
    if (key === '@context') return value;
    const result: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) result[k] = skeletonize(v, k, inline, out);
    return result;
  }
  return value;
}

async function buildTemplate(skeletonDoc: unknown, documentLoader: DocumentLoader): Promise<Template | 'stock'> {
  const dataset = await toRdf(skeletonDoc, documentLoader);
  const iriLeaves = new Set<number>();
  const constValues = new Set<string>();
  const quads: TermTemplate[][] = [];
  for (const quad of dataset) {
    const row: TermTemplate[] = [];
    for (const term of [quad.subject, quad.predicate, quad.object, quad.graph]) {
      const mentions = term.value.includes(PH) || (term.datatype?.value ?? '').includes(PH) || (term.language ?? '').includes(PH);
      if (!mentions) {
        constValues.add(term.value);
        row.push({ kind: 'const', term });
        continue;
      }
      const match = PH_EXACT.exec(term.value);
      if (!match || (term.datatype?.value ?? '').includes(PH)) return 'stock';
      const leaf = Number(match[1]);
      if (term.termType === 'NamedNode') {
        iriLeaves.add(leaf);
        row.push({ kind: 'iri', leaf });
      } else if (term.termType === 'Literal') {
        row.push({ kind: 'literal', leaf, datatype: term.datatype, language: term.language });
      } else {
        return 'stock';
      }
    }
    quads.push(row);
  }
  return { quads, iriLeaves: [...iriLeaves], constValues };
}

function instantiate(template: Template, leaves: string[]): Quad[] {
  // Two distinct template quads become equal only where they differ by an *ambiguous* leaf: one whose
  // value another leaf or a constant also has (two constants that differ stay different). So a
  // collision always involves a quad holding an ambiguous leaf, and its partner has the same predicate.
  // Only quads whose predicate is one of those quads' predicates need a key (Laurel's credentials repeat
  // a value or two, e.g. the achievement name as the image caption: a few quads, not all of them).
  const ambiguous = ambiguousLeaves(template, leaves);
  const rows = template.quads.map((row) => row.map((slot) => termOf(slot, leaves)));
  let keyed: ((predicate: RdfTerm) => boolean) | undefined;
  if (ambiguous.size > 0) {
    const predicates = new Set<string>();
    let any = false;
    template.quads.forEach((row, i) => {
      if (!row.some((slot) => slot.kind !== 'const' && ambiguous.has(slot.leaf))) return;
      if (row[1]!.kind !== 'const') any = true;
      predicates.add(rows[i]![1]!.value);
    });
    keyed = any ? () => true : (predicate) => predicates.has(predicate.value);
  }
  const seen = new Set<string>();
  const out: Quad[] = [];
  for (const [subject, predicate, object, graph] of rows) {
    if (keyed?.(predicate!)) {
      const id = termKey(subject!) + termKey(predicate!) + termKey(object!) + termKey(graph!);
      if (seen.has(id)) continue;
      seen.add(id);
    }
    out.push({ subject: subject!, predicate: predicate!, object: object!, graph: graph! });
  }
  return out;
}

/** Leaves whose value occurs at another leaf or as a constant term's value. */
function ambiguousLeaves(template: Template, leaves: readonly string[]): Set<number> {
  const first = new Map<string, number>();
  const ambiguous = new Set<number>();
  leaves.forEach((value, leaf) => {
    const earlier = first.get(value);
    if (earlier !== undefined) {
      ambiguous.add(earlier);
      ambiguous.add(leaf);
    } else {
      first.set(value, leaf);
      if (template.constValues.has(value)) ambiguous.add(leaf);
    }
  });
  return ambiguous;
}

/** A template slot as a term; constant terms are shared between documents (rdf-canonize never mutates its input). */
function termOf(slot: TermTemplate, leaves: readonly string[]): RdfTerm {
  if (slot.kind === 'const') return slot.term;
  if (slot.kind === 'iri') return { termType: 'NamedNode', value: leaves[slot.leaf]! };
  const literal: RdfTerm = { termType: 'Literal', value: leaves[slot.leaf]! };
  if (slot.datatype) literal.datatype = slot.datatype;
  if (slot.language !== undefined) literal.language = slot.language;
  return literal;
}

/**
 * RDFC-1.0 (W3C rdf-canon sections 4.4-4.6) for the usual dataset, where every blank node's first-degree
 * hash is unique: hash each blank node's quads (itself as `_:a`, other blank nodes as `_:z`, sorted),
 * label the nodes `c14n0..` in the order of their hashes, serialise every quad with those labels and sort.
 * That is exactly what `rdf-canonize` computes for such a dataset (same N-Quads serialiser, same sorts,
 * same hash), without its general machinery: one hash object per blank node, no promise per step.
 * Answers undefined whenever the full algorithm could differ: two blank nodes share a first-degree hash
 * (the N-degree step decides), a predicate is a blank node, or a label already looks canonical (stock
 * leaves `c14n…` labels as they are); the caller then runs `rdf-canonize` itself. Exported for tests.
 */
export function firstDegreeCanonical(quads: readonly Quad[]): string | undefined {
  const mentions = new Map<string, Quad[]>();
  const mention = (term: RdfTerm, quad: Quad) => {
    if (term.termType !== 'BlankNode') return;
    const list = mentions.get(term.value);
    // A quad counts once per blank node, however many of its positions name it (stock keeps a Set).
    if (!list) mentions.set(term.value, [quad]);
    else if (list[list.length - 1] !== quad) list.push(quad);
  };
  for (const quad of quads) {
    if (quad.predicate.termType === 'BlankNode') return undefined;
    mention(quad.subject, quad);
    mention(quad.object, quad);
    mention(quad.graph, quad);
  }
  const hashed: { hash: string; node: string }[] = [];
  for (const [node, list] of mentions) {
    if (node.startsWith('c14n')) return undefined;
    const lines = list.map((q) => NQuads.serializeQuadComponents(firstDegree(q.subject, node), q.predicate, firstDegree(q.object, node), firstDegree(q.graph, node)));
    lines.sort();
    const md = createHash('sha256');
    for (const line of lines) md.update(line, 'utf8');
    hashed.push({ hash: md.digest('hex'), node });
  }
  hashed.sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
  const labels = new Map<string, RdfTerm>();
  for (let i = 0; i < hashed.length; i++) {
    if (i > 0 && hashed[i]!.hash === hashed[i - 1]!.hash) return undefined;
    labels.set(hashed[i]!.node, { termType: 'BlankNode', value: `c14n${i}` });
  }
  const canonical = (term: RdfTerm) => (term.termType === 'BlankNode' ? labels.get(term.value)! : term);
  const lines = quads.map((q) => NQuads.serializeQuadComponents(canonical(q.subject), q.predicate, canonical(q.object), canonical(q.graph)));
  lines.sort();
  return lines.join('');
}

function firstDegree(term: RdfTerm, node: string): RdfTerm {
  if (term.termType !== 'BlankNode') return term;
  return term.value === node ? A_NODE : Z_NODE;
}
const A_NODE: RdfTerm = { termType: 'BlankNode', value: 'a' };
const Z_NODE: RdfTerm = { termType: 'BlankNode', value: 'z' };

/** Length-prefixed, so no two different terms share a key whatever characters their values hold. */
function termKey(term: RdfTerm): string {
  const datatype = term.datatype?.value ?? '';
  const language = term.language ?? '';
  return `${term.termType[0]}${term.value.length}:${term.value}${datatype.length}:${datatype}${language.length}:${language}`;
}
