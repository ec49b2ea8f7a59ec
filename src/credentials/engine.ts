import type { Kysely } from 'kysely';
import type { Config } from '../config';
import type { AppContext } from '../context';
import { loadStandards, standardsDir } from '../standards';
import type { ContextMap } from './contexts';
import { createSigner, type CredentialSigner } from './signer';
import { createVerifier, type Verifier } from './verifier';

/**
 * The process's one signer and one verifier, for every module that signs or verifies (badges,
 * transcripts, wallets, the public verification routes, the CLI). One signer serves every issuer: it
 * loads the keys of the issuer each call names (cached per issuer, re-read every 30 s), so a
 * platform's own issuer signs with its own keys. Both know the bundled JSON-LD contexts and those of
 * the standards cache (the CLR 2.0.1 context among them); a caller's extra contexts that the cache
 * lacks get an engine of their own. Signing threads (the sign pools) build theirs in the thread:
 * threads share no objects.
 */
export interface CredentialEngine {
  signer(): Promise<CredentialSigner>;
  verifier(): Promise<Verifier>;
  /** Forgets the signer's cached keys (after a key rotation, or when an issuer's DID was just fixed). */
  refresh(): void;
}

export interface CredentialEngineProps<T = unknown> {
  /** The process-wide pool: keys, issuers and status lists are read through it. */
  db: Kysely<T>;
  config: Config;
  /** JSON-LD contexts beyond the bundled ones and the standards cache (tests, a CLR context file). */
  contexts?: ContextMap;
}

const engines = new WeakMap<object, WeakMap<Config, Map<string, CredentialEngine>>>();

/** The engine of this pool and configuration, made on first use. */
export function credentialEngine<T>(props: CredentialEngineProps<T>): CredentialEngine {
  const standards = loadStandards(standardsDir(props.config));
  const known: ContextMap = standards.available ? standards.data.contexts : new Map();
  const extra: ContextMap = new Map([...(props.contexts ?? new Map<string, object>())].filter(([url]) => !known.has(url)));
  const key = [...extra.keys()].sort().join(' ');
  let byConfig = engines.get(props.db);
  if (!byConfig) engines.set(props.db, (byConfig = new WeakMap()));
  let byContexts = byConfig.get(props.config);
  if (!byContexts) byConfig.set(props.config, (byContexts = new Map()));
  let engine = byContexts.get(key);
  if (!engine) byContexts.set(key, (engine = makeEngine(props.db, props.config, new Map([...known, ...extra]), extra)));
  return engine;
}

/** The engine of a process context: what routers and jobs use. */
export function credentialEngineFor(ctx: Pick<AppContext, 'database' | 'config'>): CredentialEngine {
  return credentialEngine({ db: ctx.database.db, config: ctx.config });
}

function makeEngine<T>(db: Kysely<T>, config: Config, signingContexts: ContextMap, extra: ContextMap): CredentialEngine {
  let signer: Promise<CredentialSigner> | undefined;
  let verifier: Promise<Verifier> | undefined;
  // Made on first use, and again after a failure (no key encryption key yet, database down).
  const signerOf = () => (signer ??= createSigner(db, config, { contexts: signingContexts }).catch((error: unknown) => {
    signer = undefined;
    throw error;
  }));
  const verifierOf = () => (verifier ??= signerOf().then((s) => createVerifier({ db, config, signer: s, contexts: extra })).catch((error: unknown) => {
    verifier = undefined;
    throw error;
  }));
  return {
    signer: signerOf,
    verifier: verifierOf,
    refresh: () => void signer?.then((s) => s.refresh(), () => undefined),
  };
}
