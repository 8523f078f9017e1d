import { PALETTE } from '../../lib/ui/index.ts';
import { fmtInt, fmtPct } from './format.ts';

export interface FunnelStep {
  label: string;
  value: number;
}

/**
 * A horizontal funnel: one bar per step, its width relative to the first step, with the count,
 * the share of the first step and the step-to-step conversion written next to it (so the numbers
 * never depend on seeing the bars). A real list, so screen readers read it in order.
 */
export function Funnel({ title, steps }: { title: string; steps: readonly FunnelStep[] }) {
  const top = Math.max(1, steps[0]?.value ?? 0);
  return (
    <figure className="funnel">
      <figcaption className="funnel-title">{title}</figcaption>
      <ol className="funnel-steps">
        {steps.map((s, i) => {
          const prev = i > 0 ? steps[i - 1]!.value : undefined;
          const pct = Math.max(0, Math.min(100, (s.value / top) * 100));
          return (
            <li key={s.label} className="funnel-step">
              <span className="funnel-label">{s.label}</span>
              <span className="funnel-bar-track" aria-hidden="true">
                <span className="funnel-bar" style={{ width: `${pct}%`, background: PALETTE[i % PALETTE.length] }} />
              </span>
              <span className="funnel-value">
                <strong>{fmtInt(s.value)}</strong>
                <span className="muted">
                  {' '}
                  {i === 0 ? '' : `${fmtPct(s.value, top)} of ${steps[0]!.label.toLowerCase()}`}
                  {prev !== undefined && i > 1 ? ` · ${fmtPct(s.value, prev)} of ${steps[i - 1]!.label.toLowerCase()}` : ''}
                </span>
              </span>
            </li>
          );
        })}
      </ol>
    </figure>
  );
}
