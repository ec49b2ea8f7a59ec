// startPlatform(): one emulated LMS on its own HTTP port, and the typed handle tests drive it with.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { agsRouter } from './ags';
import { dataServicesRouter } from './data-services';
import { deepLinkingRouter } from './deep-linking';
import { errorPage } from './html';
import { KeyStore } from './keys';
import { MoodlePluginState, moodlePluginRouter } from './moodle-plugin';
import { nrpsRouter } from './nrps';
import { defineLaunch, oidcRouter } from './oidc';
import { PATHS } from './profile';
import { registrationRouter } from './registration';
import { PlatformState, type Core } from './state';
import { tokenRouter } from './token';
import { uiRouter } from './ui';
import { createPlatformApi, type Platform } from './api';
import type { StartPlatformOptions } from './types';

function buildApp(core: Core): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    res.on('finish', () => {
      if (!/\/(services\.php|api\/lti\/courses|login\/oauth2|token\.php)/.test(req.path)) return;
      const entry: Core['state']['requests'][number] = { method: req.method, path: req.originalUrl, status: res.statusCode };
      const ua = req.get('user-agent');
      if (ua) entry.userAgent = ua;
      core.state.requests.push(entry);
      if (core.state.requests.length > 1000) core.state.requests.shift();
    });
    next();
  });
  // The plugin's grade export is signed over its raw body: mounted before the body parsers.
  if (core.profile === 'moodle') app.use(moodlePluginRouter(core, core.moodlePlugin));
  app.use(express.urlencoded({ extended: false }));
  // Parse every JSON-ish body; the handlers check the exact media type where the LMS does (Moodle).
  app.use(express.json({ type: (req) => /json/i.test(String(req.headers['content-type'] ?? '')), limit: '1mb' }));
  app.get(core.paths.jwks, (_req, res) => {
    res.type('application/json; charset=utf-8').send(JSON.stringify(core.keys.jwks()));
  });
  app.use(registrationRouter(core));
  app.use(oidcRouter(core));
  app.use(tokenRouter(core));
  app.use(nrpsRouter(core));
  app.use(agsRouter(core));
  app.use(deepLinkingRouter(core));
  if (core.profile === 'canvas') app.use(dataServicesRouter(core, core.dataServices));
  app.use(uiRouter(core));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = typeof (err as { status?: unknown }).status === 'number' ? (err as { status: number }).status : 500;
    res.status(status).type('html').send(errorPage(err instanceof Error ? err.message : String(err)));
  });
  return app;
}

/** Starts an emulated Canvas or Moodle. Always `await platform.close()` when done. */
export async function startPlatform(options: StartPlatformOptions): Promise<Platform> {
  const profile = options.profile;
  if (profile !== 'canvas' && profile !== 'moodle') throw new TypeError(`profile must be 'canvas' or 'moodle', got ${String(profile)}`);
  const keys = await KeyStore.create(profile);
  const core: Core = {
    profile,
    url: '',
    issuer: '',
    paths: PATHS[profile],
    keys,
    // Live Events are signed with their own keys (not the LTI ones); only Canvas has them.
    dataServices: { subscriptions: new Map(), keys: profile === 'canvas' ? await KeyStore.create(profile) : keys },
    state: new PlatformState(),
    moodlePlugin: new MoodlePluginState(),
    nrpsDefaultLimit: options.nrpsDefaultLimit,
    storageTarget: options.storageTarget ?? profile === 'canvas',
    secret: randomBytes(32),
  };
  const host = options.host ?? '127.0.0.1';
  const server: Server = createServer(buildApp(core));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  core.url = (options.publicUrl ?? `http://${options.hostname ?? host}:${port}`).replace(/\/$/, '');
  // Canvas's issuer never depends on its host; Moodle's issuer is its wwwroot.
  core.issuer = options.issuer ?? (profile === 'canvas' ? 'https://canvas.instructure.com' : core.url);
  return createPlatformApi(core, {
    launch: (o, frame) => defineLaunch(core, o, frame),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  });
}
