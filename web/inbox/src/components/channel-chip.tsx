import { channelName } from '../format.ts';
import { useI18n } from '../i18n/index.ts';

/** A conversation's or identity's channel as a chip: the mark, name and colour its folder declares. */
export function ChannelChip({ channel }: { channel: string }) {
  const { t, channels } = useI18n();
  const listing = channels.find((c) => c.key === channel);
  return (
    <span className="chip" style={listing ? { borderColor: listing.color } : undefined}>
      {listing && (
        <span className="chip-icon" aria-hidden="true">
          {listing.icon}{' '}
        </span>
      )}
      {channelName(t, channel)}
    </span>
  );
}
