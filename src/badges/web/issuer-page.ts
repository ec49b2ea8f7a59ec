import { achievementImageUrl, listAchievements } from '../achievements';
import { urls, type BadgesDeps } from '../deps';
import { LaurelError } from '../../errors';

/** Issuer slugs as they appear in URLs (the same shape src/credentials accepts). */
const ISSUER_SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The public URL of an issuer's page (HTML for browsers, the OB 3.0 Profile for everyone else). */
export function issuerPageUrl(baseUrl: string, issuerId: string): string {
  return `${baseUrl}/issuers/${issuerId}`;
}

/**
 * View model of the public issuer page (views/pages/public-issuer.hbs): the issuer's public Profile
 * and its published achievements. Only what is already public elsewhere appears here (the Profile
 * document and each achievement's own page): drafts, archived badges, courses, learners and counts
 * never do.
 */
export async function issuerPage(deps: BadgesDeps, issuerId: string) {
  const issuer = ISSUER_SLUG.test(issuerId) ? await deps.credentials.issuerProfile(deps.db, issuerId) : undefined;
  if (!issuer) throw new LaurelError('ERR_NOT_FOUND', 'No such issuer');
  const published = await listAchievements(deps, { issuerId, status: 'published' });
  const url = issuerPageUrl(deps.baseUrl, issuerId);
  // In the order they were created: a course's badges stay together, and tiers keep their ladder order.
  const achievements = published.map((row) => ({ name: row.name, description: row.description, url: urls.achievement(deps.baseUrl, row.id), image: achievementImageUrl(deps.baseUrl, row) }));
  return {
    title: issuer.name,
    description: issuer.description ?? `Open Badges issued by ${issuer.name}.`,
    issuer: {
      name: issuer.name,
      description: issuer.description,
      url: issuer.url,
      email: issuer.email,
      image: issuer.image,
      did: issuer.id,
      profileJson: `${url}?format=json`,
    },
    achievements,
    meta: [
      { property: 'og:type', content: 'website' },
      { property: 'og:title', content: issuer.name },
      { property: 'og:description', content: (issuer.description ?? `Open Badges issued by ${issuer.name}.`).slice(0, 300) },
      { property: 'og:url', content: url },
      ...(issuer.image ? [{ property: 'og:image', content: issuer.image }] : []),
    ],
  };
}
