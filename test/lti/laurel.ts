// Starts a whole Laurel web app (createApp with every feature router) on a free loopback port, with a
// log that tests can read, for LTI end-to-end tests against the platform emulator.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { registrationUrl } from '../../src/lti';
import { createApp } from '../../src/app';
import { createTestContext, type TestContext } from '../support/context';

export interface RunningLaurel {
  url: string;
  /** `/lti/register` with the registration key this Laurel requires (what an admin pastes into the LMS). */
  registrationUrl: string;
  ctx: TestContext;
  /** Every log line written so far, parsed. */
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/** The registration key every test Laurel requires unless a test says otherwise. */
export const TEST_REGISTRATION_KEY = 'test-registration-key-0123456789';

export async function startLaurel(
  overrides: { FRAME_ANCESTORS?: string; REGISTRATION_KEY?: string; REGISTRATION_APPROVAL?: 'auto' | 'manual'; SMTP_URL?: string; MAIL_CAPTURE_DIR?: string } = {},
): Promise<RunningLaurel> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const base = await createTestContext({ BASE_URL: url, LOG_LEVEL: 'info', REGISTRATION_KEY: TEST_REGISTRATION_KEY, ...overrides });
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const ctx: TestContext = { ...base, logger: pino({ level: 'info' }, sink) };
  // Rate limiters load their Redis scripts when the app is built, and the producer connection does not queue.
  if (base.redis.status !== 'ready') await new Promise((resolve) => base.redis.once('ready', resolve));
  const app = await createApp(ctx);
  server.on('request', app);
  return {
    url,
    registrationUrl: registrationUrl({ baseUrl: url, registrationKey: base.config.REGISTRATION_KEY }),
    ctx,
    logs,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await base.close();
    },
  };
}

/** True when a page shows no trace of a stack (file positions or `Error:` lines). */
export function hasStackTrace(body: string): boolean {
  return /\bat \S+ \(|\.ts:\d+|\.js:\d+:\d+|\bError: /.test(body);
}
