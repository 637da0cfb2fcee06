import { useState, type FormEvent } from 'react';
import { api, ApiError, type Agent } from '../api.ts';
import { passwordReason } from '../format.ts';
import { useI18n } from '../i18n/index.ts';
import { ErrorLine } from './error-line.tsx';

/** The agent's own account: a new password, and two-factor sign-in. */
export function AccountView({ agent, onSignedOut }: { agent: Agent; onSignedOut(message: string): void }) {
  const { t } = useI18n();
  return (
    <main className="account">
      <h2>{t('account.title', { name: agent.displayName })}</h2>
      <PasswordForm onChanged={() => onSignedOut(t('account.password.done'))} />
      <section className="card">
        <h3>{t('mfa.title')}</h3>
        <p className="hint">{t('mfa.reset')}</p>
        <MfaSetup onEnabled={() => undefined} />
      </section>
    </main>
  );
}

function PasswordForm({ onChanged }: { onChanged(): void }) {
  const { t } = useI18n();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    if (next !== again) return setError(t('account.password.mismatch'));
    setBusy(true);
    try {
      await api.changePassword(current, next);
      onChanged();
    } catch (e) {
      if (e instanceof ApiError && e.code === 'invalid_credentials') setError(t('account.password.wrong'));
      else if (e instanceof ApiError && e.code === 'weak_password') setError(t('account.password.weak', { reason: passwordReason(t, e.message) }));
      else setError(t('app.error', { detail: e instanceof Error ? e.message : String(e) }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card stacked" onSubmit={(e) => void submit(e)} aria-labelledby="password-title">
      <h3 id="password-title">{t('account.password.title')}</h3>
      <p className="hint">{t('account.password.hint')}</p>
      <label>
        {t('account.password.current')}
        <input name="current-password" type="password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} />
      </label>
      <label>
        {t('account.password.next')}
        <input name="new-password" type="password" autoComplete="new-password" required minLength={12} maxLength={1024} value={next} onChange={(e) => setNext(e.target.value)} />
      </label>
      <label>
        {t('account.password.again')}
        <input name="new-password-again" type="password" autoComplete="new-password" required value={again} onChange={(e) => setAgain(e.target.value)} />
      </label>
      <ErrorLine message={error} />
      <button type="submit" disabled={busy}>
        {t('account.password.submit')}
      </button>
    </form>
  );
}

/**
 * TOTP setup: the server makes a secret, the agent adds it to an authenticator app (scanning the
 * QR code, typing the key, or opening the otpauth link on the phone), then proves it with a code.
 */
export function MfaSetup({ onEnabled }: { onEnabled(): void }) {
  const { t } = useI18n();
  const [setup, setSetup] = useState<{ secret: string; uri: string; qrSvg: string } | null>(null);
  const [code, setCode] = useState('');
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const begin = async () => {
    setError(null);
    setDone(false);
    try {
      setSetup(await api.beginMfa());
    } catch (e) {
      setError(t('app.error', { detail: e instanceof Error ? e.message : String(e) }));
    }
  };
  const enable = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      await api.enableMfa(code.replace(/\s/g, ''));
      setDone(true);
      setSetup(null);
      setCode('');
      onEnabled();
    } catch (e) {
      setError(e instanceof ApiError && e.code === 'invalid_code' ? t('mfa.wrongCode') : t('app.error', { detail: e instanceof Error ? e.message : String(e) }));
    }
  };

  return (
    <div className="mfa">
      {done && (
        <p className="notice" role="status">
          {t('mfa.done')}
        </p>
      )}
      {!setup ? (
        <button type="button" onClick={() => void begin()}>
          {t('mfa.start')}
        </button>
      ) : (
        <form className="stacked" onSubmit={(e) => void enable(e)}>
          <ol className="steps">
            <li>{t('mfa.step1')}</li>
            <li>
              {t('mfa.step2')}
              <img className="mfa-qr" width={200} height={200} alt={t('mfa.qr')} src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(setup.qrSvg)}`} />
              <div className="secret" data-secret>
                {setup.secret.replace(/(.{4})/g, '$1 ').trim()}
              </div>
              <details>
                <summary>{t('mfa.uri')}</summary>
                <code className="uri">{setup.uri}</code>
              </details>
            </li>
            <li>{t('mfa.step3')}</li>
          </ol>
          <label>
            {t('signIn.totp')}
            <input name="mfa-code" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9 ]{6,8}" required value={code} onChange={(e) => setCode(e.target.value)} />
          </label>
          <button type="submit">{t('mfa.enable')}</button>
        </form>
      )}
      <ErrorLine message={error} />
    </div>
  );
}

/** What an admin without two-factor sign-in sees until they set it up (the server refuses
 * everything else meanwhile). */
export function MfaRequired({ onEnabled, onSignOut }: { onEnabled(): void; onSignOut(): void }) {
  const { t } = useI18n();
  return (
    <main className="sign-in">
      <section className="card stacked mfa-required" aria-labelledby="mfa-required-title">
        <h1 id="mfa-required-title">{t('mfa.title')}</h1>
        <p>{t('signIn.mfaSetup')}</p>
        <MfaSetup onEnabled={onEnabled} />
        <button type="button" className="link" onClick={onSignOut}>
          {t('signOut.here')}
        </button>
      </section>
    </main>
  );
}
