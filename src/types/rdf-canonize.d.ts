declare module 'rdf-canonize' {
  import type { Quad, RdfTerm } from 'jsonld';
  export function canonize(dataset: Quad[], options: { algorithm: 'RDFC-1.0'; maxWorkFactor?: number }): Promise<string>;
  export const NQuads: {
    /** One quad as a canonical N-Quads line (with its trailing newline), as RDFC-1.0 serialises it. */
    serializeQuadComponents(subject: RdfTerm, predicate: RdfTerm, object: RdfTerm, graph: RdfTerm): string;
  };
}
