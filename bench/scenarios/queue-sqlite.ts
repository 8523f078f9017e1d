import { runQueueBench } from '../lib/queue-run.ts';
import type { Scenario } from '../lib/scenario.ts';

/** The job queue on SQLite (bench/lib/queue-bench.ts): no-op jobs end to end, and latency at a fixed rate. */
export default {
  name: 'queue-sqlite',
  description: 'job queue on SQLite (WAL, FULL, group commit 2 ms): 50k no-op jobs enqueued concurrently / in batches, jobs/s; enqueue→start p50/p99 at 5,000/s',
  run: () => runQueueBench('sqlite'),
} satisfies Scenario;
