import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface SinkMail {
  /** RCPT TO addresses. */
  to: string[];
  /** MAIL FROM (the envelope sender, where bounces go), lowercased. */
  from: string;
  raw: Buffer;
  parsed: ParsedMail;
  /** First value of a header, unfolded, as the gateway wrote it. */
  header(name: string): string | undefined;
}

export interface SmtpSink {
  host: string;
  port: number;
  mails: SinkMail[];
  /** Resolves with the first mail (already received or coming) that matches. */
  waitFor(match: (mail: SinkMail) => boolean, timeoutMs?: number): Promise<SinkMail>;
  /** Answers the next `count` mails with this SMTP error code (e.g. 451, 550). */
  failNext(count: number, code: number): void;
  close(): Promise<void>;
}

/** A real SMTP server (npm smtp-server, by the nodemailer authors) that keeps what it receives. */
export async function startSmtpSink(): Promise<SmtpSink> {
  const mails: SinkMail[] = [];
  const waiters: Array<{ match: (mail: SinkMail) => boolean; resolve: (mail: SinkMail) => void }> = [];
  let failures: { count: number; code: number } = { count: 0, code: 0 };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (failures.count > 0) {
          failures.count--;
          const error = new Error(`test sink refuses with ${failures.code}`) as Error & { responseCode: number };
          error.responseCode = failures.code;
          callback(error);
          return;
        }
        const raw = Buffer.concat(chunks);
        void simpleParser(raw).then((parsed) => {
          const mail: SinkMail = {
            to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address.toLowerCase() : '',
            raw,
            parsed,
            header(name) {
              const line = parsed.headerLines.find((l) => l.key === name.toLowerCase());
              return line?.line.slice(line.line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
            },
          };
          mails.push(mail);
          for (const waiter of [...waiters]) {
            if (waiter.match(mail)) {
              waiters.splice(waiters.indexOf(waiter), 1);
              waiter.resolve(mail);
            }
          }
          callback();
        }, callback);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    host: '127.0.0.1',
    port,
    mails,
    waitFor(match, timeoutMs = 20_000) {
      const found = mails.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = { match, resolve: (mail: SinkMail) => (clearTimeout(timer), resolve(mail)) };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`no matching mail within ${timeoutMs} ms (${mails.length} received)`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    failNext(count, code) {
      failures = { count, code };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
