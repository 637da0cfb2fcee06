import { useCallback, useEffect, useState } from 'react';
import { api, type SignInState } from '../../api.ts';
import { useI18n } from '../../i18n/index.ts';

/** Steps after which nothing more will happen without the admin. */
const settled = new Set(['idle', 'expired', 'declined', 'signed_in', 'failed']);

/**
 * Signing a personal Zalo account in: the warning first (an unofficial client; Zalo may block an
 * account that sends too much), then the QR code zca-js produced, to scan with the account's
 * phone. The state is polled while a sign-in runs.
 */
export function PersonalZaloSignIn({ inboxId }: { inboxId: number }) {
  const { t } = useI18n();
  const [state, setState] = useState<SignInState | null>(null);
  const [error, setError] = useState<string | null>(null);
  const show = useCallback((e: unknown) => setError(t('app.error', { detail: e instanceof Error ? e.message : String(e) })), [t]);

  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = () =>
      api
        .signInState(inboxId)
        .then((next) => {
          if (stop) return;
          setState(next);
          if (!settled.has(next.step)) timer = setTimeout(poll, 2000);
        })
        .catch(show);
    if (state === null || !settled.has(state.step)) void poll();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [inboxId, show, state?.step]);

  const begin = () => {
    setError(null);
    api.beginSignIn(inboxId).then(setState).catch(show);
  };

  return (
    <div className="zalo-personal-sign-in" data-sign-in={state?.step ?? 'loading'}>
      <p className="warning" role="note">{t('admin.zaloPersonal.warning')}</p>
      {state?.step === 'waiting_scan' && (
        <figure>
          <img src={state.qrImage} alt={t('admin.zaloPersonal.qrAlt')} width={220} height={220} />
          <figcaption>{t('admin.zaloPersonal.scan')}</figcaption>
        </figure>
      )}
      {state?.step === 'scanned' && <p role="status">{t('admin.zaloPersonal.scanned', { name: state.displayName })}</p>}
      {state?.step === 'signed_in' && <p role="status">{t('admin.zaloPersonal.signedIn', { name: state.displayName ?? '' })}</p>}
      {state?.step === 'expired' && <p role="status">{t('admin.zaloPersonal.expired')}</p>}
      {state?.step === 'declined' && <p role="status">{t('admin.zaloPersonal.declined')}</p>}
      {state?.step === 'failed' && <p className="error">{t('admin.zaloPersonal.failed', { reason: state.reason })}</p>}
      {(state === null || settled.has(state.step)) && (
        <button type="button" onClick={begin}>
          {t('admin.zaloPersonal.begin')}
        </button>
      )}
      {error && <p className="error">{error}</p>}
    </div>
  );
}
