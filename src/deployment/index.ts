// Deployment checks: whether this Laurel's issued credentials can be verified from outside (issuer
// identity vs BASE_URL, DID documents, JWKS, status lists reachable) and whether the standards data is
// present. Read by start-up, /readyz, the admin console and `laurel doctor`.
export { deploymentWarnings, cachedDeploymentWarnings, type DeploymentWarning } from './warnings';
export { runDoctor, formatFindings, type Finding, type DoctorOptions } from './doctor';
