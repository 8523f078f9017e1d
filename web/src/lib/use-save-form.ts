import { useState } from 'react';
import { errorMessage } from './api.ts';
import { useToast } from './ui/index.ts';

/**
 * A settings form's submit: `saving` while the request runs, the API's error message under the
 * form when it fails, a toast when it succeeds. `submit(event, action)` is the form's onSubmit.
 */
export function useSaveForm(successMessage: string) {
  const toast = useToast();
  const [error, setError] = useState<string>();
  const [saving, setSaving] = useState(false);
  async function submit(e: React.FormEvent, action: () => Promise<void>) {
    e.preventDefault();
    setSaving(true);
    setError(undefined);
    try {
      await action();
      toast.show(successMessage, 'success');
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setSaving(false);
    }
  }
  return { error, saving, submit };
}
