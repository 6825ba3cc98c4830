/**
 * Active expiry: the bounded cycle that removes expired keys nobody reads, like Redis's
 * activeExpireCycle (expire.c). Each cron tick walks every database's `expires` Dict with a
 * per-database cursor, deleting what is due, until the sampled stale ratio drops under the
 * acceptable level or the time budget (25% of the tick, more with active-expire-effort) is
 * spent. Walking the dense index instead of sampling at random finds expired keys without
 * repeats; a delete moves the last entry into the hole, so the cursor stays put then.
 */
import { performance } from 'node:perf_hooks';
import type { Server } from './server.js';
import { activeExpireHashFields } from '../commands/hash.js';

const KEYS_PER_LOOP = 20;
const SLOW_TIME_PERC = 25;
const ACCEPTABLE_STALE = 10;

export function activeExpireCycle(server: Server): void {
  activeExpireHashFields(server);
  const effort = server.config.num('active-expire-effort') - 1; // 0..9
  const keysPerLoop = KEYS_PER_LOOP + (KEYS_PER_LOOP / 4) * effort;
  const hz = Math.max(1, server.config.num('hz'));
  const budgetMs = (1000 * (SLOW_TIME_PERC + 2 * effort)) / hz / 100;
  const acceptableStale = ACCEPTABLE_STALE - effort;
  const start = performance.now();
  const now = server.cmdTime;
  let iterations = 0;
  for (const db of server.dbs) {
    const expires = db.expires;
    if (expires.size === 0) continue;
    for (;;) {
      let sampled = 0;
      let expired = 0;
      const n = Math.min(expires.size, keysPerLoop);
      for (let k = 0; k < n && expires.size > 0; k++) {
        let idx = db.expiresCursor;
        if (idx >= expires.size) idx = 0;
        const key = expires.keys[idx];
        const when = expires.vals[idx];
        sampled++;
        if (when <= now) {
          db.delete(key);
          server.onExpired(db, key);
          expired++;
          db.expiresCursor = idx; // the last entry moved into idx
        } else {
          db.expiresCursor = idx + 1;
        }
      }
      if ((++iterations & 15) === 0 && performance.now() - start > budgetMs) {
        server.stats.expiredTimeCapReachedCount++;
        return;
      }
      if (sampled === 0 || (expired * 100) / sampled <= acceptableStale) break;
    }
  }
}
