import { randomUUID } from 'node:crypto';
import express, { type Express } from 'express';
import cookieParser from 'cookie-parser';
import { pinoHttp } from 'pino-http';
import type { AppContext } from '../context';
import { paths } from '../paths';
import { errorHandler, notFound } from '../http';
import { healthRouter } from './health';
import { createMetrics } from './metrics';
import { mountIntakeRoutes, mountRoutes } from './routes';
import { registerInTransactionPorts } from './subscribers';
import { queueDashboardRouter } from './queue-dashboard';
import { FrameAncestors } from '../http';
import { framingPlatforms } from '../courses';
import { securityHeaders } from '../http';
import { renderPage } from '../http';
import { publicRoute } from '../http';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The express application: foundation middleware, health, metrics, then every feature's routes. */
export async function createApp(ctx: AppContext): Promise<Express> {
  // Importing ./subscribers registers them already; called to say so where the app is built.
  registerInTransactionPorts();
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', ctx.config.TRUST_PROXY);
  const metrics = createMetrics(ctx);
  mountIntakeRoutes(app, ctx, { observe: metrics.observe, record: metrics.record });
  app.use(
    pinoHttp({
      logger: ctx.logger,
      // Propagate a caller's request id when it looks like one; otherwise mint one.
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
      // Request lines must not carry secrets: /lti/register?key=<REGISTRATION_KEY>&registration_token=...
      serializers: { req: scrubRequestSecrets, res: scrubResponseSecrets },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    }),
  );
  const frameAncestors = new FrameAncestors(() => framingPlatforms(ctx.database.db), { configured: ctx.config.FRAME_ANCESTORS });
  await frameAncestors.refresh();
  app.locals.frameAncestors = frameAncestors;
  app.use(securityHeaders(ctx.config, frameAncestors));
  app.use(metrics.observe);
  app.use(healthRouter(ctx));
  app.use(metrics.router);
  app.use('/assets', express.static(paths.publicAssets, { maxAge: ctx.config.NODE_ENV === 'production' ? '1d' : 0, index: false }));
  app.use(cookieParser(ctx.config.SESSION_SECRET));
  app.use(queueDashboardRouter(ctx));
  app.get('/', publicRoute(), (_req, res) => renderPage(res, 'home', { title: 'Laurel' }));
  // Routers that need the raw body (signed webhooks, uploads) parse it themselves before these run.
  await mountRoutes(app, ctx);
  app.use(notFound);
  app.use(errorHandler);
  return app;
}

const SECRET_QUERY = ['key', 'registration_token', 'token'];

/** Request log lines keep the path, not secrets: /lti/register?key=<REGISTRATION_KEY>&registration_token=... */
function scrubRequestSecrets(req: { url?: string; query?: Record<string, unknown> }): object {
  const query = req.query && SECRET_QUERY.some((name) => name in req.query!)
    ? Object.fromEntries(Object.entries(req.query).map(([name, value]) => [name, SECRET_QUERY.includes(name) ? '[redacted]' : value]))
    : req.query;
  const url = req.url?.replace(/([?&](?:key|registration_token|token)=)[^&]*/g, '$1[redacted]')
    // Capabilities in paths: wallet offers (src/wallets) and one-time sign-in links (src/obapi).
    .replace(/^(\/oid4vci\/offers\/|\/oauth\/sign-in\/)[^/?]+/, '$1[redacted]');
  return { ...req, url, query };
}

/** Response log lines keep no authorization code (OB 3.0 API redirects) and no cookie values. */
function scrubResponseSecrets(res: { statusCode?: number; headers?: Record<string, unknown> }): object {
  if (!res.headers) return res;
  const headers = { ...res.headers };
  if (typeof headers.location === 'string') headers.location = headers.location.replace(/([?&]code=)[^&]*/, '$1[redacted]');
  if (headers['set-cookie'] !== undefined) headers['set-cookie'] = '[redacted]';
  return { ...res, headers };
}
