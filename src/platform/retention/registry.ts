import type { Database } from '../db/database.ts';

/** What a prune function gets: rows older than `cutoffMs` go. */
export interface PruneContext {
  database: Database;
  cutoffMs: number;
  /** Rows per delete statement (each its own short transaction). */
  batchSize: number;
  signal: AbortSignal;
}

interface RetentionKindBase {
  /** Stable name, e.g. 'webhooks.raw_provider' (logs, results). */
  name: string;
  /** Days kept; a function reads configuration at prune time. */
  days: number | (() => number);
}

/** Rows of `table` whose `timeColumn` (ms since epoch) is older than now − days are deleted. */
export interface TableRetentionKind extends RetentionKindBase {
  table: string;
  timeColumn: string;
  /** Primary key used to bound each delete. Default 'id'. */
  idColumn?: string;
  /**
   * The rows carry a workspace_id. Today every workspace shares the configured period; the flag
   * marks kinds a per-workspace override will apply to when plans get one.
   */
  workspaceScoped?: boolean;
}

/** Data that is not a plain table row (media files, rows with extra conditions). Returns rows/items removed. */
export interface CustomRetentionKind extends RetentionKindBase {
  prune(ctx: PruneContext): Promise<number>;
}

export type RetentionKind = TableRetentionKind | CustomRetentionKind;

/** Each module registers the kinds of accumulating data it owns (DESIGN.md §6: nothing grows without bound). */
export class RetentionRegistry {
  private readonly kinds = new Map<string, RetentionKind>();

  register(kind: RetentionKind): void {
    if (this.kinds.has(kind.name)) throw new Error(`Retention kind "${kind.name}" is already registered`);
    if ('table' in kind) {
      for (const ident of [kind.table, kind.timeColumn, kind.idColumn ?? 'id']) {
        // Identifiers go into SQL as references; keep them plain.
        if (!/^[a-z_][a-z0-9_]*$/.test(ident)) throw new Error(`Retention kind "${kind.name}": invalid identifier "${ident}"`);
      }
    }
    this.kinds.set(kind.name, kind);
  }

  list(): RetentionKind[] {
    return [...this.kinds.values()];
  }
}

export function retentionDays(kind: RetentionKind): number {
  return typeof kind.days === 'function' ? kind.days() : kind.days;
}
