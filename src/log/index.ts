import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/** Structured JSON logs; secrets in well-known places never reach them. */
export function createLogger(options: { level: string; name?: string }): Logger {
  return pino({
    name: options.name ?? 'laurel',
    level: options.level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-laurel-signature"]',
        'res.headers["set-cookie"]',
        '*.password',
        '*.secret',
        '*.token',
        '*.privateKey',
      ],
      censor: '[redacted]',
    },
  });
}
