import { useState } from 'react';
import { api, ApiError, type Label } from '../api.ts';
import { useI18n } from '../i18n/index.ts';

const hexColor = /^#[0-9a-f]{6}$/i;

/** A label as a small coloured tag; the colour is set through the style object (CSSOM), which
 * the inbox's CSP allows, and only when it is a plain #rrggbb. */
export function LabelChip({ label, onRemove }: { label: Label; onRemove?: () => void }) {
  const { t } = useI18n();
  const color = label.color && hexColor.test(label.color) ? label.color : undefined;
  return (
    <span className="label-chip" data-label-id={label.id} style={color ? { borderColor: color, boxShadow: `inset 4px 0 ${color}` } : undefined}>
      {label.name}
      {onRemove && (
        <button type="button" className="remove" aria-label={t('labels.remove', { name: label.name })} title={t('labels.remove', { name: label.name })} onClick={onRemove}>
          ×
        </button>
      )}
    </span>
  );
}

/** The labels of one conversation: shown, taken off with ×, put on from a menu. */
export function ConversationLabels({ conversationId, labelIds, labels, onChange }: { conversationId: number; labelIds: number[]; labels: Label[]; onChange(labelIds: number[]): void }) {
  const { t } = useI18n();
  const [error, setError] = useState<string | null>(null);
  const set = async (labelId: number, on: boolean) => {
    setError(null);
    try {
      const result = await api.setLabel(conversationId, labelId, on);
      onChange(result.labelIds);
    } catch (e) {
      setError(t('app.error', { detail: e instanceof ApiError ? e.message : String(e) }));
    }
  };
  const available = labels.filter((l) => !labelIds.includes(l.id));
  return (
    <div className="conv-labels">
      {labelIds.map((id) => {
        const label = labels.find((l) => l.id === id);
        return label ? <LabelChip key={id} label={label} onRemove={() => void set(id, false)} /> : null;
      })}
      {available.length > 0 && (
        <select aria-label={t('labels.add')} value="" onChange={(e) => e.target.value && void set(Number(e.target.value), true)}>
          <option value="">{t('labels.add')}</option>
          {available.map((l) => (
            <option key={l.id} value={l.id}>
              {l.name}
            </option>
          ))}
        </select>
      )}
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
