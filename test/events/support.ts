import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import type { AppContext } from '../../src/context';
import { createEventIntakeRouter, createEventsRouter } from '../../src/events/web';
import { createLogger } from '../../src/log';
import { createRedis, Queues } from '../../src/queue';
import { errorHandler, notFound } from '../../src/http';
import { testConfig } from '../support/config';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { dropPrefix, testQueuePrefix } from '../support/redis';

export interface EventsTestContext extends AppContext {
  tdb: TestDatabase;
  close(): Promise<void>;
}

/** An AppContext on a private schema and queue prefix (the events suites' own, independent of other modules' helpers). */
export async function createEventsTestContext(): Promise<EventsTestContext> {
  const prefix = testQueuePrefix();
  const config = testConfig({ QUEUE_PREFIX: prefix });
  const tdb = await createTestDatabase();
  const redis = createRedis(config.REDIS_URL, 'producer');
  const queues = new Queues({ connection: redis, prefix });
  const logger = createLogger({ level: 'silent' });
  return {
    config, logger, database: tdb, redis, queues, tdb,
    async close() {
      await queues.close().catch(() => undefined);
      await dropPrefix(prefix).catch(() => undefined);
      redis.disconnect();
      await tdb.close();
    },
  };
}

/** Just the events router and the app's error middleware. */
export function eventsApp(ctx: AppContext): Express {
  const app = express();
  app.use(createEventIntakeRouter(ctx));
  app.use(createEventsRouter(ctx));
  app.use(notFound);
  app.use(errorHandler);
  return app;
}

/** A local JWKS endpoint on 127.0.0.1 whose key list a test can rotate. */
export interface JwksServer {
  url: string;
  keys: JWK[];
  fetches: number;
  close(): Promise<void>;
}

export async function startJwksServer(): Promise<JwksServer> {
  const state: JwksServer = { url: '', keys: [], fetches: 0, close: async () => undefined };
  const server: Server = createServer((_req, res) => {
    state.fetches++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  state.close = () => new Promise((resolve) => server.close(() => resolve()));
  return state;
}

export interface SigningKey {
  kid: string;
  publicJwk: JWK;
  sign(payload: JWTPayload): Promise<string>;
}

/** An RS256 key like Canvas's Data Services keys; `sign` makes a signed Live Event body. */
export async function makeSigningKey(kid: string): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return {
    kid,
    publicJwk,
    sign: (payload) => new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid }).setIssuedAt().setIssuer('https://live-events.canvas.instructure.com').sign(privateKey),
  };
}
