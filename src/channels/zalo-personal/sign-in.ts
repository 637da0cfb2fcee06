import type { FastifyBaseLogger } from 'fastify';
import type { LoginQRCallbackEventType } from 'zca-js';
import type { InboxState, InteractiveSignIn, SignInState } from '../channel-adapter.ts';
import type { Connection } from './connection.ts';
import type { Credentials, LoginQRCallbackEvent, ZaloPersonalClient } from './types.ts';

export const signInKey = 'zalo-personal.sign-in';

/** zca-js's LoginQRCallbackEventType values, without loading zca-js at boot (a test holds them equal). */
export const qrEvents = {
  generated: 0 as LoginQRCallbackEventType.QRCodeGenerated,
  expired: 1 as LoginQRCallbackEventType.QRCodeExpired,
  scanned: 2 as LoginQRCallbackEventType.QRCodeScanned,
  declined: 3 as LoginQRCallbackEventType.QRCodeDeclined,
  gotLoginInfo: 4 as LoginQRCallbackEventType.GotLoginInfo,
} as const;

/** A QR code Zalo does not confirm within this long is abandoned (Zalo's own codes last about a minute). */
const maxFlowMs = 5 * 60_000;

/**
 * Sign-in by QR code from the admin screen. zca-js produces the code; the admin scans it with the
 * phone of the account; the credentials it yields are sealed in the store and the connection
 * takes the session over. Each step is written to the inbox state, so whichever node the admin's
 * screen asks answers with the same code.
 */
export function createQrSignIn(deps: { client: ZaloPersonalClient; connection: Connection; state: InboxState; logger: FastifyBaseLogger; now?: () => number }): InteractiveSignIn & { close(): Promise<void> } {
  const { client, connection, state, logger } = deps;
  const now = deps.now ?? Date.now;
  let flow: { abort: AbortController; done: Promise<void>; first: Promise<void> } | null = null;

  const at = () => new Date(now()).toISOString();
  const write = (next: SignInState) => state.set(signInKey, JSON.stringify(next));

  async function read(): Promise<SignInState> {
    const raw = await state.get(signInKey);
    if (!raw) return { step: 'idle' };
    try {
      return JSON.parse(raw) as SignInState;
    } catch {
      return { step: 'idle' };
    }
  }

  function run(): NonNullable<typeof flow> {
    const abort = new AbortController();
    const timeout = setTimeout(() => abort.abort(), maxFlowMs);
    timeout.unref();
    let credentials: Credentials | null = null;
    let displayName: string | null = null;
    let firstStep!: () => void;
    const first = new Promise<void>((resolve) => (firstStep = resolve));
    // Steps are written in the order zca-js reports them, one after the other.
    let writes = Promise.resolve();
    const step = (next: SignInState) => {
      writes = writes.then(() => write(next)).catch((error: unknown) => logger.error({ err: error }, 'could not record the sign-in step'));
      void writes.then(firstStep);
    };

    const onEvent = (event: LoginQRCallbackEvent) => {
      switch (event.type) {
        case qrEvents.generated:
          step({ step: 'waiting_scan', at: at(), qrImage: event.data.image.startsWith('data:') ? event.data.image : `data:image/png;base64,${event.data.image}` });
          break;
        case qrEvents.expired:
          // The admin asks for a new code from the screen; nobody is waiting for this one.
          step({ step: 'expired', at: at() });
          event.actions.abort();
          break;
        case qrEvents.scanned:
          displayName = event.data.display_name || null;
          step({ step: 'scanned', at: at(), displayName: event.data.display_name });
          break;
        case qrEvents.declined:
          step({ step: 'declined', at: at() });
          break;
        case qrEvents.gotLoginInfo:
          credentials = { cookie: event.data.cookie, imei: event.data.imei, userAgent: event.data.userAgent };
          break;
      }
    };

    const done = (async () => {
      try {
        const session = await client.loginQR(onEvent, abort.signal);
        if (!credentials) throw new Error('zca-js signed in without handing over the session');
        await connection.adopt(session, credentials, displayName);
        step({ step: 'signed_in', at: at(), displayName });
        logger.info('Zalo personal account signed in by QR code');
      } catch (error) {
        const current = await writes.then(read);
        // An expired or declined code already says why; an abort by the admin is no failure.
        if (current.step !== 'expired' && current.step !== 'declined' && !abort.signal.aborted) {
          step({ step: 'failed', at: at(), reason: error instanceof Error ? error.message : String(error) });
        } else if (abort.signal.aborted && current.step !== 'expired' && current.step !== 'declined') {
          step({ step: 'idle' });
        }
        logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'Zalo personal QR sign-in ended without a session');
      } finally {
        clearTimeout(timeout);
        await writes;
        firstStep();
        flow = null;
      }
    })();
    return { abort, done, first };
  }

  return {
    async begin() {
      if (!flow) {
        await write({ step: 'starting', at: at() });
        flow = run();
      }
      await flow.first;
      return read();
    },
    state: read,
    async cancel() {
      flow?.abort.abort();
      await flow?.done;
    },
    async close() {
      flow?.abort.abort();
      await flow?.done;
    },
  };
}
