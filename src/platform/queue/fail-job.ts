import type { Trx } from '../db/database.ts';
import type { LeasedRef } from './complete-job.ts';
import type { ResolvedKindOptions } from './registry.ts';

/** Fraction of the delay jitter may add or remove (±20%). */
export const BACKOFF_JITTER = 0.2;

/**
 * Delay before retry number `attempt` + 1 after attempt `attempt` failed (attempt ≥ 1):
 * base·2^(attempt−1), capped at max, then ±20% jitter so jobs that failed together (an outage) do
 * not all retry in the same instant. The cap applies after jitter too.
 */
export function backoffDelayMs(attempt: number, options: Pick<ResolvedKindOptions, 'backoffBaseMs' | 'backoffMaxMs'>, random: () => number = Math.random): number {
  const exp = Math.min(options.backoffMaxMs, options.backoffBaseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = exp * (1 - BACKOFF_JITTER + 2 * BACKOFF_JITTER * random());
  return Math.round(Math.min(options.backoffMaxMs, jittered));
}

export interface FailInput {
  ref: LeasedRef;
  /** Attempts counted so far (including the one that failed). */
  attempts: number;
  error: string;
  nowMs: number;
  options: ResolvedKindOptions;
  random?: () => number;
}

export type FailOutcome = { outcome: 'retry'; runAt: number } | { outcome: 'dead' } | { outcome: 'lease_lost' };

/** Longest error text kept on a job row. */
const MAX_ERROR_CHARS = 4_000;

/**
 * Records a failed attempt, fenced by the lease token: reschedules with backoff, or moves the job to
 * the dead state once it has used its attempts. A late worker whose lease was taken over changes
 * nothing.
 */
export async function failJob(trx: Trx, input: FailInput): Promise<FailOutcome> {
  const error = input.error.slice(0, MAX_ERROR_CHARS);
  const dead = input.attempts >= input.options.maxAttempts;
  const runAt = dead ? input.nowMs : input.nowMs + backoffDelayMs(input.attempts, input.options, input.random);
  const r = await trx
    .updateTable('jobs')
    .set({
      state: dead ? 'dead' : 'ready',
      dead_at: dead ? input.nowMs : null,
      run_at: runAt,
      lease_token: null,
      lease_expires_at: null,
      locked_by: null,
      last_error: error,
    })
    .where('id', '=', input.ref.id)
    .where('lease_token', '=', input.ref.leaseToken)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) !== 1) return { outcome: 'lease_lost' };
  return dead ? { outcome: 'dead' } : { outcome: 'retry', runAt };
}

export function errorText(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  try {
    return typeof err === 'string' ? err : JSON.stringify(err);
  } catch {
    return String(err);
  }
}
