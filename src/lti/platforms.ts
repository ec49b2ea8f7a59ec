import { generateKeyPair, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { audit } from '../audit';
import { inTransaction } from '../db';
import {
  activatePendingPlatform,
  disablePlatform,
  findDeployment,
  getPlatform,
  listPlatformsWithDeployments,
  platformsOfIssuer,
  setPlatformStatus as setStatus,
  upsertDeployment,
  upsertPlatform,
  type Lms,
  type Platform,
  type PlatformListing,
} from '../courses';
import { LaurelError } from '../errors';
import { ltijsEncryptionKey } from './provider';
import type { AnyKysely, PgLtiStore } from './storage';
import type { PlatformDirectory } from './verify';

/** Any Kysely handle (the platform registry's tables belong to courses, which these functions call). */
type Db<T> = Kysely<T>;

export interface PlatformRegistrationProps {
  issuer: string;
  clientId: string;
  name: string;
  lms: Lms;
  authEndpoint: string;
  tokenEndpoint: string;
  jwksUrl: string;
  /** OAuth2 audience of client assertions when it differs from the token endpoint (Canvas's `authorization_server`). */
  authorizationServer?: string;
  deploymentIds: string[];
  /** Dynamic registrations wait for an administrator's confirmation. */
  status: 'pending' | 'active';
  /** Record deployments this platform creates later on their first signed launch (see verify.ts). */
  acceptNewDeployments?: boolean;
  /** Extra facts kept with the platform (the registration exchange, the LMS version). */
  details?: Record<string, unknown>;
}

/** What registering needs: the ltijs store (tool keys, ltijs's platform record) and its key. */
export interface PlatformRegistry {
  db: AnyKysely;
  store: PgLtiStore;
  /** KEY_ENCRYPTION_KEY (ltijs's encryption key derives from it). */
  keyEncryptionKey: string;
}

/**
 * Registers a platform with both halves of Laurel's LTI side: ltijs's records (the tool's RSA key pair
 * for this platform, and the endpoints for the OIDC login and service tokens), written to the store in
 * exactly ltijs's format, and the `platforms`/`deployments` tables Laurel's launch checks key on.
 *
 * Keys are made here rather than by `lti.registerPlatform`: ltijs generates 4096-bit keys with
 * `generateKeyPairSync`, which blocks the web process for seconds; 2048-bit RSA (what LMSs use
 * themselves) is generated on the thread pool.
 */
export async function registerPlatform(deps: PlatformRegistry, props: PlatformRegistrationProps): Promise<Platform> {
  const query = { platformUrl: props.issuer, clientId: props.clientId };
  const record = {
    platformName: props.name,
    authEndpoint: props.authEndpoint,
    accesstokenEndpoint: props.tokenEndpoint,
    authorizationServer: props.authorizationServer ?? props.tokenEndpoint,
    // ltijs fetches this only when Laurel's own verification did not hand it the key (see provider.ts).
    authConfig: { method: 'JWK_SET', key: props.jwksUrl },
  };
  const existing = await deps.store.Get(false, 'platform', query);
  if (existing) {
    await deps.store.Modify(false, 'platform', query, record);
  } else {
    const kid = randomBytes(16).toString('hex');
    const { publicKey, privateKey } = await generateRsaKeyPair();
    const key = ltijsEncryptionKey(deps.keyEncryptionKey);
    const index = { kid, ...query };
    await deps.store.Replace(key, 'publickey', query, { key: publicKey, kid }, index);
    await deps.store.Replace(key, 'privatekey', query, { key: privateKey, kid }, index);
    await deps.store.Replace(false, 'platform', query, { ...query, ...record, kid });
  }
  const platform = await upsertPlatform(deps.db, {
    issuer: props.issuer,
    clientId: props.clientId,
    name: props.name,
    lms: props.lms,
    authEndpoint: props.authEndpoint,
    tokenEndpoint: props.tokenEndpoint,
    jwksUrl: props.jwksUrl,
    status: props.status,
    registration: {
      ...(props.details ?? {}),
      acceptNewDeployments: props.acceptNewDeployments === true,
      authorizationServer: props.authorizationServer ?? props.tokenEndpoint,
    },
  });
  for (const deploymentId of props.deploymentIds) await upsertDeployment(deps.db, { platformId: platform.id, deploymentId });
  return platform;
}

function generateRsaKeyPair(): Promise<{ publicKey: string; privateKey: string }> {
  return new Promise((resolve, reject) => {
    generateKeyPair(
      'rsa',
      { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs1', format: 'pem' } },
      (error, publicKey, privateKey) => (error ? reject(error) : resolve({ publicKey, privateKey })),
    );
  });
}

export type { PlatformListing } from '../courses';

export function listPlatforms<T>(db: Db<T>): Promise<PlatformListing[]> {
  return listPlatformsWithDeployments(db);
}

export function setPlatformStatus<T>(db: Db<T>, props: { platformId: string; status: 'pending' | 'active' | 'disabled' }): Promise<void> {
  return setStatus(db, props);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Activates a platform waiting for an administrator (REGISTRATION_APPROVAL=manual, or a registration
 * the console shows as pending). Only `pending` moves to `active`: a removed platform lost its tool keys
 * and must register again. One conditional UPDATE, audited in the same transaction.
 */
export async function activatePlatform<T>(db: Db<T>, props: { platformId: string; actor: string; now: Date; /** The acting admin's own platform, for the audit log. */ auditPlatformId?: string | null }): Promise<Platform> {
  if (!UUID.test(props.platformId)) throw new LaurelError('ERR_NOT_FOUND', 'No platform has this id.');
  const activated = await inTransaction(db, async (trx) => {
    const row = await activatePendingPlatform(trx, { platformId: props.platformId, now: props.now });
    if (row) await audit(trx, { actor: props.actor, action: 'platform.activated', subjectType: 'platform', subjectId: row.id, platformId: props.auditPlatformId ?? null, details: { issuer: row.issuer, clientId: row.client_id, name: row.name } });
    return row;
  });
  if (activated) return activated;
  const platform = await getPlatform(db, props.platformId);
  if (!platform) throw new LaurelError('ERR_NOT_FOUND', 'No platform has this id.');
  throw new LaurelError('ERR_CONFLICT', platform.status === 'active' ? 'This platform is already active.' : 'This platform was removed: register it again instead.');
}

/**
 * Removes a platform: its ltijs records (and so the tool key pair it used) are deleted and the Laurel
 * row is disabled, not deleted, because courses, learners and issued badges refer to it.
 */
export async function removePlatform(deps: PlatformRegistry, props: { issuer: string; clientId: string }): Promise<boolean> {
  const query = { platformUrl: props.issuer, clientId: props.clientId };
  const records = await deps.store.Get(false, 'platform', query);
  for (const record of records || []) {
    if (typeof record.kid !== 'string') continue;
    await deps.store.Delete('publickey', { kid: record.kid });
    await deps.store.Delete('privatekey', { kid: record.kid });
    await deps.store.Delete('platformStatus', { id: record.kid });
  }
  await deps.store.Delete('platform', query);
  return disablePlatform(deps.db, props);
}

/** The launch verifier's view of the platform tables. */
export function platformDirectory<T>(db: Db<T>): PlatformDirectory {
  return {
    platformsOfIssuer: (issuer) => platformsOfIssuer(db, issuer),
    findDeployment: (platformId, deploymentId) => findDeployment(db, { platformId, deploymentId }),
    addDeployment: (platformId, deploymentId) => upsertDeployment(db, { platformId, deploymentId }),
  };
}
