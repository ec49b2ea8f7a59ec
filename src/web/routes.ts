import type { Express, RequestHandler } from 'express';
import { createAnalyticsRouter } from '../analytics';
import { createBadgesApiRouter, createPublicBadgesRouter } from '../badges';
import type { AppContext } from '../context';
import { createCredentialsRouter } from '../credentials';
import { createEventIntakeRouter, createEventsRouter } from '../events';
import { createLti } from '../lti';
import { createTranscriptsRouter } from '../transcripts';
import { createAdminApiRouter, createCoursePagesRouter, createOperatorConsoleRouter } from '../ui';

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
  app.use(createCredentialsRouter(ctx));
  app.use('/api/v1', createBadgesApiRouter(ctx));
  app.use(createPublicBadgesRouter(ctx));
  app.use(createAnalyticsRouter(ctx));
  app.use('/lti/courses/:courseId', createCoursePagesRouter(ctx));
  app.use('/lti', (await createLti(ctx)).router);
  app.use(createTranscriptsRouter(ctx));
  app.use(createAdminApiRouter(ctx));
  app.use('/admin', createOperatorConsoleRouter(ctx));
}
