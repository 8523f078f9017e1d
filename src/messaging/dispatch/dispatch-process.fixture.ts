/**
 * A dispatcher alone in its own process, for the kill -9 test: storage from SAMVAD_TEST_DATA_DIR
 * (SQLite) or DATABASE_URL, the number's Graph URL and token from the environment.
 */
import { silentLogger } from '../../platform/logger.ts';
import { createClock } from '../../platform/clock.ts';
import { openDatabase } from '../../platform/db/open.ts';
import { createDispatcher } from './dispatcher.ts';
import { emulatorChannel, testNumber } from './test-support.ts';

const env = process.env;
const database = openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.SAMVAD_TEST_DATA_DIR!, groupCommitMs: 2, logger: silentLogger() });
const number = testNumber(env.DISPATCH_NUMBER_ID!, { graphBaseUrl: env.GRAPH_BASE_URL!, phoneNumberId: env.PHONE_NUMBER_ID!, accessToken: env.ACCESS_TOKEN!, throughputMps: 1000 });
const dispatcher = createDispatcher({
  database,
  clock: createClock(),
  logger: silentLogger(),
  channel: emulatorChannel(),
  loadNumber: async (id) => (id === number.credentials.id ? number : null),
  leaseMs: 2_000,
  pollMs: 200,
});
dispatcher.start();
await dispatcher.ready();
process.stdout.write('dispatcher ready\n');
process.on('SIGTERM', () => void dispatcher.stop().then(() => database.close()).then(() => process.exit(0)));
