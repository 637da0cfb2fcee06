import { useState, type FormEvent } from 'react';
import { api, ApiError, type SignedIn } from '../api.ts';
import { useI18n } from '../i18n/index.ts';
import { ErrorLine } from './error-line.tsx';

export function SignIn({ onSignedIn, notice }: { onSignedIn(signedIn: SignedIn): void; notice?: string | null }) {
  const { t, locale, setLocale } = useI18n();
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [needsTotp, setNeedsTotp] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await api.login(login.trim(), password, needsTotp ? totp.replace(/\s/g, '') : undefined));
    } catch (e) {
      if (e instanceof ApiError && e.code === 'mfa_required') {
        setNeedsTotp(true);
      } else if (e instanceof ApiError && e.status === 429) {
        setError(t('signIn.throttled'));
      } else {
        setError(t('signIn.failed'));
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sign-in">
      <form onSubmit={(e) => void submit(e)} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">{t('signIn.title')}</h1>
        {notice && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
        <label>
          {t('signIn.login')}
          <input name="login" autoComplete="username" required value={login} onChange={(e) => setLogin(e.target.value)} autoFocus />
        </label>
        <label>
          {t('signIn.password')}
          <input name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        {needsTotp && (
          <>
            <p className="hint">{t('signIn.totpHint')}</p>
            <label>
              {t('signIn.totp')}
              <input name="totp" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9 ]{6,8}" required value={totp} onChange={(e) => setTotp(e.target.value)} autoFocus />
            </label>
          </>
        )}
        <ErrorLine message={error} />
        <button type="submit" disabled={busy}>
          {busy ? t('signIn.busy') : t('signIn.submit')}
        </button>
        <button type="button" className="link" onClick={() => setLocale(locale === 'vi' ? 'en' : 'vi')}>
          {t('lang.switch')}
        </button>
      </form>
    </main>
  );
}
