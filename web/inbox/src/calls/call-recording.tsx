import { useState } from 'react';
import { useI18n } from '../i18n/index.ts';

/**
 * A call's recording, played from the gateway's own route (the session cookie authorises the
 * browser's media requests; the switchboard's address never reaches the page). The player loads
 * only when the operator asks to listen: every listen is audited as a read of personal data.
 */
export function CallRecording({ callId, hasRecording }: { callId: number; hasRecording: boolean }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [failed, setFailed] = useState(false);
  if (!hasRecording) return <span className="muted recording-none">{t('recording.none')}</span>;
  if (!open) {
    return (
      <button type="button" className="ghost listen" onClick={() => setOpen(true)}>
        {t('recording.listen')}
      </button>
    );
  }
  if (failed) return <span className="error">{t('recording.unavailable')}</span>;
  return <audio className="recording" controls preload="metadata" src={`/api/v1/calls/${callId}/recording`} aria-label={t('recording.label')} onError={() => setFailed(true)} />;
}
