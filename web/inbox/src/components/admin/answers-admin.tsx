import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, uploadFile, type CannedAnswer, type Label, type Team } from '../../api.ts';
import { useI18n, type Translate } from '../../i18n/index.ts';
import { LabelChip } from '../labels.tsx';

function problem(t: Translate, e: unknown): string {
  if (e instanceof ApiError && (e.code === 'shortcut_taken' || e.code === 'label_exists')) return t('admin.taken');
  if (e instanceof ApiError && e.status === 400) return t('admin.invalid');
  return t('app.error', { detail: e instanceof Error ? e.message : String(e) });
}

// The file goes with the answer (a form template citizens fill in); its name is known only for a
// file picked in this form, an answer's stored file is shown by its link.
type Draft = { shortcut: string; title: string; body: string; teamId: string; attachmentId: number | null; fileName: string | null };
const empty: Draft = { shortcut: '', title: '', body: '', teamId: '', attachmentId: null, fileName: null };

/** Canned answers: the list, and one form for a new answer or the one being edited. */
export function CannedAdmin({ teams }: { teams: Team[] }) {
  const { t } = useI18n();
  const [answers, setAnswers] = useState<CannedAnswer[]>([]);
  const [editing, setEditing] = useState<number | null>(null);
  const [draft, setDraft] = useState<Draft>(empty);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [uploading, setUploading] = useState(false);
  const load = useCallback(() => void api.cannedAnswers().then(setAnswers).catch(() => undefined), []);

  const pickFile = async (file: File | undefined) => {
    if (!file) return;
    setError(null);
    setUploading(true);
    try {
      const upload = await uploadFile(file, () => undefined);
      setDraft((d) => ({ ...d, attachmentId: upload.id, fileName: upload.name ?? file.name }));
    } catch (e) {
      setError(e instanceof ApiError && (e.status === 413 || e.status === 415) ? t('admin.canned.fileRefused') : problem(t, e));
    } finally {
      setUploading(false);
    }
  };
  useEffect(load, [load]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    const input = { shortcut: draft.shortcut.trim().toLowerCase(), title: draft.title.trim(), body: draft.body, teamId: draft.teamId ? Number(draft.teamId) : null, attachmentId: draft.attachmentId };
    try {
      if (editing === null) await api.createCannedAnswer(input);
      else await api.updateCannedAnswer(editing, input);
      setNotice(t('admin.saved'));
      setEditing(null);
      setDraft(empty);
      load();
    } catch (e) {
      setError(problem(t, e));
    }
  };

  const remove = async (answer: CannedAnswer) => {
    if (!window.confirm(t('admin.canned.confirmDelete', { shortcut: answer.shortcut }))) return;
    try {
      await api.deleteCannedAnswer(answer.id);
      setNotice(t('admin.deleted'));
      load();
    } catch (e) {
      setError(problem(t, e));
    }
  };

  return (
    <>
      <p className="hint">{t('admin.canned.hint')}</p>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <table className="grid">
        <thead>
          <tr>
            <th>{t('admin.canned.shortcut')}</th>
            <th>{t('admin.canned.title')}</th>
            <th>{t('admin.canned.body')}</th>
            <th>{t('admin.canned.team')}</th>
            <th>{t('admin.canned.file')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {answers.map((a) => (
            <tr key={a.id} data-shortcut={a.shortcut}>
              <td>
                <code>/{a.shortcut}</code>
              </td>
              <td>{a.title}</td>
              <td className="body-cell">{a.body}</td>
              <td>{a.teamId === null ? t('admin.canned.everyone') : (teams.find((team) => team.id === a.teamId)?.name ?? `#${a.teamId}`)}</td>
              <td>{a.attachmentId ? <a href={`/api/v1/attachments/${a.attachmentId}`}>{t('admin.canned.fileLink')}</a> : null}</td>
              <td className="row-actions">
                <button
                  type="button"
                  className="ghost"
                  onClick={() => {
                    setEditing(a.id);
                    setNotice(null);
                    setDraft({ shortcut: a.shortcut, title: a.title, body: a.body, teamId: a.teamId === null ? '' : String(a.teamId), attachmentId: a.attachmentId ?? null, fileName: null });
                  }}
                >
                  {t('form.edit')}
                </button>
                <button type="button" className="ghost danger" onClick={() => void remove(a)}>
                  {t('form.delete')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="admin-form" onSubmit={(e) => void submit(e)} aria-label={editing === null ? t('admin.canned.new') : t('admin.canned.editing')}>
        <h3>{editing === null ? t('admin.canned.new') : t('admin.canned.editing')}</h3>
        <label>
          {t('admin.canned.shortcut')}
          <input name="shortcut" required pattern="[a-z0-9][a-z0-9._\-]{0,39}" title={t('admin.canned.shortcutRule')} value={draft.shortcut} onChange={(e) => setDraft({ ...draft, shortcut: e.target.value })} />
        </label>
        <label>
          {t('admin.canned.title')}
          <input name="title" required maxLength={120} value={draft.title} onChange={(e) => setDraft({ ...draft, title: e.target.value })} />
        </label>
        <label className="wide">
          {t('admin.canned.body')}
          <textarea name="body" required rows={4} maxLength={10_000} value={draft.body} onChange={(e) => setDraft({ ...draft, body: e.target.value })} />
        </label>
        <label>
          {t('admin.canned.team')}
          <select name="team" value={draft.teamId} onChange={(e) => setDraft({ ...draft, teamId: e.target.value })}>
            <option value="">{t('admin.canned.everyone')}</option>
            {teams.map((team) => (
              <option key={team.id} value={team.id}>
                {team.name}
              </option>
            ))}
          </select>
        </label>
        <div className="wide canned-file">
          <label>
            {t('admin.canned.file')}
            <input name="file" type="file" disabled={uploading} onChange={(e) => void pickFile(e.target.files?.[0])} />
          </label>
          {uploading && <span role="status">{t('admin.canned.uploading')}</span>}
          {draft.attachmentId !== null && (
            <span className="canned-file-current" data-attachment-id={draft.attachmentId}>
              {draft.fileName ?? <a href={`/api/v1/attachments/${draft.attachmentId}`}>{t('admin.canned.fileLink')}</a>}{' '}
              <button type="button" className="ghost" onClick={() => setDraft({ ...draft, attachmentId: null, fileName: null })}>
                {t('admin.canned.removeFile')}
              </button>
            </span>
          )}
        </div>
        {error && (
          <p className="error wide" role="alert">
            {error}
          </p>
        )}
        <div className="form-bar wide">
          <button type="submit" disabled={uploading}>{t('form.save')}</button>
          {editing !== null && (
            <button type="button" className="ghost" onClick={() => (setEditing(null), setDraft(empty))}>
              {t('form.cancel')}
            </button>
          )}
        </div>
      </form>
    </>
  );
}

/** Labels: create, rename and recolour, delete (taking it off every conversation). */
export function LabelsAdmin({ labels, onChanged }: { labels: Label[]; onChanged(): void }) {
  const { t } = useI18n();
  const [key, setKey] = useState('');
  const [name, setName] = useState('');
  const [color, setColor] = useState('#0b5cad');
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      await api.createLabel({ key: key.trim(), name: name.trim(), color });
      setKey('');
      setName('');
      setNotice(t('admin.saved'));
      onChanged();
    } catch (e) {
      setError(problem(t, e));
    }
  };
  const act = async (fn: () => Promise<unknown>, done: string) => {
    setError(null);
    try {
      await fn();
      setNotice(done);
      onChanged();
    } catch (e) {
      setError(problem(t, e));
    }
  };

  return (
    <>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <table className="grid">
        <thead>
          <tr>
            <th>{t('admin.labels.name')}</th>
            <th>{t('admin.labels.key')}</th>
            <th>{t('admin.labels.color')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {labels.map((l) => (
            <tr key={l.id} data-label={l.key}>
              <td>
                <LabelChip label={l} />
              </td>
              <td>
                <code>{l.key}</code>
              </td>
              <td>
                <input type="color" aria-label={t('admin.labels.color')} value={l.color ?? '#59636e'} onChange={(e) => void act(() => api.updateLabel(l.id, { color: e.target.value }), t('admin.saved'))} />
              </td>
              <td className="row-actions">
                <button
                  type="button"
                  className="ghost"
                  onClick={() => {
                    const next = window.prompt(t('admin.labels.rename'), l.name)?.trim();
                    if (next && next !== l.name) void act(() => api.updateLabel(l.id, { name: next }), t('admin.saved'));
                  }}
                >
                  {t('admin.labels.renameButton')}
                </button>
                <button type="button" className="ghost danger" onClick={() => window.confirm(t('admin.labels.confirmDelete', { name: l.name })) && void act(() => api.deleteLabel(l.id), t('admin.deleted'))}>
                  {t('form.delete')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="admin-form" onSubmit={(e) => void create(e)} aria-label={t('admin.labels.new')}>
        <h3>{t('admin.labels.new')}</h3>
        <label>
          {t('admin.labels.name')}
          <input name="label-name" required maxLength={60} value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          {t('admin.labels.key')}
          <input name="label-key" required pattern="[a-z0-9][a-z0-9\-]{0,39}" title={t('admin.labels.keyRule')} value={key} onChange={(e) => setKey(e.target.value)} />
        </label>
        <label>
          {t('admin.labels.color')}
          <input name="label-color" type="color" value={color} onChange={(e) => setColor(e.target.value)} />
        </label>
        {error && (
          <p className="error wide" role="alert">
            {error}
          </p>
        )}
        <div className="form-bar wide">
          <button type="submit">{t('form.create')}</button>
        </div>
      </form>
    </>
  );
}
