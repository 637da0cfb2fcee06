import { ChannelChip } from './channel-chip.tsx';
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, type ContactDetail, type ContactMatch } from '../api.ts';
import { channelName, time } from '../format.ts';
import { useI18n } from '../i18n/index.ts';
import { navigate } from '../route.ts';
import { ErrorLine } from './error-line.tsx';
import { DialLink } from '../calls/dial-link.tsx';

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * The citizen behind a conversation: their identities on each channel, their conversations on
 * every channel, corrections to name, phone and email, and merging in a duplicate record.
 * Each opening reads personal data and is audited by the server.
 */
export function ContactPanel({ contactId, currentConversationId, onChanged }: { contactId: number; currentConversationId: number; onChanged(conversationIds: number[]): void }) {
  const { t, locale } = useI18n();
  const [contact, setContact] = useState<ContactDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);

  const load = useCallback(async () => {
    try {
      setContact(await api.contact(contactId));
      setError(null);
    } catch (e) {
      setError(e instanceof ApiError && e.status === 403 ? t('contact.forbidden') : t('app.error', { detail: errorText(e) }));
    }
  }, [contactId, t]);

  useEffect(() => {
    void load();
  }, [load]);

  if (!contact) {
    return (
      <aside className="contact-panel" id="contact-panel" aria-label={t('contact.title')}>
        <p className={error ? 'error' : 'empty'} role={error ? 'alert' : undefined}>
          {error ?? t('app.loading')}
        </p>
      </aside>
    );
  }

  return (
    <aside className="contact-panel" id="contact-panel" aria-label={t('contact.title')}>
      <h3>{t('contact.title')}</h3>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <ErrorLine message={error} />
      {editing ? (
        <ContactForm
          contact={contact}
          onCancel={() => setEditing(false)}
          onSaved={(next) => {
            setContact(next);
            setEditing(false);
            setNotice(t('contact.saved'));
            // Every conversation of this person shows the name in the list.
            onChanged(next.conversations.map((c) => c.id));
          }}
        />
      ) : (
        <dl className="contact-fields">
          <dt>{t('contact.name')}</dt>
          <dd data-field="name">{contact.name ?? '—'}</dd>
          <dt>{t('contact.phone')}</dt>
          <dd data-field="phone">
            {contact.phone ?? '—'}
            {contact.phone && (
              <>
                {' '}
                <DialLink what={{ contactId: contact.id }}>{null}</DialLink>
              </>
            )}
          </dd>
          <dt>{t('contact.email')}</dt>
          <dd data-field="email">{contact.email ?? '—'}</dd>
          <dd>
            <button type="button" className="ghost" onClick={() => (setNotice(null), setEditing(true))}>
              {t('contact.edit')}
            </button>
          </dd>
        </dl>
      )}

      <h4>{t('contact.identities')}</h4>
      <ul className="identities">
        {contact.identities.map((identity) => (
          <li key={identity.id} data-channel={identity.channel}>
            <ChannelChip channel={identity.channel} /> {identity.inboxName}
            <div className="meta">
              {identity.displayName && <span>{identity.displayName} · </span>}
              <span className="external-id">{identity.externalUserId}</span>
              {identity.following !== null && identity.following !== undefined && (
                <span className={`following ${identity.following ? 'yes' : 'no'}`}> · {t(identity.following ? 'contact.following' : 'contact.notFollowing')}</span>
              )}
            </div>
          </li>
        ))}
      </ul>

      <h4>{t('contact.history')}</h4>
      <ul className="history">
        {contact.conversations.map((c) => (
          <li key={c.id} data-history-id={c.id}>
            {c.id === currentConversationId ? (
              <strong>#{c.id}</strong>
            ) : (
              <a
                href={`/inbox/c/${c.id}`}
                onClick={(e) => {
                  e.preventDefault();
                  navigate({ name: 'conversation', id: c.id });
                }}
              >
                #{c.id}
              </a>
            )}{' '}
            <ChannelChip channel={c.channel} /> <span className="meta">{time(locale, c.lastMessageAt)}</span>
          </li>
        ))}
      </ul>

      <MergeContacts
        contact={contact}
        onMerged={(next, mergedName) => {
          setContact(next);
          setNotice(t('contact.merged', { name: mergedName }));
          onChanged(next.conversations.map((c) => c.id));
        }}
      />
    </aside>
  );
}

