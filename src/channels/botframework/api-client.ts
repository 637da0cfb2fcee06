// The Bot Framework SDK, loaded only when a Bot Framework inbox is configured (index.ts imports
// this module lazily): botbuilder and its dependencies weigh about 130 MB and a second of start.
import { ConfidentialClientApplication } from '@azure/msal-node';
import {
  ActionTypes,
  ActivityTypes,
  CallerIdConstants,
  CardFactory,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  ConfigurationServiceClientCredentialFactory,
  TurnContext,
} from 'botbuilder';
import { MsalServiceClientCredentialsFactory, type AuthenticateRequestResult, type ServiceClientCredentialsFactory } from 'botframework-connector';
import { ChannelError, type ChannelErrorKind } from '../../core/errors.ts';
import { t, type Locale, type MessageKey } from '../../core/i18n/index.ts';
import { describeCause } from '../shared/describe-cause.ts';
import { publicCloud, type BotFrameworkSettings } from './config.ts';
import type { Activity, BotAttachment, CardButtonValue, ConversationReference, StoredReference } from './types.ts';

const channel = 'botframework';

/** What went wrong reaching a Bot Framework connector, before it is mapped to a ChannelError. */
export type BotFrameworkFailure =
  | { kind: 'connector'; status: number; code?: string; message?: string }
  /** The bot could not get its own token (Entra ID answered, but refused). */
  | { kind: 'token'; code: string; message?: string }
  | { kind: 'network'; cause: unknown }
  | { kind: 'unsupported'; detail: string }
  /** No message from this person was ever received: there is no conversation to answer in. */
  | { kind: 'no_reference'; detail: string };

/** Entra ID errors that no retry fixes: a wrong secret, app id, tenant or scope. */
const credentialCodes: ReadonlySet<string> = new Set(['invalid_client', 'unauthorized_client', 'invalid_request', 'invalid_scope', 'invalid_grant', 'invalid_tenant']);

/**
 * The one place connector and token failures become ChannelErrors: whether the outbox retries,
 * and the reason the agent reads on a failed message (the HTTP status and the connector's code).
 */
export function botFrameworkError(failure: BotFrameworkFailure, locale: Locale): ChannelError {
  const make = (kind: ChannelErrorKind, key: MessageKey, detail: string, retryable: boolean, code?: string | number) =>
    new ChannelError(channel, kind, t(locale, key, { detail }), retryable, code);
  switch (failure.kind) {
    case 'network':
      return make('network', 'botframework.error.unavailable', describeCause(failure.cause), true);
    case 'unsupported':
      return make('unsupported', 'botframework.error.unsupported', failure.detail, false);
    case 'no_reference':
      return make('rejected', 'botframework.error.noConversation', failure.detail, false);
    case 'token': {
      const detail = [failure.code, failure.message].filter(Boolean).join(': ');
      return credentialCodes.has(failure.code)
        ? make('auth_failed', 'botframework.error.credentials', detail, false, failure.code)
        : make('network', 'botframework.error.unavailable', detail, true, failure.code);
    }
    case 'connector': {
      const { status } = failure;
      const detail = [`HTTP ${status}`, failure.code, failure.message].filter(Boolean).join(': ');
      const code = failure.code ?? status;
      if (status === 429) return make('rate_limited', 'botframework.error.rateLimited', detail, true, code);
      if (status === 408 || status >= 500) return make('network', 'botframework.error.unavailable', detail, true, code);
      if (status === 401) return make('auth_failed', 'botframework.error.credentials', detail, false, code);
      // 403: the bot was removed, blocked or disabled in this conversation; 404: it is gone.
      if (status === 403 || status === 404) return make('rejected', 'botframework.error.rejected', detail, false, code);
      return make('invalid', 'botframework.error.rejected', detail, false, code);
    }
  }
}

/** Reads what the SDK threw: core-rest-pipeline's RestError, MSAL's errors, or anything else. */
export function failureOf(error: unknown): BotFrameworkFailure {
  const e = (error ?? {}) as { name?: unknown; statusCode?: unknown; code?: unknown; errorCode?: unknown; errorMessage?: unknown; message?: unknown };
  if (typeof e.statusCode === 'number') {
    return { kind: 'connector', status: e.statusCode, ...(typeof e.code === 'string' ? { code: e.code } : {}), ...(typeof e.message === 'string' ? { message: e.message.slice(0, 300) } : {}) };
  }
  if (typeof e.errorCode === 'string' && /^(ServerError|ClientAuthError|ClientConfigurationError|AuthError)$/.test(String(e.name))) {
    return { kind: 'token', code: e.errorCode, ...(typeof e.errorMessage === 'string' ? { message: e.errorMessage.slice(0, 300) } : {}) };
  }
  return { kind: 'network', cause: error };
}

