import { declare, publicRoute } from '../../http';
import express, { type RequestHandler, type Router } from 'express';
import { analyticsRecorder } from '../../analytics';
import type { AppContext } from '../../context';
import { LaurelError } from '../../errors';
import { requireEventSource, verifyMoodleSignature } from '../../events';
import { requirePerson, type PersonSession } from '../../lti';
import { handle, publicRateLimit, renderPage } from '../../http';
import { myBadges } from '../my-badges';
import { reachUrls, verifyLink } from '../links';
import { moodleNotifications, moodleProfileBadges } from '../moodle';
import { emailOptedOut, markOpened, setEmailOptOut } from '../preferences';
import { moodleBadgesQuery, moodleNotificationsQuery, moodleUserParam, oneClickBody } from '../schema';
import { getPlatform } from '../../courses';

// A transparent 1x1 GIF: the email's open pixel.
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/** Public reach routes (unsubscribe, open pixel) and the Moodle plugin's signed reads. */
export function createReachRouter(ctx: AppContext): Router {
  const router = express.Router();
  let limiter: RequestHandler | undefined;
  let pluginLimiter: RequestHandler | undefined;
  const build = () => {
    limiter ??= publicRateLimit(ctx, { name: 'reach' });
    // The Moodle server is one address reading for all its users (profile views, cached 5 minutes per
    // user): a budget of its own, ten times the public one.
    pluginLimiter ??= publicRateLimit(ctx, { name: 'reach-plugin', limit: ctx.config.RATE_LIMIT_PER_MINUTE * 10 });
  };
  if (ctx.redis.status === 'ready') build();
  else ctx.redis.once('ready', build);
  const limit: RequestHandler = (req, res, next) => (limiter ? limiter(req, res, next) : next());
  const pluginLimit: RequestHandler = (req, res, next) => (pluginLimiter ? pluginLimiter(req, res, next) : next());
  const form = express.urlencoded({ extended: false, limit: '1kb' });
  const db = ctx.database.db;
  const learnerOf = (token: string): string => {
    const id = verifyLink(ctx.config.SESSION_SECRET, 'unsubscribe', token);
    if (!id) throw new LaurelError('ERR_NOT_FOUND', 'This unsubscribe link is not valid.');
    return id;
  };

  // GET never changes anything: mail scanners follow links. It shows the one-click button.
  router.get('/reach/unsubscribe/:token', publicRoute('credential:exchange'), limit, handle(async (req, res) => {
    const learnerId = learnerOf(String(req.params.token));
    res.set('Cache-Control', 'no-store');
    renderPage(res, 'reach-unsubscribe', { title: 'Badge emails', optedOut: await emailOptedOut(db, learnerId), action: reachUrls.unsubscribe('', String(req.params.token)) });
  }));

  // RFC 8058 one-click (body `List-Unsubscribe=One-Click`) and the page's own buttons (`email=on|off`).
  router.post('/reach/unsubscribe/:token', publicRoute('credential:exchange'), limit, form, handle(async (req, res) => {
    const learnerId = learnerOf(String(req.params.token));
    const body = oneClickBody.safeParse(req.body ?? {});
    if (!body.success) throw new LaurelError('ERR_VALIDATION', 'Send List-Unsubscribe=One-Click, or use the buttons on this page.');
    const optOut = (req.body as { email?: unknown }).email !== 'on';
    await setEmailOptOut(db, { learnerId, optOut });
    req.log?.info({ learnerId, optOut }, 'learner email preference changed by link');
    if (body.data['List-Unsubscribe'] === 'One-Click') return res.status(200).type('text/plain').send('Unsubscribed.');
    res.set('Cache-Control', 'no-store');
    renderPage(res, 'reach-unsubscribe', { title: 'Badge emails', optedOut: optOut, action: reachUrls.unsubscribe('', String(req.params.token)) });
  }));

  router.get('/reach/open/:token.gif', publicRoute('credential:exchange'), limit, handle(async (req, res) => {
    const awardId = verifyLink(ctx.config.SESSION_SECRET, 'open', String(req.params.token));
    const first = awardId ? await markOpened(db, awardId) : undefined;
    if (first) analyticsRecorder(ctx).count({ ...first, kind: 'opened' });
    // The same pixel whatever the token: nothing here tells a prober which tokens are valid.
    res.set('Cache-Control', 'no-store').type('image/gif').send(PIXEL);
  }));

  // The Moodle plugin's reads: signed like its deliveries (HMAC-SHA256 of `timestamp.GET <path>` with the
  // source secret), answered only about the source's own platform.
  const signedSource = async (req: express.Request) => {
    const now = new Date();
    const source = await requireEventSource(db, { id: String(req.params.sourceId), kind: 'moodle', now });
    verifyMoodleSignature({
      secret: source.secret ?? '',
      timestampHeader: req.get('x-laurel-timestamp'),
      signatureHeader: req.get('x-laurel-signature'),
      body: Buffer.from(`GET ${req.originalUrl}`),
      now,
    });
    if (!source.platform_id) throw new LaurelError('ERR_NOT_FOUND', 'This event source belongs to no platform.');
    return { platformId: source.platform_id, now };
  };

  router.get('/events/moodle/:sourceId/users/:userId/badges', publicRoute('events:deliver'), pluginLimit, handle(async (req, res) => {
    const userId = moodleUserParam.safeParse(req.params.userId);
    const query = moodleBadgesQuery.safeParse(req.query);
    if (!userId.success || !query.success) throw new LaurelError('ERR_VALIDATION', 'The user id and course must be Moodle ids (digits).');
    const { platformId, now } = await signedSource(req);
    const badges = await moodleProfileBadges(db, { platformId, moodleUserId: userId.data, ...(query.data.course ? { moodleCourseId: query.data.course } : {}), baseUrl: ctx.config.BASE_URL, now });
    res.set('Cache-Control', 'no-store').json({ badges });
  }));

  router.get('/events/moodle/:sourceId/notifications', publicRoute('events:deliver'), pluginLimit, handle(async (req, res) => {
    const query = moodleNotificationsQuery.safeParse(req.query);
    if (!query.success) throw new LaurelError('ERR_VALIDATION', 'after must be the cursor of the previous answer.');
    const { platformId, now } = await signedSource(req);
    const result = await moodleNotifications(db, {
      platformId, ...(query.data.after ? { after: query.data.after } : {}), baseUrl: ctx.config.BASE_URL, now,
      onNotified: (ref) => analyticsRecorder(ctx).count({ ...ref, kind: 'notified' }),
    });
    res.set('Cache-Control', 'no-store').json(result);
  }));
  // "My badges" (Canvas account navigation): the person's badges across the institution's courses.
  router.get('/lti/me/badges', declare(requirePerson(), 'course:learn'), handle(async (_req, res) => {
    const person = res.locals.personSession as PersonSession;
    const platform = await getPlatform(db, person.platformId);
    const badges = await myBadges(db, { platformId: person.platformId, learnerId: person.learnerId, now: new Date() });
    res.set('Cache-Control', 'no-store');
    renderPage(res, 'reach-my-badges', {
      title: 'My badges',
      embedded: true,
      platformName: platform?.name ?? 'your institution',
      badges: badges.map((b) => ({
        ...b,
        imageUrl: b.imageUrl ?? `/achievements/${b.achievementId}/image`,
        expired: b.status === 'expired',
        private: b.visibility === 'private',
        pageUrl: b.credentialId ? `/credentials/${b.credentialId}` : null,
        pngUrl: b.credentialId ? `/credentials/${b.credentialId}/badge.png` : null,
      })),
    });
  }));
  return router;
}
