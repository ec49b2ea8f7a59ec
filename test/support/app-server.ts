// The whole app (src/app, real routes, real CSP) on an ephemeral local port, over a fresh test context:
// what the browser tests point Chromium at.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/app';
import { createTestContext, type TestContext } from './context';

export interface RunningApp {
  ctx: TestContext;
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  base: string;
  /** Stops the server, then closes the context (database schema, Redis, queues). */
  close(): Promise<void>;
}

export async function startTestApp(): Promise<RunningApp> {
  const ctx = await createTestContext();
  if (ctx.redis.status !== 'ready') await new Promise((resolve) => ctx.redis.once('ready', resolve));
  const server = createServer(await createApp(ctx));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    ctx,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await ctx.close();
    },
  };
}
