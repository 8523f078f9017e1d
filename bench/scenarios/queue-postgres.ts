import { runQueueBench } from '../lib/queue-run.ts';
import type { Scenario } from '../lib/scenario.ts';

/** The job queue on PostgreSQL in a fresh schema, dropped after (bench/lib/queue-bench.ts). */
export default {
  name: 'queue-postgres',
  description: 'job queue on PostgreSQL ($BENCH_DATABASE_URL, fresh schema): 50k no-op jobs enqueued concurrently / in batches, jobs/s; enqueue→start p50/p99 at 5,000/s',
  run: () => runQueueBench('postgres'),
} satisfies Scenario;
