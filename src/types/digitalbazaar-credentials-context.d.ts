declare module '@digitalbazaar/credentials-context' {
  /** JSON-LD context documents keyed by URL (VC 1.1 and VC 2.0). */
  export const contexts: Map<string, object>;
}
