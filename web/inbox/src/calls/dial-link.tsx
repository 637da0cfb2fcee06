import { useEffect, useState, type ReactNode } from 'react';
import { request } from '../api.ts';
import { useI18n } from '../i18n/index.ts';
import type { TelephonyInfo } from '../../../../src/contracts/calls.ts';

let availability: Promise<boolean> | undefined;
/** Asked once per page: a switchboard that places calls does not come and go while one works. */
const clickToCall = () => (availability ??= request<TelephonyInfo>('GET', '/api/v1/telephony').then((r) => r.clickToCall && r.extension !== null).catch(() => false));

/**
 * Calls a citizen from the hotline's official number when a switchboard can place calls and the
 * operator has an extension (the switchboard rings their phone first); otherwise the `tel:` link
 * it wraps, which dials from the operator's own phone.
 */
export function DialLink({ what, children }: { what: { targetId?: number; contactId?: number; ticketId?: number; callId?: number; number?: string }; children: ReactNode }) {
  const { t } = useI18n();
  const [available, setAvailable] = useState(false);
  const [state, setState] = useState<'idle' | 'busy' | 'ringing' | 'failed'>('idle');
  useEffect(() => void clickToCall().then(setAvailable), []);
  if (!available) return <>{children}</>;
  return (
    <span className="dial">
      <button
        type="button"
        className="tel"
        disabled={state === 'busy'}
        onClick={() => {
          setState('busy');
          request('POST', '/api/v1/calls/dial', what).then(
            () => setState('ringing'),
            () => setState('failed'),
          );
        }}
      >
        {t('dial.button')}
      </button>
      {state === 'ringing' && <span className="hint">{t('dial.ringing')}</span>}
      {state === 'failed' && <span className="error">{t('dial.failed')}</span>}
    </span>
  );
}
