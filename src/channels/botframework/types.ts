// The Bot Framework's own shapes, from botframework-schema (types only: nothing of the SDK is
// loaded until a Bot Framework inbox is configured).
import type { Activity, Attachment as BotAttachment, ConversationReference } from 'botbuilder';

export type { Activity, BotAttachment, ConversationReference };

/**
 * How the channel is named to people: the gateway's channel, and the Azure connectors the bot
 * is reached through (the activity's `channelId`, kept at the start of the identity's id).
 */
export const botFrameworkDisplay = {
  name: { vi: 'Bot Framework', en: 'Bot Framework' },
  via: {
    msteams: { vi: 'Microsoft Teams', en: 'Microsoft Teams' },
    webchat: { vi: 'Web Chat', en: 'Web Chat' },
    directline: { vi: 'Direct Line', en: 'Direct Line' },
    emulator: { vi: 'Bot Framework Emulator', en: 'Bot Framework Emulator' },
  } as Record<string, { vi: string; en: string }>,
} as const;

/** The payload a hero-card button carries back in the activity's `value`. */
export interface CardButtonValue {
  quickReplyPayload: string;
}

/** What the gateway keeps to answer a person: the SDK's conversation reference of their last message. */
export type StoredReference = Partial<ConversationReference> & Pick<ConversationReference, 'conversation' | 'serviceUrl' | 'channelId'>;
