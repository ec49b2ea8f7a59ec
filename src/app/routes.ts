import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express, RequestHandler } from 'express';
import { createAnalyticsRouter } from '../analytics/web';
import { createCoursesApiRouter } from '../courses/web';
import { createBadgesApiRouter, createPublicBadgesRouter } from '../badges/web';
import type { AppContext } from '../context';
import { createCredentialsRouter } from '../credentials/web';
import { eventsLtiHooks, eventsPlatformHooks } from '../events';
import { createEventIntakeRouter, createEventSourcesApiRouter, createEventsRouter, createSignedIntake, type SignedIntakeOptions } from '../events/web';
import { createLti, createPlatformsApiRouter } from '../lti/web';
import { createPublishingApiRouter } from '../publishing/web';
import { createTokensApiRouter } from '../tokens/web';
import { createReachRouter } from '../reach/web';
import { createTranscriptsRouter } from '../transcripts/web';
import { createWalletsRouter } from '../wallets/web';
import { createObApiRouter } from '../obapi/web';
import { createCoursePagesRouter, createOperatorConsoleRouter } from '../ui/web';
import { createOpenApiRouter } from './openapi';

/**
 * Machine-to-machine routes hit at high rates (LMS event deliveries), mounted before the page
 * middleware; each authenticates every request on its own. The two signed webhooks are answered
 * before express sees the request (the lean intake path, src/events/web/signed-intake.ts).
 */
export function mountIntakeRoutes(app: Express, ctx: AppContext, options: { observe: RequestHandler; record?: MetricsRecorder }): void {
  const intake = createSignedIntake(ctx, { record: options.record });
  answerBeforeExpress(app, intake.dispatch);
  app.use(createEventIntakeRouter(ctx, { observe: options.observe, intake }));
}

type MetricsRecorder = NonNullable<SignedIntakeOptions['record']>;

/**
 * Runs `first` on every request before express's own handling (its request/response prototype swap,
 * router walk and query parsing cost more than a whole signed delivery); what `first` declines
 * (returns false) goes on to express untouched. Patched on the app itself, so whatever serves the app
 * (node's server in main.ts, supertest in the tests) takes the same path.
 */
function answerBeforeExpress(app: Express, first: (req: IncomingMessage, res: ServerResponse) => boolean): void {
  const target = app as unknown as { handle: (req: IncomingMessage, res: ServerResponse, next?: unknown) => void };
  const expressHandle = target.handle.bind(app);
  target.handle = (req, res, next) => {
    if (!first(req, res)) expressHandle(req, res, next);
  };
}

/**
 * Feature routers, mounted in this order after the foundation's own routes. Each feature module adds
 * exactly one line here.
 */
export async function mountRoutes(app: Express, ctx: AppContext): Promise<void> {
  app.use(createEventsRouter(ctx));
  app.use(createCredentialsRouter(ctx));
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
  app.use(createEventSourcesApiRouter(ctx));
  app.use(createPlatformsApiRouter(ctx, { hooks: eventsPlatformHooks(ctx) }));
  app.use('/admin', createOperatorConsoleRouter(ctx));
}
