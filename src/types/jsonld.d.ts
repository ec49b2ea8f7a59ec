declare module 'jsonld' {
  export interface RemoteDocument {
    contextUrl: string | null;
    documentUrl: string;
    document: unknown;
  }
  export type DocumentLoader = (url: string) => Promise<RemoteDocument>;
  export interface RdfTerm {
    termType: 'NamedNode' | 'BlankNode' | 'Literal' | 'DefaultGraph';
    value: string;
    datatype?: { termType: 'NamedNode'; value: string };
    language?: string;
  }
  export interface Quad {
    subject: RdfTerm;
    predicate: RdfTerm;
    object: RdfTerm;
    graph: RdfTerm;
  }
  export interface ToRdfOptions {
    documentLoader?: DocumentLoader;
    safe?: boolean;
    base?: string | null;
    rdfDirection?: string;
    produceGeneralizedRdf?: boolean;
    format?: string;
  }
  const jsonld: {
    toRDF(input: object, options: ToRdfOptions): Promise<Quad[]>;
  };
  export default jsonld;
}
