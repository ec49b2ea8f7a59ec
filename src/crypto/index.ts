/** Small cryptographic building blocks shared by modules (sealing secrets at rest). */
export { sealBytes, openBytes, isSealed, SealError } from './seal';
export { randomToken, hashSecret, sameHash } from './secrets';
