import { useCallback, useRef, useState } from 'react';
import { uploadFile, type Upload } from '../api.ts';
import type { Translate } from '../i18n/index.ts';
import { fileSize } from './message-files.tsx';

/** One file on its way into a reply: uploading (with progress), ready, or refused. */
export interface PendingFile {
  key: number;
  name: string;
  size: number;
  progress: number;
  upload?: Upload;
  error?: string;
}

/** The files of the reply being written; each is uploaded as soon as it is picked or dropped. */
export function useUploads() {
  const [files, setFiles] = useState<PendingFile[]>([]);
  const next = useRef(1);
  const update = (key: number, change: Partial<PendingFile>) => setFiles((all) => all.map((f) => (f.key === key ? { ...f, ...change } : f)));

  const add = useCallback((list: FileList | File[]) => {
    for (const file of Array.from(list)) {
      const key = next.current++;
      setFiles((all) => [...all, { key, name: file.name, size: file.size, progress: 0 }]);
      uploadFile(file, (progress) => update(key, { progress }))
        .then((upload) => update(key, { upload, progress: 1 }))
        .catch((error: unknown) => update(key, { error: error instanceof Error ? error.message : String(error) }));
    }
  }, []);

  /** A file already stored (a canned answer's form template), ready at once. */
  const addReady = useCallback((upload: Upload) => {
    const key = next.current++;
    setFiles((all) => [...all, { key, name: upload.name ?? upload.kind, size: upload.size, progress: 1, upload }]);
  }, []);

  return {
    files,
    add,
    addReady,
    remove: (key: number) => setFiles((all) => all.filter((f) => f.key !== key)),
    clear: () => setFiles([]),
    uploading: files.some((f) => !f.upload && !f.error),
    ready: files.flatMap((f) => (f.upload ? [f.upload.id] : [])),
  };
}

/** The reply's files with their upload progress, each removable. */
export function UploadList({ uploads, t, locale }: { uploads: ReturnType<typeof useUploads>; t: Translate; locale: string }) {
  if (!uploads.files.length) return null;
  return (
    <ul className="reply-files" aria-live="polite">
      {uploads.files.map((file) => (
        <li key={file.key} className={file.error ? 'failed' : file.upload ? 'ready' : 'uploading'}>
          <span className="file-name">{file.name}</span> <span className="file-size">{fileSize(file.size, locale)}</span>
          {!file.upload && !file.error && <progress max={1} value={file.progress} aria-label={t('file.uploading', { name: file.name })} />}
          {file.error && <span className="file-state">{t('file.uploadFailed', { name: file.name, detail: file.error })}</span>}
          <button type="button" className="ghost" aria-label={t('file.remove', { name: file.name })} onClick={() => uploads.remove(file.key)}>
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}
