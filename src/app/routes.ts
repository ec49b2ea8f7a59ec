import type { Express, RequestHandler } from 'express';
import { createAnalyticsRouter } from '../analytics/web';
import { createCoursesApiRouter } from '../courses/web';
import { createBadgesApiRouter, createPublicBadgesRouter } from '../badges/web';
import type { AppContext } from '../context';
import { createCredentialsRouter } from '../credentials/web';
import { eventsLtiHooks } from '../events';
import { createEventIntakeRouter, createEventsRouter } from '../events/web';
import { createLti } from '../lti/web';
import { createPublishingApiRouter } from '../publishing/web';
import { createTokensApiRouter } from '../tokens/web';
import { createReachRouter } from '../reach/web';
import { verificationContexts } from '../transcripts';
import { createTranscriptsRouter } from '../transcripts/web';
import { createWalletsRouter } from '../wallets/web';
import { createObApiRouter } from '../obapi/web';
import { createAdminApiRouter, createCoursePagesRouter, createOperatorConsoleRouter } from '../ui/web';
import { createOpenApiRouter } from './openapi';

/**
 * Machine-to-machine routes hit at high rates (LMS event deliveries), mounted before the page
 * middleware; each authenticates every request on its own.
 */
export function mountIntakeRoutes(app: Express, ctx: AppContext, options: { observe: RequestHandler }): void {
  app.use(createEventIntakeRouter(ctx, options));
}

/**
 * Feature routers, mounted in this order after the foundation's own routes. Each feature module adds
 * exactly one line here.
 */
export async function mountRoutes(app: Express, ctx: AppContext): Promise<void> {
  app.use(createEventsRouter(ctx));
  app.use(createCredentialsRouter(ctx, { contexts: verificationContexts(ctx.config) }));
  app.use(createBadgesApiRouter(ctx));
  app.use(createPublishingApiRouter(ctx));
  app.use(createCoursesApiRouter(ctx));
  app.use(createTokensApiRouter(ctx));
  app.use(createOpenApiRouter(ctx));
  app.use(createPublicBadgesRouter(ctx));
  app.use(createAnalyticsRouter(ctx));
  app.use(createWalletsRouter(ctx));
  app.use(createObApiRouter(ctx));
  app.use(createReachRouter(ctx));
  app.use('/lti/courses/:courseId', createCoursePagesRouter(ctx));
  app.use('/lti', (await createLti(ctx, { hooks: eventsLtiHooks(ctx) })).router);
  app.use(createTranscriptsRouter(ctx));
  app.use(createAdminApiRouter(ctx));
  app.use('/admin', createOperatorConsoleRouter(ctx));
}
