/**
 * A one-way text to a citizen's phone number or address, outside any conversation: an SMS
 * gateway today, Zalo's ZNS template messages later. Transports live beside the channels
 * (`src/channels/<name>/`); desks know them only by this contract, and the app hands them the
 * transports the deployment configures. Unlike a channel, nothing comes back in on a transport.
 */
export interface NoticeTransport {
  /** Its name in `care.noticeOrder` and in the records of who was told how (`sms`). */
  readonly name: string;
  /** Which of the citizen's addresses it takes: a phone number (84xxxxxxxxx) or an email address. */
  readonly reaches: 'phone' | 'email';
  /**
   * Sends `text` to `to`. Resolves once the provider accepted it. Rejects with a ChannelError
   * (its `channel` is the transport's name) whose kind and `retryable` the transport mapped from
   * the provider's answer, in one function of its own api-client.
   */
  send(to: string, text: string, signal?: AbortSignal): Promise<void>;
}
