import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import { ChannelError, type ChannelErrorKind } from '../../core/errors.ts';
import { t, type Locale, type MessageKey } from '../../core/i18n/index.ts';
import type { EmailSettings } from './config.ts';

const channel = 'email';

/** What SMTP said (nodemailer's error `code` and the server's reply code), before mapping. */
export interface SmtpFailure {
  code?: string;
  responseCode?: number;
  response?: string;
  message: string;
}

const networkCodes = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EABORTED']);

/**
 * The one place SMTP failures become ChannelErrors. A 4xx reply is temporary by RFC 5321 and is
 * retried; a 5xx is permanent (unknown mailbox, refused as spam, too large) and fails visibly;
 * a refused login needs an administrator.
 */
export function smtpError(failure: SmtpFailure, locale: Locale): ChannelError {
  const detail = [failure.responseCode ? `SMTP ${failure.responseCode}` : failure.code, (failure.response ?? failure.message).slice(0, 300)].filter(Boolean).join(': ');
  const make = (kind: ChannelErrorKind, key: MessageKey, retryable: boolean) =>
    new ChannelError(channel, kind, t(locale, key, { detail }), retryable, failure.responseCode ?? failure.code);
  if (failure.code === 'EAUTH' || failure.responseCode === 535 || failure.responseCode === 534) return make('auth_failed', 'email.error.auth', false);
  if (failure.responseCode !== undefined && failure.responseCode >= 400 && failure.responseCode < 500) {
    return failure.responseCode === 421 || failure.responseCode === 451 || failure.responseCode === 452
      ? make('rate_limited', 'email.error.unavailable', true)
      : make('network', 'email.error.unavailable', true);
  }
  if (failure.responseCode === 552 || failure.responseCode === 523) return make('invalid', 'email.error.tooLarge', false);
  if (failure.responseCode !== undefined && failure.responseCode >= 500) return make('rejected', 'email.error.rejected', false);
  if (failure.code === 'EENVELOPE' || failure.code === 'EMESSAGE') return make('invalid', 'email.error.rejected', false);
  if (failure.code && networkCodes.has(failure.code)) return make('network', 'email.error.unavailable', true);
  return make('network', 'email.error.unavailable', true);
}

/** SMTP out through one pooled nodemailer transport. */
export function createSmtpClient(settings: EmailSettings, locale: Locale) {
  const transport = nodemailer.createTransport({
    host: settings.smtp.host,
    port: settings.smtp.port,
    secure: settings.smtp.secure,
    ...(settings.smtp.user ? { auth: { user: settings.smtp.user, pass: settings.smtp.password ?? '' } } : {}),
    tls: { rejectUnauthorized: settings.smtp.rejectUnauthorized },
    pool: true,
    maxConnections: 2,
    connectionTimeout: settings.timeoutMs,
    greetingTimeout: settings.timeoutMs,
    socketTimeout: settings.timeoutMs,
  });

  return {
    /** Sends one mail; rejects with a ChannelError. Abort gives up waiting (the outbox then
     * retries with the same Message-ID, so a mail that did go out is recognised as one). */
    async send(mail: Mail.Options, signal: AbortSignal): Promise<void> {
      if (signal.aborted) throw smtpError({ code: 'EABORTED', message: 'aborted before sending' }, locale);
      let onAbort: (() => void) | undefined;
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(smtpError({ code: 'EABORTED', message: 'no answer in time' }, locale));
        signal.addEventListener('abort', onAbort, { once: true });
      });
      try {
        await Promise.race([transport.sendMail(mail), aborted]);
      } catch (error) {
        if (error instanceof ChannelError) throw error;
        const failure = error as Partial<SmtpFailure> & Error;
        throw smtpError({ message: failure.message, ...(failure.code ? { code: failure.code } : {}), ...(failure.responseCode ? { responseCode: failure.responseCode } : {}), ...(failure.response ? { response: failure.response } : {}) }, locale);
      } finally {
        if (onAbort) signal.removeEventListener('abort', onAbort);
      }
    },
    close(): void {
      transport.close();
    },
  };
}

export type SmtpClient = ReturnType<typeof createSmtpClient>;