function ContactForm({ contact, onSaved, onCancel }: { contact: ContactDetail; onSaved(next: ContactDetail): void; onCancel(): void }) {
  const { t } = useI18n();
  const [name, setName] = useState(contact.name ?? '');
  const [phone, setPhone] = useState(contact.phone ? `0${contact.phone.replace(/^84/, '')}` : '');
  const [email, setEmail] = useState(contact.email ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSaved(await api.updateContact(contact.id, { name: name.trim() || null, phone: phone.trim() || null, email: email.trim() || null }));
    } catch (e) {
      setError(e instanceof ApiError && e.code === 'invalid_phone' ? t('contact.badPhone') : e instanceof ApiError && e.status === 400 ? t('contact.badInput') : t('app.error', { detail: errorText(e) }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="contact-form" onSubmit={(e) => void submit(e)}>
      <label>
        {t('contact.name')}
        <input name="contact-name" value={name} maxLength={200} onChange={(e) => setName(e.target.value)} />
      </label>
      <label>
        {t('contact.phone')}
        <input name="contact-phone" inputMode="tel" value={phone} maxLength={24} onChange={(e) => setPhone(e.target.value)} />
      </label>
      <label>
        {t('contact.email')}
        <input name="contact-email" type="email" value={email} maxLength={254} onChange={(e) => setEmail(e.target.value)} />
      </label>
      <ErrorLine message={error} />
      <div className="form-bar">
        <button type="submit" disabled={busy}>
          {t('form.save')}
        </button>
        <button type="button" className="ghost" onClick={onCancel}>
          {t('form.cancel')}
        </button>
      </div>
    </form>
  );
}

function MergeContacts({ contact, onMerged }: { contact: ContactDetail; onMerged(next: ContactDetail, mergedName: string): void }) {
  const { t } = useI18n();
  const [q, setQ] = useState('');
  const [results, setResults] = useState<ContactMatch[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const search = async (event: FormEvent) => {
    event.preventDefault();
    if (q.trim().length < 2) return;
    setError(null);
    try {
      setResults((await api.searchContacts(q.trim())).items.filter((c) => c.id !== contact.id));
    } catch (e) {
      setError(t('app.error', { detail: errorText(e) }));
    }
  };

  const merge = async (other: ContactMatch) => {
    const name = other.name ?? other.phone ?? other.email ?? `#${other.id}`;
    if (!window.confirm(t('contact.mergeConfirm', { other: name, kept: contact.name ?? `#${contact.id}` }))) return;
    setError(null);
    try {
      onMerged(await api.mergeContact(contact.id, other.id), name);
      setResults(null);
      setQ('');
    } catch (e) {
      setError(t('app.error', { detail: errorText(e) }));
    }
  };

  return (
    <section className="merge">
      <h4>{t('contact.mergeTitle')}</h4>
      <p className="hint">{t('contact.mergeHint')}</p>
      <form className="merge-search" onSubmit={(e) => void search(e)}>
        <input type="search" name="merge-q" aria-label={t('contact.mergeSearch')} placeholder={t('contact.mergeSearch')} value={q} minLength={2} maxLength={200} onChange={(e) => setQ(e.target.value)} />
        <button type="submit" className="ghost">
          {t('contact.find')}
        </button>
      </form>
      <ErrorLine message={error} />
      {results && results.length === 0 && <p className="hint">{t('contact.noMatch')}</p>}
      {results && results.length > 0 && (
        <ul className="merge-results">
          {results.map((c) => (
            <li key={c.id} data-contact-id={c.id}>
              <div>
                <strong>{c.name ?? '—'}</strong>
                <div className="meta">
                  {[c.phone, c.email].filter(Boolean).join(' · ')} {c.channels.map((ch) => channelName(t, ch)).join(', ')}
                </div>
              </div>
              <button type="button" onClick={() => void merge(c)}>
                {t('contact.mergeButton')}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
