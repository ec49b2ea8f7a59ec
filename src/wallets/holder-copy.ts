/**
 * The holder-bound copy of an issued OpenBadgeCredential (pure): the same issuer, achievement,
 * result, evidence and identifiers, with its own `id`, the holder's DID as `credentialSubject.id`,
 * its own status-list entry and a `validFrom` of its own issue. The original's proof is dropped:
 * the copy is signed anew.
 */
export function holderBoundCopy(
  original: Record<string, unknown>,
  props: { id: string; holderId: string; credentialStatus: Record<string, unknown>; validFrom: Date },
): Record<string, unknown> {
  const { proof: _proof, ...document } = structuredClone(original);
  const subject = document.credentialSubject;
  if (!subject || typeof subject !== 'object' || Array.isArray(subject)) throw new TypeError('the original credential has no credentialSubject object');
  const { id: _none, ...claims } = subject as Record<string, unknown>;
  return {
    ...document,
    id: props.id,
    validFrom: props.validFrom.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    credentialSubject: { id: props.holderId, ...claims },
    credentialStatus: props.credentialStatus,
  };
}
