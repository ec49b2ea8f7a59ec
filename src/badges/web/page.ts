import { explainVerification } from '../../credentials';
import { achievementImageUrl, requiredPercentOf } from '../achievements';
import { urls } from '../deps';
import type { VerificationSummary } from '../port';
import type { PublicCredential } from '../public-credential';
import { issuerPageUrl } from './issuer-page';
import { formatPercent } from './present';

const STATUS_TEXT = {
  issued: { label: 'Valid', tone: 'ok' },
  expired: { label: 'Expired', tone: 'warn' },
  revoked: { label: 'Revoked', tone: 'bad' },
} as const;

/** View model of the public credential page (views/pages/public-credential.hbs). */
export function credentialPage(baseUrl: string, loaded: PublicCredential, verification: VerificationSummary | undefined) {
  const { credential, award, achievement, issuer, status } = loaded;
  const url = urls.credential(baseUrl, credential.id);
  const isPrivate = award.visibility === 'private';
  const statusView = { ...STATUS_TEXT[status], code: status, revokedAt: award.revoked_at ?? undefined };
  if (isPrivate) {
    return { title: 'Private credential', private: true, status: statusView, verification: verificationView(verification), meta: [{ property: 'og:title', content: 'Private credential' }] };
  }
  const issuerName = issuer?.name ?? 'Laurel';
  const required = requiredPercentOf(achievement);
  const title = `${achievement.name}${loaded.recipientName ? `: ${loaded.recipientName}` : ''}`;
  const pngUrl = `${url}/badge.png`;
  return {
    title,
    description: achievement.description,
    private: false,
    url,
    recipientName: loaded.recipientName,
    issuer: { name: issuerName, url: issuer?.url, id: issuer?.id, pageUrl: issuer ? issuerPageUrl(baseUrl, credential.issuer_id) : undefined },
    achievement: {
      name: achievement.name,
      description: achievement.description,
      criteria: achievement.criteria_narrative,
      url: urls.achievement(baseUrl, achievement.id),
      imageUrl: achievementImageUrl(baseUrl, achievement),
      alignments: achievement.alignments,
    },
    score: award.score === null ? null : formatPercent(Number(award.score)),
    threshold: required === null ? null : formatPercent(required),
    evidence: award.evidence,
    awardedAt: award.awarded_at,
    validFrom: credential.issued_at,
    validUntil: credential.valid_until,
    status: statusView,
    verification: verificationView(verification),
    downloads: { json: `${url}?format=json`, jwt: `${url}?format=jwt`, png: pngUrl, svg: `${url}/badge.svg` },
    linkedInUrl: status === 'issued' ? `${url}/linkedin` : null, // counted, then redirected to linkedInAddToProfile(...) (src/analytics)
    meta: [
      { property: 'og:type', content: 'website' },
      { property: 'og:title', content: title },
      { property: 'og:description', content: `${achievement.name}, issued by ${issuerName}. ${achievement.description}`.slice(0, 300) },
      { property: 'og:url', content: url },
      { property: 'og:image', content: pngUrl },
      { property: 'og:image:alt', content: `${achievement.name} badge` },
      { property: 'og:site_name', content: issuerName },
    ],
  };
}

function verificationView(result: VerificationSummary | undefined) {
  if (!result) return { ran: false };
  return { ran: true, ...explainVerification(result) };
}
