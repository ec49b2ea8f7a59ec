import { Router, type Request, type RequestHandler } from 'express';
import { countCredentialDownload, countCredentialView } from '../../analytics';
import type { AppContext } from '../../context';
import { LaurelError } from '../../errors';
import { publicRateLimit } from '../../http';
import { handle } from '../../http';
import { renderPage } from '../../http';
import { getAchievement } from '../achievements';
import { badgesDepsFor } from '../context';
import { loadPublicCredential, type PublicCredential } from '../public-credential';
import { IMAGE_HEADERS } from '../../images';
import { badgeArt } from './images';
import { issuerPage, issuerPageUrl } from './issuer-page';
import { credentialPage } from './page';
import { achievementDocument, achievementJson, orderCredential } from './present';
import { publicRoute } from '../../http';

type Representation = 'html' | 'json' | 'ld+json' | 'jwt' | 'text';

/** HTML for browsers, signed JSON for JSON clients, the compact JWS for VC-JWT clients (DESIGN 7). */
function negotiate(req: Request): Representation {
  const format = typeof req.query.format === 'string' ? req.query.format : undefined;
  if (format === 'json') return 'ld+json';
  if (format === 'jwt') return 'jwt';
  const best = req.accepts(['text/html', 'application/ld+json', 'application/json', 'application/vc+jwt', 'text/plain']);
  switch (best) {
    case 'application/ld+json': return 'ld+json';
    case 'application/json': return 'json';
    case 'application/vc+jwt': return 'jwt';
    case 'text/plain': return 'text';
    default: return 'html';
  }
}

/** Downloads of a private award are not published; its page only confirms it exists and is valid. */
function assertPublic(loaded: PublicCredential): void {
  if (loaded.award.visibility === 'private') throw new LaurelError('ERR_FORBIDDEN', 'The holder keeps this credential private.');
}

/** Public credential and achievement pages and downloads; no authentication, rate-limited. */
export function createPublicBadgesRouter(ctx: AppContext): Router {
  const router = Router();
  // The Redis-backed limiter loads its scripts when constructed, and the app is often built before
  // Redis has connected: build it once Redis is ready; until then requests pass, as they do when
  // Redis is down (availability over strictness, like publicRateLimit itself).
  let limiter: RequestHandler | undefined;
  const build = () => (limiter ??= publicRateLimit(ctx, { name: 'credentials' }));
  if (ctx.redis.status === 'ready') build();
  else ctx.redis.once('ready', build);
  const limit: RequestHandler = (req, res, next) => (limiter ? limiter(req, res, next) : next());
  const deps = () => badgesDepsFor(ctx);
  const baseUrl = ctx.config.BASE_URL;

  router.get('/credentials/:id', publicRoute(), limit, handle(async (req, res) => {
    const loaded = await loadPublicCredential(deps(), String(req.params.id));
    const representation = negotiate(req);
    // Status changes (revocation) must show at once: revalidate on every view.
    res.vary('Accept').set('Cache-Control', 'no-cache');
    if (representation === 'html') {
      const verification = await deps().credentials.verify(ctx.database.db, loaded.credential.document).catch(() => undefined);
      countCredentialView(ctx, req, loaded.award);
      return renderPage(res, 'public-credential', credentialPage(baseUrl, loaded, verification));
    }
    assertPublic(loaded);
    if (req.query.format === 'json' || req.query.format === 'jwt') countCredentialDownload(ctx, req, loaded.award);
    if (representation === 'jwt' || representation === 'text') {
      return res.type(representation === 'jwt' ? 'application/vc+jwt' : 'text/plain').send(loaded.credential.jws);
    }
    res.type(representation === 'json' ? 'application/json' : 'application/ld+json').send(JSON.stringify(orderCredential(loaded.credential.document), null, 2));
  }));

  router.get('/credentials/:id/badge.png', publicRoute(), limit, handle(async (req, res) => {
    const loaded = await loadPublicCredential(deps(), String(req.params.id));
    assertPublic(loaded);
    countCredentialDownload(ctx, req, loaded.award);
    const png = (await badgeArt(deps(), loaded.achievement, 'png')) as Buffer;
    res.set({ ...IMAGE_HEADERS, 'Cache-Control': 'no-cache', 'Content-Disposition': `inline; filename="badge-${loaded.credential.id}.png"` });
    res.type('image/png').send(deps().credentials.bakePng(png, loaded.credential.jws));
  }));

  router.get('/credentials/:id/badge.svg', publicRoute(), limit, handle(async (req, res) => {
    const loaded = await loadPublicCredential(deps(), String(req.params.id));
    assertPublic(loaded);
    countCredentialDownload(ctx, req, loaded.award);
    const svg = (await badgeArt(deps(), loaded.achievement, 'svg')) as string;
    res.set({ ...IMAGE_HEADERS, 'Cache-Control': 'no-cache', 'Content-Disposition': `inline; filename="badge-${loaded.credential.id}.svg"` });
    res.type('image/svg+xml').send(deps().credentials.bakeSvg(svg, loaded.credential.jws, `${baseUrl}/credentials/${loaded.credential.id}`));
  }));

  router.get('/achievements/:id', publicRoute(), limit, handle(async (req, res) => {
    const achievement = await getAchievement(deps(), String(req.params.id));
    if (achievement.status === 'draft') throw new LaurelError('ERR_NOT_FOUND', 'No achievement has this id.');
    const issuer = achievement.issuer_id ? await deps().credentials.issuerProfile(ctx.database.db, achievement.issuer_id) : undefined;
    const document = achievementDocument(baseUrl, achievement, issuer);
    res.vary('Accept').set('Cache-Control', 'public, max-age=60');
    if (negotiate(req) === 'html') {
      const view = achievementJson(baseUrl, achievement);
      return renderPage(res, 'public-achievement', {
        title: achievement.name,
        description: achievement.description,
        achievement: { ...view, threshold: view.requiredPercent },
        issuer: issuer && achievement.issuer_id ? { ...issuer, pageUrl: issuerPageUrl(baseUrl, achievement.issuer_id) } : undefined,
        meta: [
          { property: 'og:type', content: 'website' },
          { property: 'og:title', content: achievement.name },
          { property: 'og:description', content: achievement.description.slice(0, 300) },
          { property: 'og:url', content: document.id as string },
          { property: 'og:image', content: view.image },
        ],
      });
    }
    res.type(negotiate(req) === 'json' ? 'application/json' : 'application/ld+json').send(JSON.stringify(document, null, 2));
  }));

  // Browsers only: src/credentials serves every other client the issuer's Profile document at this
  // path and passes HTML requests on. Its rate limiter has already counted the request.
  router.get('/issuers/:id', publicRoute(), handle(async (req, res) => {
    const page = await issuerPage(deps(), String(req.params.id));
    res.vary('Accept').set('Cache-Control', 'public, max-age=60');
    renderPage(res, 'public-issuer', page);
  }));

  router.get('/achievements/:id/image', publicRoute(), limit, handle(async (req, res) => {
    const achievement = await getAchievement(deps(), String(req.params.id));
    const useSvg = achievement.image_mime !== 'image/png';
    const art = await badgeArt(deps(), achievement, useSvg ? 'svg' : 'png');
    res.set(IMAGE_HEADERS).type(useSvg ? 'image/svg+xml' : 'image/png').send(art);
  }));

  return router;
}
