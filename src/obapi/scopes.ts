/** The OB 3.0 API scopes (1EdTech OB 3.0, section "Open Badges API": OAuth 2.0 scopes). */
export const OB_SCOPES = {
  credentialReadonly: 'https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly',
  credentialUpsert: 'https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.upsert',
  profileReadonly: 'https://purl.imsglobal.org/spec/ob/v3p0/scope/profile.readonly',
  profileUpdate: 'https://purl.imsglobal.org/spec/ob/v3p0/scope/profile.update',
} as const;

/** What Laurel hosts: read-only access. Laurel is the issuer; hosts do not write into it. */
export const SUPPORTED_SCOPES: readonly string[] = [OB_SCOPES.credentialReadonly, OB_SCOPES.profileReadonly];

/** Words the consent page shows for each scope. */
export const SCOPE_DESCRIPTIONS: Record<string, string> = {
  [OB_SCOPES.credentialReadonly]: 'Read your badges (the signed credentials, including their status)',
  [OB_SCOPES.profileReadonly]: 'Read your profile (your name and email as your course knows them)',
};

export function parseScope(scope: string | undefined): string[] {
  return [...new Set((scope ?? '').split(' ').filter(Boolean))];
}

export function formatScope(scopes: readonly string[]): string {
  return [...scopes].sort().join(' ');
}

/** True when every scope asked for is among those allowed. */
export function withinScope(asked: readonly string[], allowed: readonly string[]): boolean {
  return asked.every((s) => allowed.includes(s));
}
