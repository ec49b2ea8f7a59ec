import { AsyncLocalStorage } from 'node:async_hooks';
import { createHmac } from 'node:crypto';
import type { JWK } from 'jose';
import type { LtiDocument, LtiQuery, Provider as LtiProvider } from 'ltijs';
import { LaurelError } from '../errors';
import type { ToolKeySource } from './service-token';
import { PgLtiStore, type AnyKysely } from './storage';

/** What ltijs needs from Laurel. */
export interface ProviderProps {
  db: AnyKysely;
  /** KEY_ENCRYPTION_KEY: ltijs's key (platform key pairs at rest, its cookies and ltik tokens) is derived from it. */
  keyEncryptionKey: string;
  /** HTTPS deployments get `SameSite=None; Secure` cookies (required inside LMS iframes). */
  secureCookies: boolean;
  /** ltijs's `tokenMaxAge`: the oldest id_token `iat` accepted, in seconds, clock skew included. */
  tokenMaxAgeSeconds: number;
  /** How long nonces are kept: at least as long as a token may be accepted. */
  nonceTtlSeconds: number;
  /** Mount-relative routes. */
  routes: { launch: string; login: string; keys: string; register: string };
}

/** A key Laurel's own verification found for the launch being processed, handed to ltijs. */
interface LaunchKey {
  issuer: string;
  clientId: string;
  jwk: JWK;
}

const launchKeys = new AsyncLocalStorage<LaunchKey>();

/** Runs `work` (the rest of the request) with ltijs verifying against `key` instead of refetching the JWKS. */
export function withLaunchKey<T>(key: LaunchKey, work: () => T): T {
  return launchKeys.run(key, work);
}

/**
 * The storage plugin as ltijs sees it. During a launch Laurel already verified, a platform document is
 * answered with the verified key (`JWK_KEY`) rather than the JWKS URL, so ltijs checks the signature
 * with the same key without fetching the key set on every launch (it has no cache of its own).
 */
class LaunchAwareStore extends PgLtiStore {
  override async Get(key: string | false, collection: string, query?: LtiQuery): Promise<LtiDocument[] | false> {
    const docs = await super.Get(key, collection, query);
    const launch = launchKeys.getStore();
    if (docs && launch && collection === 'platform') {
      for (const doc of docs) {
        if (doc.platformUrl === launch.issuer && doc.clientId === launch.clientId) doc.authConfig = { method: 'JWK_KEY', key: launch.jwk };
      }
    }
    return docs;
  }
}

/** ltijs's encryption key, derived from KEY_ENCRYPTION_KEY so the two never coincide. */
export function ltijsEncryptionKey(keyEncryptionKey: string): string {
  return createHmac('sha256', Buffer.from(keyEncryptionKey, 'base64')).update('laurel:ltijs').digest('hex');
}

/**
 * Reads the tool key pair ltijs made for a platform straight from the store, so processes without an
 * ltijs instance (workers, the CLI) can sign service-token requests.
 */
export function toolKeys(store: PgLtiStore, keyEncryptionKey: string): ToolKeySource {
  return async (platform) => {
    const docs = await store.Get(false, 'platform', { platformUrl: platform.issuer, clientId: platform.client_id });
    const doc = docs ? docs[0] : undefined;
    const kid = typeof doc?.kid === 'string' ? doc.kid : undefined;
    const keys = kid ? await store.Get(ltijsEncryptionKey(keyEncryptionKey), 'privatekey', { kid }) : false;
    const pem = keys ? keys[0]?.key : undefined;
    if (!kid || typeof pem !== 'string') throw new LaurelError('ERR_NOT_FOUND', `${platform.name} has no tool key in Laurel: register it again.`);
    const audience = typeof doc?.authorizationServer === 'string' && doc.authorizationServer ? doc.authorizationServer : String(doc?.accesstokenEndpoint ?? platform.token_endpoint);
    return { kid, privateKeyPem: pem, audience };
  };
}

type ProviderConstructor = new () => LtiProvider;

/**
 * Creates and deploys an ltijs provider in serverless mode, ready to mount with `app.use(prefix, lti.app)`.
 *
 * ltijs exports a singleton, and `setup` refuses a second call; its class is reachable through the
 * singleton's constructor, and each instance keeps its state in private fields, so every Laurel app
 * (and every test) gets its own provider.
 */
export async function createProvider(props: ProviderProps): Promise<{ lti: LtiProvider; store: PgLtiStore }> {
  // ltijs (and the database drivers it brings) takes seconds to load: only a process that serves launches
  // pays for it. Everything else of this module (service clients, storage, roster) works without it.
  const ltijs = require('ltijs') as typeof import('ltijs');
  const Provider = (ltijs.Provider as unknown as { constructor: ProviderConstructor }).constructor;
  const lti = new Provider();
  const store = new LaunchAwareStore(props.db, { nonce: props.nonceTtlSeconds });
  const encryptionKey = ltijsEncryptionKey(props.keyEncryptionKey);
  lti.setup(
    encryptionKey,
    { plugin: store },
    {
      appRoute: props.routes.launch,
      loginRoute: props.routes.login,
      keysetRoute: props.routes.keys,
      dynRegRoute: props.routes.register,
      // ltijs's CORS reflects any origin with credentials; Laurel's pages are never read cross-origin.
      cors: false,
      // Never on: it disables the state and session cookie checks.
      devMode: false,
      tokenMaxAge: props.tokenMaxAgeSeconds,
      cookies: props.secureCookies ? { secure: true, sameSite: 'None' } : { secure: false, sameSite: 'Lax' },
    },
  );
  await guardedDeploy(lti);
  return { lti, store };
}

/**
 * `deploy` calls `process.exit()` when its database setup fails and installs a SIGINT handler that
 * exits the process; Laurel owns its process lifecycle, so both are neutralised: a failed deploy
 * becomes an exception and the handler is removed again.
 */
async function guardedDeploy(lti: LtiProvider): Promise<void> {
  const exit = process.exit;
  const sigint = new Set(process.listeners('SIGINT'));
  let failed = false;
  process.exit = ((() => {
    failed = true;
    throw new LaurelError('ERR_UNAVAILABLE', 'ltijs could not start: its storage (PostgreSQL, migration 200) is unreachable.');
  }) as unknown) as typeof process.exit;
  const log = console.log;
  try {
    // deploy logs its failure with console.log before exiting; Laurel reports it through the exception.
    console.log = () => undefined;
    await lti.deploy({ serverless: true, silent: true });
  } catch (error) {
    if (error instanceof LaurelError) throw error;
    throw new LaurelError('ERR_UNAVAILABLE', 'ltijs could not start.', { cause: error });
  } finally {
    console.log = log;
    process.exit = exit;
    for (const listener of process.listeners('SIGINT')) if (!sigint.has(listener)) process.removeListener('SIGINT', listener);
  }
  if (failed) throw new LaurelError('ERR_UNAVAILABLE', 'ltijs could not start.');
}
