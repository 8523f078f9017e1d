import type { Database, Tx } from '../../platform/db/database.ts';

/** One item's result inside a coalesced write: its value, or the error that item alone gets. */
export type ItemOutcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

interface Entry<I, R> {
  item: I;
  resolve: (v: R) => void;
  reject: (e: unknown) => void;
}

/**
 * Coalesces concurrent writes of one kind into one transaction with multi-row statements, while
 * each caller still awaits its own outcome.
 *
 * The first item submits a transaction at once; items arriving before that transaction's function
 * starts (the group committer's window on SQLite, BEGIN on PostgreSQL, or while the previous batch
 * commits and syncs) join it. So under load a batch holds whatever arrived meanwhile, and an idle
 * server adds no delay. `apply` returns one outcome per item: an item's own failure (bad input)
 * rejects only that item and the rest commit. If `apply` throws (a database error), each item of
 * the batch is retried alone through `single`, so one bad item cannot fail its neighbours.
 */
export class WriteCoalescer<I, R> {
  private pending: Entry<I, R>[] = [];
  private submitted = false;

  constructor(
    private readonly database: Database,
    private readonly apply: (tx: Tx, items: I[]) => Promise<ItemOutcome<R>[]>,
    private readonly single: (item: I) => Promise<R>,
  ) {}

  submit(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.submitted) this.start();
    });
  }

  private start(): void {
    this.submitted = true;
    let batch: Entry<I, R>[] | undefined;
    this.database
      .transaction(async (tx) => {
        batch = this.pending;
        this.pending = [];
        this.submitted = false;
        return this.apply(
          tx,
          batch.map((e) => e.item),
        );
      })
      .then(
        (outcomes) => {
          batch!.forEach((e, i) => {
            const o = outcomes[i]!;
            if (o.ok) e.resolve(o.value);
            else e.reject(o.error);
          });
        },
        (err: unknown) => {
          if (!batch) {
            // The transaction failed before taking the items (BEGIN failed): they fail with it.
            batch = this.pending;
            this.pending = [];
            this.submitted = false;
            for (const e of batch) e.reject(err);
            return;
          }
          for (const e of batch) this.single(e.item).then(e.resolve, e.reject);
        },
      );
  }
}
