import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import type { Logger } from '../../platform/logger.ts';
import { isAppError } from '../../platform/errors.ts';
import { applyImportBatch } from './apply-batch.ts';
import { autoMapping, checkMapping, type ImportMapping } from './mapping.ts';
import { rowReader, type ImportRow, type RowError } from './row-to-contact.ts';

export const IMPORT_JOB = 'contacts.import';
export const IMPORT_BATCH_ROWS = 5000;

/** Thrown when the worker is stopping: the job is retried (and resumes from its checkpoint). */
class ImportInterrupted extends Error {}

/**
 * Runs (or resumes) an import: streams the stored CSV through csv-parse, validates each row,
 * and commits every batch of rows together with the checkpoint (rows_done, bytes_done) in one
 * transaction. After a crash the job runs again and skips the rows already committed, so memory
 * stays at two batches (one being written, the next being parsed) and no row is applied twice (a
 * re-applied batch is idempotent anyway).
 */
export async function runImport(deps: { database: Database; clock: Clock; logger: Logger }, importId: string, signal?: AbortSignal): Promise<void> {
  const { database, clock } = deps;
  const imp = await database.db.selectFrom('contact_imports').selectAll().where('id', '=', importId).executeTakeFirst();
  if (!imp || imp.status === 'completed' || imp.status === 'failed') return;
  const workspaceId = imp.workspace_id;
  const skip = Number(imp.rows_done);
  await database.transaction((tx) => tx.db.updateTable('contact_imports').set({ status: 'running', updated_at: clock.nowMs() }).where('id', '=', importId).execute());

  // No per-record `info` (an object a record, it doubled the parser's CPU): the checkpoint takes
  // the bytes the parser has consumed when the batch is cut (at most one read chunk ahead).
  const parser = parse({ bom: true, relax_column_count: true, skip_empty_lines: true, max_record_size: 1 << 20 });
  const file = createReadStream(imp.file_path);
  file.on('error', (err) => parser.destroy(err));
  // Errors surface through parser.errored when the loop below waits (nextRecords); this listener
  // only keeps one raised while a batch is being written from being an uncaught 'error' event.
  parser.on('error', () => {});
  file.pipe(parser);
  let read: ((n: number, cells: string[]) => ImportRow | RowError) | undefined;
  let rowNumber = 0;
  let batch: ImportRow[] = [];
  let errors: RowError[] = [];
  const counters = { created: 0, updated: 0, failed: 0, duplicates: 0 };
  let inFlight: Promise<void> | undefined;

  const flush = async (final: boolean) => {
    if (!final && batch.length + errors.length === 0) return;
    const rows = batch;
    const errs = errors;
    batch = [];
    errors = [];
    const done = rowNumber;
    const bytes = Math.min(parser.info.bytes, Number(imp.bytes_total));
    const now = clock.nowMs();
    const outcome = await database.transaction(async (tx) => {
      const o = rows.length ? await applyImportBatch(tx, workspaceId, rows, now, database.dialect) : { created: 0, updated: 0, duplicates: 0 };
      for (let i = 0; i < errs.length; i += 200) {
        await tx.db
          .insertInto('contact_import_errors')
          .values(errs.slice(i, i + 200).map((e) => ({ import_id: importId, row_number: e.rowNumber, message: e.message, raw: JSON.stringify(e.raw) })))
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
      await tx.db
        .updateTable('contact_imports')
        .set((eb) => ({
          rows_done: done,
          bytes_done: bytes,
          rows_created: eb('rows_created', '+', o.created),
          rows_updated: eb('rows_updated', '+', o.updated),
          rows_duplicate: eb('rows_duplicate', '+', o.duplicates),
          rows_failed: eb('rows_failed', '+', errs.length),
          ...(final ? { status: 'completed' as const, rows_total: done, finished_at: now, bytes_done: Number(imp.bytes_total) } : {}),
          updated_at: now,
        }))
        .where('id', '=', importId)
        .execute();
      return o;
    });
    counters.created += outcome.created;
    counters.updated += outcome.updated;
    counters.failed += errs.length;
    if (signal?.aborted && !final) throw new ImportInterrupted('import interrupted by shutdown; resumes from its checkpoint');
  };

  try {
    for (;;) {
      // Records are taken synchronously while the parser has them (a promise a record, as
      // `for await` gives, cost more than the loop's body); the loop waits only when it runs dry.
      const record = parser.read() as string[] | null;
      if (record === null) {
        if (await nextRecords(parser)) continue;
        break;
      }
      if (!read) {
        const given = JSON.parse(imp.mapping) as ImportMapping | null;
        const header = record.map((h) => h.trim());
        read = rowReader(given ? checkMapping(given, header) : autoMapping(header), header);
        continue;
      }
      rowNumber++;
      if (rowNumber <= skip) continue;
      const r = read(rowNumber, record);
      if ('message' in r) errors.push(r);
      else batch.push(r);
      if (batch.length + errors.length >= IMPORT_BATCH_ROWS) {
        // One batch in flight: its commit waits for the WAL's sync off the main thread, and the
        // next batch is parsed meanwhile. It is submitted only once the previous one is durable,
        // so a batch never commits after one that failed (its checkpoint would skip those rows).
        await inFlight;
        inFlight = flush(false);
        inFlight.catch(() => {}); // awaited above or below; not an unhandled rejection meanwhile
      }
    }
    if (!read) throw Object.assign(new Error('The file is empty: a header row is required'), { permanent: true });
    await inFlight;
    await flush(true);
    await rm(imp.file_path, { force: true });
    deps.logger.info({ importId, rows: rowNumber, ...counters }, 'contact import completed');
  } catch (err) {
    parser.destroy();
    file.destroy();
    await inFlight?.catch(() => {}); // settle the batch in flight before the import's state is written
    if (err instanceof ImportInterrupted) throw err;
    // A file that cannot be read as CSV (or a mapping that does not fit) fails the import for good.
    const permanent = isAppError(err) || (err as { code?: string }).code?.startsWith('CSV_') || (err as { permanent?: boolean }).permanent;
    if (!permanent) throw err;
    await database.transaction((tx) =>
      tx.db.updateTable('contact_imports').set({ status: 'failed', error: (err as Error).message, finished_at: clock.nowMs(), updated_at: clock.nowMs() }).where('id', '=', importId).execute(),
    );
  }
}

/**
 * Resolves true once `parser` has records to read again, false at its end; rejects with its error
 * (or when it closes before its end: an import never completes on a file it did not read to the end).
 */
function nextRecords(parser: Readable): Promise<boolean> {
  if (parser.errored) return Promise.reject(parser.errored);
  if (parser.readableEnded) return Promise.resolve(false);
  if (parser.destroyed) return Promise.reject(new Error('the CSV stream closed before its end'));
  return new Promise((resolve, reject) => {
    const onReadable = () => settle(() => resolve(true));
    const onEnd = () => settle(() => resolve(false));
    const onClose = () => settle(() => reject(parser.errored ?? new Error('the CSV stream closed before its end')));
    const settle = (fn: () => void) => {
      parser.off('readable', onReadable).off('end', onEnd).off('close', onClose);
      fn();
    };
    parser.on('readable', onReadable).on('end', onEnd).on('close', onClose);
  });
}
