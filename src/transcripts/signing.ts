import type { AnyDb } from '../db';
import type { Config } from '../config';
import { credentialEngine } from '../credentials';
import { CLR_CONTEXT, type ClrCredential } from './clr';
import { createClrSignerPool } from './sign-pool';

/** A signed CLR: the credential with its Data Integrity proof, and the VC-JWT of that credential. */
export interface SignedClr {
  credential: Record<string, unknown>;
  jws: string;
}

/** What transcripts need from the credentials engine: a port, so use-cases and tests stay small. */
export interface ClrSigner {
  sign(issuerId: string, clr: ClrCredential): Promise<SignedClr>;
}

/**
 * CLRs are signed like badges (eddsa-rdfc-2022 Data Integrity, then an RS256 VC-JWT with `kid`, `typ:
 * JWT` and `iss`/`jti`/`sub`/`nbf`) by the credentials engine, with the issuer's active keys (published
 * in /.well-known/jwks.json and the did:web document). A Data Integrity proof needs every JSON-LD
 * context offline and no npm package ships the CLR 2.0.1 context: without `clrContext` (standards data cache)
 * the CLR is signed as a VC-JWT only, which the CLR spec allows and verifiers accept.
 */
export function createClrSigner(props: { db: AnyDb; config: Config; clrContext: object | undefined }): ClrSigner {
  const { clrContext } = props;
  // The process's signer (src/credentials/engine.ts): it already knows the CLR context when the
  // standards cache holds it; a context given otherwise (a test's copy of the spec) is added to it.
  const engine = credentialEngine({ db: props.db, config: props.config, ...(clrContext ? { contexts: new Map([[CLR_CONTEXT, clrContext]]) } : {}) });
  return {
    async sign(issuerId, clr) {
      const ready = await engine.signer();
      const signed = clrContext ? await ready.sign(issuerId, clr) : await ready.signJwt(issuerId, clr);
      return { credential: signed.credential, jws: signed.jws };
    },
  };
}

/** The signer a process uses: signing threads when configured (and the CLR context is known), else in-process. */
export function createProcessClrSigner(props: { db: AnyDb; config: Config; options: { signThreads: number; clrContext: object | undefined }; schema?: string }): ClrSigner & { close?(): Promise<void> } {
  if (props.options.signThreads > 0 && props.options.clrContext) {
    return createClrSignerPool({ threads: props.options.signThreads, config: props.config, schema: props.schema, clrContext: props.options.clrContext });
  }
  return createClrSigner({ db: props.db, config: props.config, clrContext: props.options.clrContext });
}
