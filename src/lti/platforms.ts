import { sql, type Kysely } from 'kysely';
import type { Provider as LtiProvider } from 'ltijs';
import { findDeployment, upsertDeployment, upsertPlatform, type CourseTables, type Lms, type Platform } from '../courses';
import { LaurelError } from '../errors';
import type { PlatformDirectory } from './verify';

/** Any Kysely handle that can see the course tables. */
type Db<T> = Kysely<T>;
const on = <T>(db: Db<T>): Kysely<CourseTables> => db as unknown as Kysely<CourseTables>;

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

/**
 * Registers a platform with both halves of Laurel's LTI side: ltijs (which makes the tool's RSA key
 * pair for this platform and needs the endpoints for the OIDC login and service tokens) and the
 * `platforms`/`deployments` tables (which Laurel's launch checks and everything else key on).
 */
export async function registerPlatform<T>(deps: { db: Db<T>; lti: LtiProvider }, props: PlatformRegistrationProps): Promise<Platform> {
  await deps.lti.registerPlatform({
    url: props.issuer,
    clientId: props.clientId,
    name: props.name,
    authenticationEndpoint: props.authEndpoint,
    accesstokenEndpoint: props.tokenEndpoint,
    authorizationServer: props.authorizationServer ?? props.tokenEndpoint,
    // ltijs fetches this only when Laurel's own verification did not hand it the key (see provider.ts).
    authConfig: { method: 'JWK_SET', key: props.jwksUrl },
  });
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

export interface PlatformListing extends Platform {
  deploymentIds: string[];
}

export async function listPlatforms<T>(db: Db<T>): Promise<PlatformListing[]> {
  const platforms = await on(db).selectFrom('platforms').selectAll().orderBy('created_at').execute();
  const deployments = await on(db).selectFrom('deployments').select(['platform_id', 'deployment_id']).orderBy('created_at').execute();
  return platforms.map((p) => ({ ...p, deploymentIds: deployments.filter((d) => d.platform_id === p.id).map((d) => d.deployment_id) }));
}

export function findPlatformById<T>(db: Db<T>, id: string): Promise<Platform | undefined> {
  return on(db).selectFrom('platforms').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function setPlatformStatus<T>(db: Db<T>, props: { platformId: string; status: 'pending' | 'active' | 'disabled' }): Promise<void> {
  const result = await on(db).updateTable('platforms').set({ status: props.status, updated_at: sql`now()` }).where('id', '=', props.platformId).executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw new LaurelError('ERR_NOT_FOUND', 'No such platform.');
}

/**
 * Removes a platform: its ltijs registration (and so the tool key pair it used) is deleted and the
 * Laurel row is disabled, not deleted, because courses, learners and issued badges refer to it.
 */
export async function removePlatform<T>(deps: { db: Db<T>; lti: LtiProvider }, props: { issuer: string; clientId: string }): Promise<boolean> {
  await deps.lti.deletePlatform(props.issuer, props.clientId);
  const result = await on(deps.db)
    .updateTable('platforms')
    .set({ status: 'disabled', updated_at: sql`now()` })
    .where('issuer', '=', props.issuer)
    .where('client_id', '=', props.clientId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** The launch verifier's view of the platform tables. */
export function platformDirectory<T>(db: Db<T>): PlatformDirectory {
  return {
    platformsOfIssuer: (issuer) => on(db).selectFrom('platforms').selectAll().where('issuer', '=', issuer).execute(),
    findDeployment: (platformId, deploymentId) => findDeployment(db, { platformId, deploymentId }),
    addDeployment: (platformId, deploymentId) => upsertDeployment(db, { platformId, deploymentId }),
  };
}
