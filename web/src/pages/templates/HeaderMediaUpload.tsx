import { useId, useState } from 'react';
import { api, errorMessage } from '../../lib/api.ts';
import type { HeaderMedia } from './draft.ts';

const ACCEPT: Record<string, string> = { IMAGE: 'image/jpeg,image/png', VIDEO: 'video/mp4', DOCUMENT: 'application/pdf' };
const NOUN: Record<string, string> = { IMAGE: 'image', VIDEO: 'video', DOCUMENT: 'document' };

/**
 * A media header's sample: the file is uploaded at once (POST /api/v1/templates/media, which
 * checks Meta's type and size limits and answers the handle Meta reviews the template with).
 */
export function HeaderMediaUpload({ kind, media, error, onUploaded }: { kind: 'IMAGE' | 'VIDEO' | 'DOCUMENT'; media: HeaderMedia | null; error?: string | undefined; onUploaded: (m: HeaderMedia) => void }) {
  const id = useId();
  const [busy, setBusy] = useState(false);
  const [uploadError, setUploadError] = useState<string>();
  const shown = uploadError ?? (media ? undefined : error);

  async function upload(file: File) {
    setBusy(true);
    setUploadError(undefined);
    try {
      const form = new FormData();
      form.append('file', file, file.name);
      const r = await api.post<HeaderMedia>('/api/v1/templates/media', form);
      if (r.headerFormat !== kind) throw new Error(`That file is a ${NOUN[r.headerFormat] ?? r.headerFormat.toLowerCase()}, not a ${NOUN[kind]}.`);
      onUploaded(r);
    } catch (err) {
      setUploadError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className={shown ? 'field field-invalid' : 'field'}>
      <label htmlFor={id} className="field-label">
        Sample {NOUN[kind]} for Meta's review
      </label>
      <input
        id={id}
        className="input"
        type="file"
        accept={ACCEPT[kind]}
        disabled={busy}
        aria-describedby={`${id}-state`}
        aria-invalid={shown ? true : undefined}
        onChange={(e) => {
          const f = e.target.files?.[0];
          if (f) void upload(f);
        }}
      />
      <p id={`${id}-state`} className={shown ? 'field-error' : 'field-hint'} role={shown ? 'alert' : 'status'} data-testid="header-media-state">
        {busy ? 'Uploading…' : shown ? shown : media ? `Uploaded ${media.fileName} (${media.mimeType})` : 'Choose a file: it is uploaded at once.'}
      </p>
    </div>
  );
}
