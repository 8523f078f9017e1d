import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * Caps how far V8 lets the JavaScript heap grow past what its last full collection kept.
 *
 * Under a steady stream of work (a campaign sending 1,000 messages a second) V8's own heuristic
 * lets the old generation grow to about four times the live data before it collects: a live heap
 * of 60–80 MB became 250 MB of heap and a 460 MB process. With a fixed factor the heap stays
 * near the live data; the marking that then runs more often is incremental and concurrent, and
 * the campaign bench measured no loss of send rate at 40 % (bench/README.md, campaign-100k).
 *
 * V8 reads this flag each time it sizes the heap after a collection, so setting it once the
 * process runs takes effect. A `--heap-growing-percent` given to node itself wins.
 */
export function applyHeapGrowth(percent: number, execArgv: readonly string[] = process.execArgv): boolean {
  if (percent <= 0 || execArgv.some((a) => a.startsWith('--heap-growing-percent') || a.startsWith('--heap_growing_percent'))) return false;
  setFlagsFromString(`--heap-growing-percent=${percent}`);
  collectGarbageOnce();
  return true;
}

/**
 * One full collection, once the server has started. Until its first full collection V8 lets the
 * old generation reach a fixed initial size (up to 256 MB) whatever the flags say; a CSV import
 * started right after boot peaked at 303 MB RSS before that first collection, and 227 MB after
 * it. Collecting once at start sizes the heap from the live data under the factor above. V8 offers
 * `gc` only to scripts when --expose-gc is set, hence the flag and a fresh context.
 */
function collectGarbageOnce(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}
