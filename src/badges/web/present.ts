import { achievementImageUrl, requiredPercentOf, type AchievementRow } from '../achievements';
import { effectiveStatus, type AwardRow } from '../awards';
import { urls } from '../deps';
import type { IssuerSummary } from '../port';

/** The admin API's view of an achievement. */
export function achievementJson(baseUrl: string, row: AchievementRow) {
  return {
    id: row.id,
    url: urls.achievement(baseUrl, row.id),
    courseId: row.course_id,
    issuerId: row.issuer_id,
    name: row.name,
    description: row.description,
    criteria: { narrative: row.criteria_narrative },
    image: achievementImageUrl(baseUrl, row),
    colors: row.primary_color ? { primary: row.primary_color, secondary: row.secondary_color ?? undefined } : undefined,
    alignment: row.alignments,
    requiredPercent: requiredPercentOf(row),
    validForDays: row.valid_for_days,
    rule: row.rule ?? null,
    ruleVersion: row.rule_version,
    status: row.status,
    createdAt: row.created_at.toISOString(),
  };
}

/** The admin API's view of an award. */
export function awardJson(baseUrl: string, award: AwardRow, learner: { id: string; email: string | null; name: string | null }, now: Date) {
  return {
    id: award.id,
    achievementId: award.achievement_id,
    courseId: award.course_id,
    status: effectiveStatus(award, now),
    credentialId: award.credential_id,
    credentialUrl: award.credential_id ? urls.credential(baseUrl, award.credential_id) : null,
    score: award.score === null ? null : Number(award.score),
    evidence: award.evidence,
    visibility: award.visibility,
    awardedAt: award.awarded_at.toISOString(),
    expiresAt: award.expires_at?.toISOString() ?? null,
    revokedAt: award.revoked_at?.toISOString() ?? null,
    revokedReason: award.revoked_reason,
    learner,
  };
}

/** The public OB 3.0 Achievement document served at the achievement's id. */
export function achievementDocument(baseUrl: string, row: AchievementRow, issuer: IssuerSummary | undefined): Record<string, unknown> {
  const id = urls.achievement(baseUrl, row.id);
  const required = requiredPercentOf(row);
  const doc: Record<string, unknown> = {
    '@context': ['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'],
    id,
    type: ['Achievement'],
    achievementType: 'Badge',
    name: row.name,
    description: row.description,
    criteria: { narrative: row.criteria_narrative },
    image: { id: achievementImageUrl(baseUrl, row), type: 'Image', caption: row.name },
  };
  if (issuer) doc.creator = { id: issuer.id, type: ['Profile'], name: issuer.name, ...(issuer.url ? { url: issuer.url } : {}) };
  if (row.alignments.length) doc.alignment = row.alignments.map((a) => ({ type: ['Alignment'], ...a }));
  if (required !== null) {
    doc.resultDescription = [{ id: `${id}#result`, type: ['ResultDescription'], name: 'Score', resultType: 'Percent', requiredValue: formatPercent(required) }];
  }
  return doc;
}

export function formatPercent(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/** Stored JSONB comes back with keys sorted by length; present the credential in the usual order. */
export function orderCredential(document: Record<string, unknown>): Record<string, unknown> {
  const first = ['@context', 'id', 'type', 'name', 'description', 'image', 'issuer', 'validFrom', 'validUntil', 'credentialSubject'];
  const last = ['credentialSchema', 'credentialStatus', 'proof'];
  const ordered: Record<string, unknown> = {};
  for (const key of first) if (key in document) ordered[key] = document[key];
  for (const key of Object.keys(document)) if (!first.includes(key) && !last.includes(key)) ordered[key] = document[key];
  for (const key of last) if (key in document) ordered[key] = document[key];
  return ordered;
}
