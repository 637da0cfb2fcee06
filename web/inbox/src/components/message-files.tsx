import { useState } from 'react';
import type { MessageFile } from '../api.ts';
import type { Translate } from '../i18n/index.ts';

/** "1,2 MB", "58 kB": the size an agent reads at a glance. */
export function fileSize(bytes: number | null, locale: string): string {
  if (bytes === null) return '';
  const format = (n: number) => n.toLocaleString(locale === 'en' ? 'en-GB' : 'vi-VN', { maximumFractionDigits: 1 });
  if (bytes >= 1024 * 1024) return `${format(bytes / 1024 / 1024)} MB`;
  if (bytes >= 1024) return `${format(Math.round(bytes / 1024))} kB`;
  return `${bytes} B`;
}

/** A short label for the file's type, shown in its icon. */
function typeLabel(file: MessageFile): string {
  const type = file.mimeType ?? '';
  if (type === 'application/pdf') return 'PDF';
  if (/word/.test(type) || /opendocument\.text/.test(type)) return 'DOC';
  if (/sheet|excel|csv/.test(type)) return 'XLS';
  if (/presentation|powerpoint/.test(type)) return 'PPT';
  if (type.startsWith('audio/')) return '♪';
  if (type.startsWith('video/')) return '▶';
  if (type === 'application/zip') return 'ZIP';
  return (file.name?.split('.').pop() ?? 'FILE').slice(0, 4).toUpperCase();
}

/**
 * A message's files: pictures as previews (click to enlarge), documents as an icon with their
 * name and size, what is not stored with its state, stickers, locations and links as what they are.
 */
export function MessageFiles({ files, t, locale }: { files: MessageFile[]; t: Translate; locale: string }) {
  const [enlarged, setEnlarged] = useState<MessageFile | null>(null);
  if (!files.length) return null;
  return (
    <ul className="files">
      {files.map((file, i) => {
        if (file.id === null) {
          if (file.kind === 'sticker') return <li key={i} className="file other">{t('file.sticker')}</li>;
          if (file.kind === 'location') {
            const { latitude, longitude } = (file.meta ?? {}) as { latitude?: number; longitude?: number };
            return (
              <li key={i} className="file other">
                {t('file.location')}
                {latitude !== undefined && longitude !== undefined ? `: ${latitude}, ${longitude}` : ''}
              </li>
            );
          }
          return (
            <li key={i} className="file other">
              {t('file.link')}:{' '}
              {file.url ? (
                <a href={file.url} target="_blank" rel="noopener noreferrer">
                  {file.name ?? file.url}
                </a>
              ) : (
                (file.name ?? '')
              )}
            </li>
          );
        }
        if (file.state !== 'stored' || !file.url) {
          return (
            <li key={i} className={`file not-stored state-${file.state}`}>
              <span className="file-icon" aria-hidden="true">
                !
              </span>
              <span className="file-name">{file.name ?? file.kind}</span>{' '}
              <span className="file-state">
                {t(`file.state.${file.state}` as Parameters<Translate>[0])}
                {file.detail ? ` (${file.detail})` : ''}
              </span>
            </li>
          );
        }
        const label = file.name ?? `${file.kind}-${file.id}`;
        if (file.mimeType?.startsWith('image/')) {
          return (
            <li key={i} className="file image">
              <button type="button" className="preview" aria-label={t('file.enlarge', { name: label })} onClick={() => setEnlarged(file)}>
                <img src={file.url} alt={label} loading="lazy" />
              </button>
            </li>
          );
        }
        return (
          <li key={i} className="file document">
            <a href={`${file.url}?download=true`} aria-label={t('file.open', { name: label })}>
              <span className="file-icon" aria-hidden="true">
                {typeLabel(file)}
              </span>
              <span className="file-name">{label}</span> <span className="file-size">{fileSize(file.size, locale)}</span>
            </a>
            {file.mimeType === 'application/pdf' && (
              <a className="file-view" href={file.url} target="_blank" rel="noopener">
                ↗
              </a>
            )}
          </li>
        );
      })}
      {enlarged && (
        <li className="lightbox" role="dialog" aria-modal="true" aria-label={enlarged.name ?? enlarged.kind} onClick={() => setEnlarged(null)}>
          <img src={enlarged.url!} alt={enlarged.name ?? enlarged.kind} />
          <button type="button" onClick={() => setEnlarged(null)} autoFocus>
            {t('file.close')}
          </button>
        </li>
      )}
    </ul>
  );
}