/** Credentials from the SDK: its configuration factory for Azure's clouds; an MSAL client of
 * our own for any other authority (MSAL refuses unknown hosts unless they are named to it). */
function credentialsFactory(settings: BotFrameworkSettings): ServiceClientCredentialsFactory {
  if (settings.loginUrl === publicCloud.loginUrl) {
    return new ConfigurationServiceClientCredentialFactory({
      MicrosoftAppId: settings.appId,
      MicrosoftAppType: settings.appType,
      ...(settings.tenantId ? { MicrosoftAppTenantId: settings.tenantId } : {}),
      ...(settings.appPassword ? { MicrosoftAppPassword: settings.appPassword } : {}),
      ...(settings.certificateThumbprint ? { CertificateThumbprint: settings.certificateThumbprint } : {}),
      ...(settings.certificatePrivateKey ? { CertificatePrivateKey: settings.certificatePrivateKey } : {}),
    });
  }
  // As the SDK does in Azure's clouds: a single-tenant app asks its own tenant for tokens.
  const authority = settings.appType === 'SingleTenant' && settings.tenantId ? `${new URL(settings.loginUrl).origin}/${settings.tenantId}` : settings.loginUrl;
  const client = new ConfidentialClientApplication({
    auth: {
      clientId: settings.appId,
      authority,
      knownAuthorities: [new URL(settings.loginUrl).host],
      ...(settings.appPassword
        ? { clientSecret: settings.appPassword }
        : { clientCertificate: { thumbprint: settings.certificateThumbprint!, privateKey: settings.certificatePrivateKey! } }),
    },
  });
  return new MsalServiceClientCredentialsFactory(settings.appId, client);
}

/** Rejects when `signal` aborts: the SDK's proactive call takes no signal of its own. */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

/** What one outbound message becomes on the connector. */
export interface OutboundActivity {
  text: string | null;
  attachments: Array<{ url: string; name?: string; mimeType?: string }>;
  choices: Array<{ title: string; payload: string }>;
}

/**
 * One Azure Bot's connection: the SDK's CloudAdapter with ConfigurationBotFrameworkAuthentication
 * (channel tokens checked against the OpenID keys, audience = the app id, the serviceUrl claim
 * matched) and proactive sends through the stored conversation references.
 */
