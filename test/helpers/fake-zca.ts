import { EventEmitter } from 'node:events';
import { GroupMessage, LoginQRCallbackEventType, ThreadType, UserMessage, type TGroupMessage, type TMessage } from 'zca-js';
import {
  SessionRejectedError,
  type Credentials,
  type LoginQRCallbackEvent,
  type MessageContent,
  type SendMessageResponse,
  type ZaloPersonalClient,
  type ZaloPersonalListener,
  type ZaloPersonalListenerEvents,
  type ZaloPersonalSession,
} from '../../src/channels/zalo-personal/types.ts';

// A stand-in for zca-js behind the channel's narrow interface. It emits what zca-js emits: the
// package's own UserMessage and GroupMessage objects built from TMessage data, its QR events
// with its own enum, its send answers; so a change of those types in zca-js fails here too.

export const ownId = '8000000000000000001';

export class FakeListener implements ZaloPersonalListener {
  private readonly emitter = new EventEmitter();
  started = 0;
  stopped = 0;
  oldRequests: Array<{ type: ThreadType; lastMsgId: string | null | undefined }> = [];

  on<E extends keyof ZaloPersonalListenerEvents>(event: E, listener: (...args: ZaloPersonalListenerEvents[E]) => void): this {
    this.emitter.on(event, listener as (...args: unknown[]) => void);
    return this;
  }
  off<E extends keyof ZaloPersonalListenerEvents>(event: E, listener: (...args: ZaloPersonalListenerEvents[E]) => void): this {
    this.emitter.off(event, listener as (...args: unknown[]) => void);
    return this;
  }
  emit<E extends keyof ZaloPersonalListenerEvents>(event: E, ...args: ZaloPersonalListenerEvents[E]): void {
    this.emitter.emit(event, ...args);
  }
  start(): void {
    this.started++;
    // zca-js reports the socket open asynchronously.
    setImmediate(() => this.emit('connected'));
  }
  stop(): void {
    this.stopped++;
  }
  requestOldMessages(type: ThreadType, lastMsgId?: string | null): void {
    this.oldRequests.push({ type, lastMsgId });
  }
  get listeners(): number {
    return this.emitter.listenerCount('message');
  }
}

export interface FakeSend {
  content: MessageContent;
  threadId: string;
  type: ThreadType | undefined;
}

/** A direct message as zca-js builds it from Zalo's socket frame. */
export function userMessage(from: string, data: Partial<TMessage> & { msgId: string }): UserMessage {
  return new UserMessage(ownId, {
    actionId: '1',
    cliMsgId: data.msgId,
    msgType: 'webchat',
    uidFrom: from,
    idTo: '0',
    dName: 'Nguyễn Văn A',
    ts: String(Date.now()),
    status: 1,
    content: '',
    notify: '1',
    ttl: 0,
    userId: '0',
    uin: '0',
    topOut: '0',
    topOutTimeOut: '0',
    topOutImprTimeOut: '0',
    propertyExt: undefined,
    paramsExt: { countUnread: 1, containType: 0, platformType: 1 },
    cmd: 501,
    st: 3,
    at: 5,
    realMsgId: '0',
    quote: undefined,
    ...data,
  });
}

/** A message in a group chat. */
export function groupMessage(groupId: string, from: string, data: Partial<TGroupMessage> & { msgId: string }): GroupMessage {
  const base = userMessage(from, data).data;
  return new GroupMessage(ownId, { ...base, idTo: groupId, mentions: undefined, ...data });
}

export class FakeZca implements ZaloPersonalClient {
  logins: Credentials[] = [];
  /** What the next logins do: sign in, refuse the session, or fail on the network. */
  loginOutcome: 'ok' | 'refuse' | 'network' = 'ok';
  listener = new FakeListener();
  sends: FakeSend[] = [];
  sendFailure: Error | null = null;
  /** Runs inside a send before it answers (with the msgId it will answer), e.g. to emit its echo first. */
  sendHook: ((content: MessageContent, threadId: string, msgId: number) => void) | null = null;
  private nextMsgId = 7_100_000_000_000;
  private qr: { onEvent: (event: LoginQRCallbackEvent) => void; resolve: (session: ZaloPersonalSession) => void; reject: (error: Error) => void } | null = null;
  readonly credentials: Credentials = {
    imei: 'a3c1f1e2-4b7d-4e0a-9d4b-2f8a6c1e9b00-5f2a8a1c3e',
    userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
    cookie: [{ key: 'zpw_sek', value: 'SECRET-COOKIE-VALUE-0123456789', domain: 'chat.zalo.me', path: '/', httpOnly: true, secure: true }],
  };

  private session(): ZaloPersonalSession {
    return {
      ownId,
      listener: this.listener,
      sendMessage: async (content, threadId, type) => {
        if (this.sendFailure) throw this.sendFailure;
        const message = typeof content === 'string' ? { msg: content } : content;
        this.sends.push({ content: message, threadId, type });
        const attachments = message.attachments ? (Array.isArray(message.attachments) ? message.attachments : [message.attachments]) : [];
        const answer: SendMessageResponse = {
          attachment: attachments.map(() => ({ msgId: this.nextMsgId++ })),
          message: message.msg ? { msgId: this.nextMsgId++ } : null,
        };
        if (answer.message) this.sendHook?.(message, threadId, answer.message.msgId);
        await new Promise((resolve) => setImmediate(resolve));
        return answer;
      },
    };
  }

  async login(credentials: Credentials): Promise<ZaloPersonalSession> {
    this.logins.push(credentials);
    if (this.loginOutcome === 'refuse') throw new SessionRejectedError('Đăng nhập thất bại');
    if (this.loginOutcome === 'network') throw new TypeError('fetch failed');
    this.listener = new FakeListener();
    return this.session();
  }

  loginQR(onEvent: (event: LoginQRCallbackEvent) => void, signal: AbortSignal): Promise<ZaloPersonalSession> {
    return new Promise((resolve, reject) => {
      this.qr = { onEvent, resolve, reject };
      signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      const actions = { retry: () => undefined, abort: () => reject(new Error('aborted')) };
      onEvent({
        type: LoginQRCallbackEventType.QRCodeGenerated,
        data: { code: 'qr-code-1', image: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk', options: { enabledCheckOCR: false, enabledMultiLayer: false }, token: 't' },
        actions: { ...actions, saveToFile: async () => undefined },
      });
    });
  }

  /** The admin's phone scans the code. */
  scan(displayName: string): void {
    this.qr!.onEvent({ type: LoginQRCallbackEventType.QRCodeScanned, data: { avatar: '', display_name: displayName }, actions: { retry: () => undefined, abort: () => undefined } });
  }

  /** The code runs out before anyone scans it. */
  expire(): void {
    this.qr!.onEvent({ type: LoginQRCallbackEventType.QRCodeExpired, data: null, actions: { retry: () => undefined, abort: () => this.qr?.reject(new Error('aborted')) } });
  }

  /** The phone confirms: zca-js hands over the credentials, then the signed-in API. */
  confirm(): void {
    const qr = this.qr!;
    qr.onEvent({
      type: LoginQRCallbackEventType.GotLoginInfo,
      data: { cookie: this.credentials.cookie as never, imei: this.credentials.imei, userAgent: this.credentials.userAgent },
      actions: null,
    });
    this.listener = new FakeListener();
    qr.resolve(this.session());
    this.qr = null;
  }
}
