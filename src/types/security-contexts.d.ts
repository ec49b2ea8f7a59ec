declare module 'ed25519-signature-2020-context' {
  /** The Ed25519Signature2020 suite context keyed by URL (`https://w3id.org/security/suites/ed25519-2020/v1`). */
  export const contexts: Map<string, object>;
  export const CONTEXT_URL: string;
}
declare module '@digitalbazaar/data-integrity-context' {
  /** Data Integrity contexts v1 and v2 keyed by URL (for VCDM 1.1 credentials with DataIntegrityProof). */
  export const contexts: Map<string, object>;
}
