import { useEffect, useState } from 'react';
import { request } from '../api.ts';
import { useI18n } from '../i18n/index.ts';

/**
 * The operator's note on a call, written once it is over: saved on the call itself
 * (`PUT /api/v1/calls/:id/note`), where the calls list shows it and it can be corrected.
 */
export function CallNote({ callId, initial, onSaved }: { callId: number; initial: string | null; onSaved?(notes: string): void }) {
  const { t } = useI18n();
  const [notes, setNotes] = useState(initial ?? '');
  const [saved, setSaved] = useState(initial ?? '');
  const [state, setState] = useState<'idle' | 'busy' | 'saved' | 'failed'>('idle');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setNotes(initial ?? '');
    setSaved(initial ?? '');
  }, [callId, initial]);

  async function save(e: React.FormEvent) {
    e.preventDefault();
    setState('busy');
    try {
      await request('PUT', `/api/v1/calls/${callId}/note`, { notes: notes.trim() });
      setSaved(notes.trim());
      setState('saved');
      onSaved?.(notes.trim());
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
      setState('failed');
    }
  }

  return (
    <form className="call-note" onSubmit={(e) => void save(e)}>
      <label>
        {t('callNote.label')}
        <textarea name="call-note" rows={3} maxLength={5000} value={notes} onChange={(e) => (setNotes(e.target.value), setState('idle'))} />
      </label>
      <button type="submit" disabled={state === 'busy' || notes.trim() === saved}>
        {t('callNote.save')}
      </button>
      {state === 'saved' && <span role="status">{t('callNote.saved')}</span>}
      {state === 'failed' && <span className="error">{error}</span>}
    </form>
  );
}
