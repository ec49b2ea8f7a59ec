import type { Quad, RdfTerm } from 'jsonld';
import { canonize as rdfCanonize } from 'rdf-canonize';
import { firstDegreeCanonical } from '../../src/credentials/canonize';

// The RDFC-1.0 shortcut for datasets whose blank nodes all have distinct first-degree hashes must give
// rdf-canonize's output byte for byte, and must step aside whenever the full algorithm could differ.

const XSD_STRING = { termType: 'NamedNode' as const, value: 'http://www.w3.org/2001/XMLSchema#string' };
const iri = (value: string): RdfTerm => ({ termType: 'NamedNode', value });
const blank = (value: string): RdfTerm => ({ termType: 'BlankNode', value });
const literal = (value: string, datatype: { termType: 'NamedNode'; value: string } = XSD_STRING, language?: string): RdfTerm => (language ? { termType: 'Literal', value, datatype, language } : { termType: 'Literal', value, datatype });
const DEFAULT: RdfTerm = { termType: 'DefaultGraph', value: '' };
const quad = (subject: RdfTerm, predicate: RdfTerm, object: RdfTerm, graph = DEFAULT): Quad => ({ subject, predicate, object, graph });

describe('firstDegreeCanonical', () => {
  it('equals rdf-canonize on a credential-like dataset (nested blank nodes, escapes, languages, named graph)', async () => {
    const p = (name: string) => iri(`https://example.org/vocab#${name}`);
    const dataset = [
      quad(iri('urn:uuid:1'), p('credentialSubject'), blank('b0')),
      quad(blank('b0'), p('achievement'), iri('https://example.org/a/1')),
      quad(blank('b0'), p('result'), blank('b1')),
      quad(blank('b1'), p('value'), literal('85.0')),
      quad(blank('b1'), p('note'), literal('line\nbreak "quoted" \\ back')),
      quad(blank('b2'), p('name'), literal('Évaluation', { termType: 'NamedNode', value: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#langString' }, 'fr')),
      quad(iri('urn:uuid:1'), p('evidence'), blank('b2')),
      quad(blank('b2'), p('when'), literal('2026-01-01T00:00:00Z', { termType: 'NamedNode', value: 'http://www.w3.org/2001/XMLSchema#dateTime' })),
      quad(iri('urn:uuid:1'), p('proof'), blank('b3'), blank('g0')),
      quad(blank('b3'), p('self'), blank('b3'), blank('g0')),
      quad(iri('https://example.org/with space'), p('x'), iri('urn:x:<odd>')),
    ];
    const fast = firstDegreeCanonical(dataset);
    expect(fast).toBeDefined();
    expect(fast).toBe(await rdfCanonize(dataset, { algorithm: 'RDFC-1.0' }));
  });

  it('steps aside when two blank nodes share a first-degree hash (the N-degree step decides)', async () => {
    const p = iri('https://example.org/vocab#p');
    const dataset = [quad(blank('x'), p, literal('same')), quad(blank('y'), p, literal('same')), quad(iri('urn:r'), p, blank('x')), quad(iri('urn:r'), p, blank('y'))];
    expect(firstDegreeCanonical(dataset)).toBeUndefined();
    // rdf-canonize still canonicalises it (the caller's fallback).
    expect(await rdfCanonize(dataset, { algorithm: 'RDFC-1.0' })).toContain('_:c14n1');
  });

  it('steps aside for labels stock keeps as they are and for blank-node predicates', () => {
    const p = iri('https://example.org/vocab#p');
    expect(firstDegreeCanonical([quad(blank('c14n7'), p, literal('v'))])).toBeUndefined();
    expect(firstDegreeCanonical([quad(iri('urn:s'), blank('p0'), literal('v'))])).toBeUndefined();
  });

  it('handles a dataset without blank nodes', async () => {
    const p = iri('https://example.org/vocab#p');
    const dataset = [quad(iri('urn:b'), p, literal('2')), quad(iri('urn:a'), p, literal('1'))];
    expect(firstDegreeCanonical(dataset)).toBe(await rdfCanonize(dataset, { algorithm: 'RDFC-1.0' }));
  });
});
