import type { JobHandler, JobKindOptions } from './types.ts';

export interface ResolvedKindOptions {
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export interface RegisteredKind {
  kind: string;
  handler: JobHandler<unknown>;
  options: ResolvedKindOptions;
  /** Set for recurring kinds: one perpetual row, rescheduled instead of deleted on completion. */
  recurring?: { everyMs: number };
}

export const DEFAULT_KIND_OPTIONS: ResolvedKindOptions = {
  maxAttempts: 10,
  backoffBaseMs: 1_000,
  backoffMaxMs: 3_600_000,
};

/** Named job kinds → handler + options. The queue knows nothing of what the kinds do. */
export class JobRegistry {
  private readonly kinds = new Map<string, RegisteredKind>();

  register<P>(kind: string, handler: JobHandler<P>, options: JobKindOptions = {}, recurring?: { everyMs: number }): void {
    if (!kind || kind.length > 200) throw new Error(`Job kind must be 1–200 characters: ${JSON.stringify(kind)}`);
    if (this.kinds.has(kind)) throw new Error(`Job kind "${kind}" is already registered`);
    const resolved: ResolvedKindOptions = { ...DEFAULT_KIND_OPTIONS };
    for (const key of Object.keys(resolved) as (keyof ResolvedKindOptions)[]) {
      const v = options[key];
      if (v === undefined) continue;
      if (!Number.isFinite(v) || v < (key === 'maxAttempts' ? 1 : 0)) throw new Error(`Job kind "${kind}": invalid ${key} ${v}`);
      resolved[key] = v;
    }
    if (recurring && !(Number.isFinite(recurring.everyMs) && recurring.everyMs >= 1)) {
      throw new Error(`Recurring job "${kind}": everyMs must be a positive number`);
    }
    this.kinds.set(kind, { kind, handler: handler as JobHandler<unknown>, options: resolved, ...(recurring ? { recurring } : {}) });
  }

  get(kind: string): RegisteredKind | undefined {
    return this.kinds.get(kind);
  }

  names(): string[] {
    return [...this.kinds.keys()];
  }

  recurring(): RegisteredKind[] {
    return [...this.kinds.values()].filter((k) => k.recurring);
  }
}
