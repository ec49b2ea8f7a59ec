import type { Express } from 'express';
import { createAnalyticsRouter } from '../analytics';
import { createBadgesApiRouter, createPublicBadgesRouter } from '../badges';
import type { AppContext } from '../context';
import { createCredentialsRouter } from '../credentials';
import { createEventsRouter } from '../events';
import { createLti } from '../lti';
import { createTranscriptsRouter } from '../transcripts';
import { createAdminApiRouter, createCoursePagesRouter } from '../ui';

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
}
