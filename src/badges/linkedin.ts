/**
 * LinkedIn's documented "Add to profile" link for certifications: the one builder, for the counted
 * redirect of a public credential (src/analytics) and the learner page's direct link to a private one.
 */
export function linkedInAddToProfile(props: { name: string; issuerName: string; issuedAt: Date; validUntil: Date | null; url: string; id: string; organizationId?: string }): string {
  const params = new URLSearchParams({ startTask: 'CERTIFICATION_NAME', name: props.name });
  if (props.organizationId) params.set('organizationId', props.organizationId);
  else params.set('organizationName', props.issuerName);
  params.set('issueYear', String(props.issuedAt.getUTCFullYear()));
  params.set('issueMonth', String(props.issuedAt.getUTCMonth() + 1));
  if (props.validUntil) {
    params.set('expirationYear', String(props.validUntil.getUTCFullYear()));
    params.set('expirationMonth', String(props.validUntil.getUTCMonth() + 1));
  }
  params.set('certUrl', props.url);
  params.set('certId', props.id);
  return `https://www.linkedin.com/profile/add?${params.toString()}`;
}
