// The end of a test file: what it started, stopped in the order given (the
// browser first, whose pages hold connections to the gateway), skipping
// what never started, then its scratch directory removed.
import { rmSync } from 'node:fs';

/**
 * Closes a browser (`close`), disconnects an API (`disconnect`) or stops a
 * node, gateway or proxy (`stop`), for each of `parts` in order; removes
 * `dir`.
 */
export async function teardown(parts, dir) {
  for (const part of parts) {
    if (!part) continue;
    if (typeof part.stop === 'function') await part.stop();
    else if (typeof part.disconnect === 'function') await part.disconnect();
    else await part.close();
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
}
