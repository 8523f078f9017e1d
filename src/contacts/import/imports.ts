import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { Database } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { JobQueue } from '../../platform/queue/index.ts';
import type { ImportMapping } from './mapping.ts';
import { IMPORT_JOB } from './run-import.ts';

/** Largest CSV accepted (about 10 million rows of a typical contact export). */
export const IMPORT_MAX_BYTES = 1024 * 1024 * 1024;

export interface ContactImport {
  id: string;
  status: string;
  fileName: string | null;
  rowsDone: number;
  rowsTotal: number | null;
  rowsCreated: number;
  rowsUpdated: number;
  rowsFailed: number;
  rowsDuplicate: number;
  bytesDone: number;
  bytesTotal: number;
  /** 0–100, from bytes until the total row count is known. */
  percent: number;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
}

/**
 * Stores an uploaded CSV (streamed to disk, never buffered whole) under the data directory and
 * creates the import with its job in one transaction; answers at once — the job does the work.
 */
export async function createImport(
  deps: { database: Database; clock: Clock; queue: JobQueue; dataDir: string },
  workspaceId: string,
  input: { body: Readable; fileName: string | null; mapping: ImportMapping | null },
): Promise<ContactImport> {
  const now = deps.clock.nowMs();
  const id = newId(now);
  const dir = join(deps.dataDir, 'imports');
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${id}.csv`);
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      if (bytes > IMPORT_MAX_BYTES) cb(new AppError('payload_too_large', `The CSV is larger than ${IMPORT_MAX_BYTES / 1024 / 1024} MB`));
      else cb(null, chunk);
    },
  });
  try {
    await pipeline(input.body, counter, createWriteStream(path));
  } catch (err) {
    await rm(path, { force: true });
    throw err;
  }
  if (bytes === 0) {
    await rm(path, { force: true });
    throw new AppError('validation_failed', 'The CSV is empty: send the file as the request body (Content-Type: text/csv)');
  }
  await deps.database.transaction(async (tx) => {
    await tx.db
      .insertInto('contact_imports')
      .values({
        id,
        workspace_id: workspaceId,
        status: 'queued',
        file_name: input.fileName,
        file_path: path,
        mapping: JSON.stringify(input.mapping),
        bytes_total: bytes,
        bytes_done: 0,
        rows_done: 0,
        rows_created: 0,
        rows_updated: 0,
        rows_failed: 0,
        rows_duplicate: 0,
        rows_total: null,
        error: null,
        created_at: now,
        updated_at: now,
        finished_at: null,
      })
      .execute();
    await deps.queue.enqueue(tx, { kind: IMPORT_JOB, payload: { importId: id }, workspaceId, uniqueKey: `contacts-import:${id}` });
  });
  return getImport(deps.database.db as Kysely<any>, workspaceId, id);
}

export async function getImport(db: Kysely<any>, workspaceId: string, id: string): Promise<ContactImport> {
  const r = await db.selectFrom('contact_imports').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  if (!r) throw new AppError('not_found', `Import ${id} not found`);
  return toImport(r);
}

export async function listImports(db: Kysely<any>, workspaceId: string): Promise<ContactImport[]> {
  const rows = await db.selectFrom('contact_imports').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at', 'desc').limit(100).execute();
  return rows.map(toImport);
}

function toImport(r: Record<string, any>): ContactImport {
  const bytesTotal = Number(r.bytes_total);
  const bytesDone = Number(r.bytes_done);
  return {
    id: r.id,
    status: r.status,
    fileName: r.file_name,
    rowsDone: Number(r.rows_done),
    rowsTotal: r.rows_total === null ? null : Number(r.rows_total),
    rowsCreated: Number(r.rows_created),
    rowsUpdated: Number(r.rows_updated),
    rowsFailed: Number(r.rows_failed),
    rowsDuplicate: Number(r.rows_duplicate),
    bytesDone,
    bytesTotal,
    percent: r.status === 'completed' ? 100 : bytesTotal > 0 ? Math.min(99, Math.floor((bytesDone / bytesTotal) * 100)) : 0,
    error: r.error,
    createdAt: new Date(Number(r.created_at)).toISOString(),
    finishedAt: r.finished_at === null ? null : new Date(Number(r.finished_at)).toISOString(),
  };
}

/** One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. */
function csvField(v: string | number): string {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The error report as CSV (row, error, then the row's cells), read in pages of 1,000 in row order
 * so a large report is never held in memory.
 */
export async function* importErrorReport(db: Kysely<any>, workspaceId: string, id: string): AsyncIterable<string> {
  await getImport(db, workspaceId, id);
  yield 'row,error,cells\r\n';
  let after = 0;
  for (;;) {
    const rows = await db.selectFrom('contact_import_errors').select(['row_number', 'message', 'raw']).where('import_id', '=', id).where('row_number', '>', after).orderBy('row_number').limit(1000).execute();
    if (rows.length > 0) yield rows.map((r) => [Number(r.row_number), r.message, ...(JSON.parse(r.raw) as string[])].map(csvField).join(',') + '\r\n').join('');
    if (rows.length < 1000) return;
    after = Number(rows[rows.length - 1]!.row_number);
  }
}
