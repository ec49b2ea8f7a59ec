import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/** Structured JSON logs; secrets in well-known places never reach them. */
export function createLogger(options: { level: string; name?: string }, destination?: DestinationStream): Logger {
  const options_ = {
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
        // Issue 15: configuration secrets and credentials that a careless `log.info({ config })` or a
        // remote error object could carry.
        '*.SESSION_SECRET',
        '*.KEY_ENCRYPTION_KEY',
        '*.REGISTRATION_KEY',
        '*.registrationKey',
        '*.keyEncryptionKey',
        '*.client_secret',
        '*.access_token',
        '*.id_token',
        'config.SESSION_SECRET',
        'config.KEY_ENCRYPTION_KEY',
        'config.REGISTRATION_KEY',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options_, destination) : pino(options_);
}
