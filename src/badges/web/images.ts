import { achievementImage, type AchievementRow } from '../achievements';
import type { BadgesDeps } from '../deps';

/** The achievement's own art when it was uploaded, else generated from its name and colours. */
export async function badgeArt(deps: BadgesDeps, achievement: AchievementRow, format: 'png' | 'svg'): Promise<Buffer | string> {
  const port = deps.credentials;
  const art = { name: achievement.name, primaryColor: achievement.primary_color ?? undefined, secondaryColor: achievement.secondary_color ?? undefined };
  const uploaded = achievement.image_mime ? await achievementImage(deps, achievement.id) : undefined;
  const bytes = uploaded?.bytes;
  if (format === 'png') {
    return bytes && uploaded.mime === 'image/png' ? bytes : port.defaultBadgePng(art);
  }
  if (bytes && uploaded.mime === 'image/svg+xml') return bytes.toString('utf8');
  if (bytes && uploaded.mime === 'image/png') {
    // Wrap an uploaded PNG so the baked SVG still shows the institution's art.
    return `<svg xmlns="http://www.w3.org/2000/svg" width="512" height="512" viewBox="0 0 512 512"><image width="512" height="512" href="data:image/png;base64,${bytes.toString('base64')}"/></svg>`;
  }
  return port.defaultBadgeSvg(art);
}

