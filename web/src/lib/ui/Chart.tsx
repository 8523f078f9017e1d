import type { ReactNode } from 'react';

export interface Series {
  name: string;
  values: readonly number[];
  /** A CSS color; defaults to the palette. */
  color?: string;
}

export interface ChartProps {
  /** Read by screen readers, and the caption of the data table behind the chart. */
  title: string;
  labels: readonly string[];
  series: readonly Series[];
  kind?: 'bar' | 'line';
  height?: number;
  formatValue?: (v: number) => string;
}

export const PALETTE = ['#0f766e', '#2563eb', '#b45309', '#7c3aed', '#be123c', '#4d7c0f'];

/**
 * A small dependency-free SVG chart (bars or lines) with the same numbers in a visually hidden
 * table for screen readers. Pages that need richer charts may wrap a library here instead.
 */
export function Chart({ title, labels, series, kind = 'bar', height = 220, formatValue = (v) => v.toLocaleString() }: ChartProps) {
  const width = 640;
  const pad = { top: 12, right: 12, bottom: 28, left: 44 };
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const x = (i: number) => pad.left + (labels.length <= 1 ? innerW / 2 : (i * innerW) / (labels.length - 1));
  const y = (v: number) => pad.top + innerH - (v / max) * innerH;
  const groupW = innerW / Math.max(1, labels.length);
  const barW = Math.max(2, (groupW * 0.8) / Math.max(1, series.length));
  const every = Math.max(1, Math.ceil(labels.length / 8));
  let marks: ReactNode[] = [];
  if (kind === 'bar') {
    marks = series.flatMap((s, si) =>
      s.values.map((v, i) => (
        <rect key={`${si}-${i}`} x={pad.left + i * groupW + groupW * 0.1 + si * barW} y={y(v)} width={barW} height={pad.top + innerH - y(v)} fill={s.color ?? PALETTE[si % PALETTE.length]}>
          <title>{`${s.name}, ${labels[i]}: ${formatValue(v)}`}</title>
        </rect>
      )),
    );
  } else {
    marks = series.map((s, si) => (
      <polyline key={si} fill="none" strokeWidth={2} stroke={s.color ?? PALETTE[si % PALETTE.length]} points={s.values.map((v, i) => `${x(i)},${y(v)}`).join(' ')} />
    ));
  }
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={title} preserveAspectRatio="none">
        <line x1={pad.left} x2={width - pad.right} y1={pad.top + innerH} y2={pad.top + innerH} stroke="#9aa5a2" />
        <text x={pad.left - 6} y={pad.top + 8} textAnchor="end" fontSize="11" fill="#4a5753">
          {formatValue(max)}
        </text>
        <text x={pad.left - 6} y={pad.top + innerH} textAnchor="end" fontSize="11" fill="#4a5753">
          0
        </text>
        {marks}
        {labels.map((l, i) =>
          i % every === 0 ? (
            <text key={i} x={kind === 'bar' ? pad.left + i * groupW + groupW / 2 : x(i)} y={height - 8} textAnchor="middle" fontSize="11" fill="#4a5753">
              {l}
            </text>
          ) : null,
        )}
      </svg>
      {series.length > 1 && (
        <figcaption className="chart-legend">
          {series.map((s, si) => (
            <span key={s.name}>
              <span className="swatch" style={{ background: s.color ?? PALETTE[si % PALETTE.length] }} aria-hidden="true" />
              {s.name}
            </span>
          ))}
        </figcaption>
      )}
      <table className="visually-hidden">
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">Label</th>
            {series.map((s) => (
              <th key={s.name} scope="col">
                {s.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {labels.map((l, i) => (
            <tr key={i}>
              <th scope="row">{l}</th>
              {series.map((s) => (
                <td key={s.name}>{formatValue(s.values[i] ?? 0)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
