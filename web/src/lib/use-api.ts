import { useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage } from './api.ts';

export interface Loadable<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  /** Loads again (after a change); keeps showing the old data meanwhile. */
  reload: () => void;
  setData: (update: T | ((old: T | undefined) => T)) => void;
}

/**
 * Loads something when the component mounts and again whenever `deps` change; an answer to an
 * older request never overwrites a newer one (the signal aborts it).
 */
export function useApi<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[]): Loadable<T> {
  const [data, setDataState] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [attempt, setAttempt] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    loadRef.current(controller.signal).then(
      (value) => {
        if (controller.signal.aborted) return;
        setDataState(value);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setError(errorMessage(err));
        setLoading(false);
      },
    );
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, attempt]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  const setData = useCallback((update: T | ((old: T | undefined) => T)) => {
    setDataState((old) => (typeof update === 'function' ? (update as (o: T | undefined) => T)(old) : update));
  }, []);
  return { data, error, loading, reload, setData };
}
