declare module 'rdf-canonize' {
  import type { Quad } from 'jsonld';
  export function canonize(dataset: Quad[], options: { algorithm: 'RDFC-1.0'; maxWorkFactor?: number }): Promise<string>;
}
