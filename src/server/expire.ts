/**
 * Active expiry: the bounded cycle that removes expired keys nobody reads, like Redis's
 * activeExpireCycle (expire.c).
 *
 * - Slow cycle, from the server cron (`hz` times a second): walks each database's `expires`
 *   Dict with a per-database cursor, 20 keys per round (more with active-expire-effort),
 *   repeating while more than 10% of a round was expired, until 25% of the tick's time is
 *   spent. The next cycle resumes at the database where this one stopped.
 * - Fast cycle (Redis runs it before sleeping): once a cycle ran out of time, slices of 1 ms
 *   run between I/O turns, at most one every 2 ms, until one finishes in time.
 *
 * Walking the dense index instead of sampling at random finds expired keys without repeats;
 * a delete moves the last entry into the hole, so the cursor stays put then. The time check
 * every 16 rounds bounds each slice to its budget plus at most 16 * keysPerLoop deletions.
 */
import { performance } from 'node:perf_hooks';
import type { Server } from './server.js';
import { activeExpireHashFields } from '../commands/hash.js';

const KEYS_PER_LOOP = 20;
const SLOW_TIME_PERC = 25;
const ACCEPTABLE_STALE = 10;
const FAST_DURATION_MS = 1;
/** Databases visited per slow cycle unless the last one ran out of time (CRON_DBS_PER_CALL). */
const DBS_PER_CALL = 16;
const MAX_HZ = 500;

interface ExpireState {
  /** Database where the next cycle starts. */
  currentDb: number;
  /** The last cycle stopped on its time limit. */
  timelimitExit: boolean;
  fastScheduled: boolean;
}

const states = new WeakMap<Server, ExpireState>();

function stateOf(server: Server): ExpireState {
  let st = states.get(server);
  if (st === undefined) {
    st = { currentDb: 0, timelimitExit: false, fastScheduled: false };
    states.set(server, st);
  }
  return st;
}

/** One slow cycle (from the cron), then fast cycles while the keyspace stays stale. */
export function activeExpireCycle(server: Server): void {
  activeExpireHashFields(server);
  runCycle(server, false);
  scheduleFastCycle(server);
}

function scheduleFastCycle(server: Server): void {
  const st = stateOf(server);
  if (st.fastScheduled || !needsFastCycle(server, st)) return;
  st.fastScheduled = true;
  // A timer (not setImmediate) so that reads and writes of clients get their turn between
  // slices; unref'd so an idle embedded server does not keep the process alive.
  const t = setTimeout(() => {
    st.fastScheduled = false;
    if (server.isClosing() || !server.activeExpireEnabled) return;
    try {
      server.cmdTime = server.clock();
      runCycle(server, true);
      server.flushPending();
    } catch (e) {
      server.log.warning(`Error in active expire cycle: ${(e as Error).stack}`);
      return;
    }
    scheduleFastCycle(server);
  }, FAST_DURATION_MS * 2);
  t.unref();
}

/**
 * Redis starts a fast cycle when the last cycle ran out of time (its other condition compares
 * the stale fraction with a percentage, so it never adds anything).
 */
function needsFastCycle(_server: Server, st: ExpireState): boolean {
  return st.timelimitExit;
}

function runCycle(server: Server, fast: boolean): void {
  const st = stateOf(server);
  const effort = server.config.num('active-expire-effort') - 1; // 0..9
  const keysPerLoop = KEYS_PER_LOOP + (KEYS_PER_LOOP / 4) * effort;
  const acceptableStale = ACCEPTABLE_STALE - effort;
  const hz = Math.max(1, Math.min(MAX_HZ, server.config.num('hz')));
  const budgetMs = fast
    ? FAST_DURATION_MS + (FAST_DURATION_MS / 4) * effort
    : (1000 * (SLOW_TIME_PERC + 2 * effort)) / hz / 100;
  const start = performance.now();
  const now = server.cmdTime;
  const dbs = server.dbs;
  const dbsPerCall = st.timelimitExit || DBS_PER_CALL > dbs.length ? dbs.length : DBS_PER_CALL;
  st.timelimitExit = false;
  let iterations = 0;
  let totalSampled = 0;
  let totalExpired = 0;
  for (let d = 0; d < dbsPerCall && !st.timelimitExit; d++) {
    const db = dbs[st.currentDb % dbs.length];
    // Advance first: if time runs out here, the next cycle starts with the next database.
    st.currentDb = (st.currentDb + 1) % dbs.length;
    let expires = db.expires;
    if (expires.size === 0) {
      db.avgTtl = 0;
      continue;
    }
    for (;;) {
      expires = db.expires;
      let sampled = 0;
      let expired = 0;
      let ttlSum = 0;
      let ttlSamples = 0;
      const n = Math.min(expires.size, keysPerLoop);
      for (let k = 0; k < n && expires.size > 0; k++) {
        let idx = db.expiresCursor;
        if (idx >= expires.size) idx = 0;
        const key = expires.keyAt(idx);
        const when = expires.valAt(idx);
        sampled++;
        if (when <= now) {
          db.delete(key);
          server.onExpired(db, key);
          expired++;
          db.expiresCursor = idx; // the last entry moved into idx
        } else {
          db.expiresCursor = idx + 1;
          ttlSum += when - now;
          ttlSamples++;
        }
      }
      totalSampled += sampled;
      totalExpired += expired;
      if (ttlSamples > 0) {
        const avg = ttlSum / ttlSamples;
        db.avgTtl = db.avgTtl === 0 ? avg : (db.avgTtl / 50) * 49 + avg / 50;
      }
      if ((++iterations & 15) === 0 && performance.now() - start > budgetMs) {
        st.timelimitExit = true;
        server.stats.expiredTimeCapReachedCount++;
        break;
      }
      if (sampled === 0 || (expired * 100) / sampled <= acceptableStale) break;
    }
  }
  server.stats.expireCycleCpuMs += performance.now() - start;
  const perc = totalSampled > 0 ? totalExpired / totalSampled : 0;
  server.stats.expiredStalePerc = perc * 0.05 + server.stats.expiredStalePerc * 0.95;
}
