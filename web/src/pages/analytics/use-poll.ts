import { useEffect, useRef } from 'react';

/** Calls `tick` every `ms` while `active` (progress bars of imports and campaigns, template review). */
export function usePoll(tick: () => void, ms: number, active: boolean): void {
  const ref = useRef(tick);
  ref.current = tick;
  useEffect(() => {
    if (!active) return;
    const id = setInterval(() => ref.current(), ms);
    return () => clearInterval(id);
  }, [ms, active]);
}
