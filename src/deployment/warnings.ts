import type { Config } from '../config';
import type { Database } from '../db';
import { describeDrift, issuerIdentityDrift } from '../credentials';
import { loadStandards, standardsDir } from '../standards';

/** Something about this deployment an operator must fix, although Laurel can run. */
export interface DeploymentWarning {
  code: 'issuer-identity' | 'standards-data';
  message: string;
}

export interface WarningSources {
  database: Pick<Database, 'db'>;
  config: Config;
}

/**
 * What start-up logs, `/readyz` lists under `warnings` and the admin console shows: issuers that have
 * issued under a DID the current BASE_URL no longer gives (their credentials verify only while the old
 * origin serves the DID document), and missing standards data outside production (production refuses
 * to start without it).
 */
export async function deploymentWarnings(sources: WarningSources): Promise<DeploymentWarning[]> {
  const warnings: DeploymentWarning[] = [];
  for (const drift of await issuerIdentityDrift(sources.database.db, sources.config)) {
    warnings.push({ code: 'issuer-identity', message: describeDrift(drift, sources.config) });
  }
  const standards = loadStandards(standardsDir(sources.config));
  if (!standards.available) {
    warnings.push({ code: 'standards-data', message: `${standards.message}. Until then schema checks are not run and CLRs carry no Data Integrity proof.` });
  }
  return warnings;
}

const CACHE_MS = 30_000;
const cached = new WeakMap<object, { at: number; warnings: Promise<DeploymentWarning[]> }>();

/** `deploymentWarnings`, recomputed at most every 30 s per context (load balancers poll /readyz often). */
export function cachedDeploymentWarnings(sources: WarningSources): Promise<DeploymentWarning[]> {
  const hit = cached.get(sources);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.warnings;
  const warnings = deploymentWarnings(sources);
  cached.set(sources, { at: Date.now(), warnings });
  warnings.catch(() => cached.delete(sources));
  return warnings;
}
