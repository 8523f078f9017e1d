import type { Clock } from '../platform/clock.ts';
import type { Database } from '../platform/db/database.ts';
import type { Logger } from '../platform/logger.ts';
import type { JobQueue } from '../platform/queue/index.ts';
import { IMPORT_JOB, runImport } from './import/run-import.ts';

/** The contacts module's jobs: CSV imports (many attempts: a restart mid-import is an attempt). */
export function registerContactJobs(deps: { database: Database; clock: Clock; logger: Logger; queue: JobQueue }): void {
  const logger = deps.logger.child({ component: 'contacts' });
  deps.queue.register<{ importId: string }>(IMPORT_JOB, (job) => runImport({ database: deps.database, clock: deps.clock, logger }, job.payload.importId, job.signal), {
    maxAttempts: 50,
    backoffBaseMs: 1_000,
    backoffMaxMs: 60_000,
  });
}