export function createBotConnection(settings: BotFrameworkSettings, locale: Locale) {
  const credentials = credentialsFactory(settings);
  const authentication = new ConfigurationBotFrameworkAuthentication(
    {
      MicrosoftAppId: settings.appId,
      ...(settings.tenantId ? { MicrosoftAppTenantId: settings.tenantId } : {}),
      // Every endpoint is given: the SDK then uses exactly these (public cloud by default).
      ToBotFromChannelOpenIdMetadataUrl: settings.openIdMetadataUrl,
      ToBotFromChannelTokenIssuer: settings.tokenIssuer,
      ToBotFromEmulatorOpenIdMetadataUrl: settings.emulatorOpenIdMetadataUrl,
      ToChannelFromBotLoginUrl: settings.loginUrl,
      ToChannelFromBotOAuthScope: settings.oauthScope,
      OAuthUrl: settings.oauthApiUrl,
      CallerId: CallerIdConstants.PublicAzureChannel,
      ValidateAuthority: true,
    },
    credentials,
  );
  const adapter = new CloudAdapter(authentication);
  // Errors reach the caller: the webhook answers 500 (the channel retries), the outbox decides.
  adapter.onTurnError = async (_context, error) => {
    throw error;
  };

  /**
   * The outbox owns retries (in order, with its backoff, visible on the message): the
   * connector client's own pipeline would otherwise retry 5xx three more times inside one send,
   * past the outbox's time limit for it.
   */
  function withoutPipelineRetries(context: TurnContext): void {
    const connector = context.turnState.get(adapter.ConnectorClientKey) as { client?: { pipeline?: { removePolicy(options: { name: string }): unknown } } } | undefined;
    connector?.client?.pipeline?.removePolicy({ name: 'defaultRetryPolicy' });
  }

  /**
   * A proactive turn starts from a made-up activity with an id of its own, which the SDK would
   * put in `replyToId`: the reply names the person's last activity instead, as a direct answer
   * to it would (Teams threads it under that message in channels).
   */
  function replyingTo(context: TurnContext, reference: StoredReference): void {
    withoutPipelineRetries(context);
    const activityId = reference.activityId;
    context.onSendActivities(async (_context, activities, next) => {
      for (const activity of activities) {
        if (activityId) activity.replyToId = activityId;
        else delete activity.replyToId;
      }
      return next();
    });
  }

  function activityOf(message: OutboundActivity, channelId: string, cardChannels: readonly string[]): Partial<Activity> {
    const attachments: BotAttachment[] = message.attachments.map((file) => ({
      contentType: file.mimeType ?? 'application/octet-stream',
      contentUrl: file.url,
      ...(file.name ? { name: file.name } : {}),
    }));
    if (message.choices.length && cardChannels.includes(channelId)) {
      attachments.push(
        CardFactory.heroCard(
          '',
          undefined,
          // messageBack: the person sees the choice's title; the payload comes back in `value`.
          message.choices.map((choice) => ({
            type: ActionTypes.MessageBack,
            title: choice.title,
            text: choice.title,
            displayText: choice.title,
            value: { quickReplyPayload: choice.payload } satisfies CardButtonValue,
          })),
        ),
      );
    }
    return {
      type: ActivityTypes.Message,
      ...(message.text ? { text: message.text, textFormat: 'plain' } : {}),
      ...(attachments.length ? { attachments } : {}),
    };
  }

  return {
    /** Validates the request's JWT the Bot Framework way; throws the SDK's error when it fails. */
    authenticate(activity: Partial<Activity>, authHeader: string): Promise<AuthenticateRequestResult> {
      // A body without a channel makes no claim about which channel endorses it (the SDK's rule):
      // only the token is checked, and such a body is never filed.
      const claimed = typeof activity.channelId === 'string' ? activity : { ...activity, channelId: '' };
      return authentication.authenticateRequest(claimed as Activity, authHeader);
    },

    /** Runs one authenticated activity through the adapter as a turn. */
    async turn(result: AuthenticateRequestResult, activity: Activity, logic: (context: TurnContext) => Promise<void>): Promise<void> {
      await adapter.processActivityDirect(result, activity, logic);
    },

    referenceOf(activity: Activity): StoredReference {
      return TurnContext.getConversationReference(activity) as StoredReference;
    },

    /** Sends a message as a reply to the person's last activity; resolves with the connector's id. */
    async send(reference: StoredReference, message: OutboundActivity, cardChannels: readonly string[], signal: AbortSignal): Promise<string | undefined> {
      const activity = activityOf(message, reference.channelId, cardChannels);
      if (!activity.text && !activity.attachments) throw botFrameworkError({ kind: 'unsupported', detail: 'empty message' }, locale);
      let id: string | undefined;
      try {
        await abortable(
          adapter.continueConversationAsync(settings.appId, reference as ConversationReference, async (context) => {
            replyingTo(context, reference);
            id = (await context.sendActivity(activity))?.id;
          }),
          signal,
        );
      } catch (error) {
        throw error instanceof ChannelError ? error : botFrameworkError(failureOf(error), locale);
      }
      return id;
    },

    /** Gets the bot's own token once, as a send would: proves the app id, secret and tenant. */
    async checkCredentials(): Promise<void> {
      const appCredentials = (await credentials.createCredentials(settings.appId, settings.oauthScope, settings.loginUrl, true)) as unknown as {
        getToken?(forceRefresh?: boolean): Promise<string>;
      };
      try {
        await appCredentials.getToken?.();
      } catch (error) {
        throw botFrameworkError(failureOf(error), locale);
      }
    },

    /** Shows "typing" to the person (best effort: a lost typing indicator costs nothing). */
    async typing(reference: StoredReference): Promise<void> {
      await adapter.continueConversationAsync(settings.appId, reference as ConversationReference, async (context) => {
        replyingTo(context, reference);
        await context.sendActivity({ type: ActivityTypes.Typing });
      });
    },
  };
}

export type BotConnection = ReturnType<typeof createBotConnection>;
