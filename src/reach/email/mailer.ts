import { mkdir, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import type { Config } from '../../config';
import { projectRoot } from '../../paths';
import type { EmailMessage } from './message';

/** Sends one message; resolves with the message id, throws when the server refused or was unreachable. */
export interface Mailer {
  /** `smtp`, `capture` (files in a folder) or `disabled`. */
  readonly kind: 'smtp' | 'capture' | 'disabled';
  send(message: EmailMessage): Promise<{ messageId: string }>;
}

type MailSettings = Pick<Config, 'SMTP_URL' | 'MAIL_CAPTURE_DIR' | 'NODE_ENV'>;

const mailers = new Map<string, Mailer>();

/**
 * The process's mailer for these settings: SMTP when SMTP_URL is set; otherwise, outside production,
 * `.eml` files under MAIL_CAPTURE_DIR (development starts no mail server); in production, disabled.
 */
export function mailerFor(config: MailSettings): Mailer {
  const key = `${config.SMTP_URL ?? ''}|${config.MAIL_CAPTURE_DIR ?? ''}|${config.NODE_ENV}`;
  let mailer = mailers.get(key);
  if (!mailer) {
    mailer = createMailer(config);
    mailers.set(key, mailer);
  }
  return mailer;
}

function createMailer(config: MailSettings): Mailer {
  if (config.SMTP_URL) {
    // Bounded timeouts: a stuck server fails the job (which retries), it never holds a worker forever.
    const transport: Transporter = nodemailer.createTransport(config.SMTP_URL, { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 } as never);
    return { kind: 'smtp', send: (message) => sendWith(transport, message) };
  }
  if (config.NODE_ENV === 'production') {
    return { kind: 'disabled', send: () => Promise.reject(new Error('no SMTP_URL is configured')) };
  }
  const dir = config.MAIL_CAPTURE_DIR ? (isAbsolute(config.MAIL_CAPTURE_DIR) ? config.MAIL_CAPTURE_DIR : join(projectRoot, config.MAIL_CAPTURE_DIR)) : join(projectRoot, '.data', 'mail');
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    kind: 'capture',
    async send(message) {
      const info = (await transport.sendMail(toNodemailer(message))) as { messageId: string; message: Buffer };
      await mkdir(dir, { recursive: true });
      const safeId = info.messageId.replace(/[^A-Za-z0-9@._-]/g, '');
      await writeFile(join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${safeId}.eml`), info.message);
      return { messageId: info.messageId };
    },
  };
}

async function sendWith(transport: Transporter, message: EmailMessage): Promise<{ messageId: string }> {
  const info = await transport.sendMail(toNodemailer(message));
  return { messageId: info.messageId };
}

function toNodemailer(message: EmailMessage): SendMailOptions {
  return { from: message.from, to: message.to, subject: message.subject, text: message.text, html: message.html, headers: message.headers };
}
