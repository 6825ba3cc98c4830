/**
 * maxmemory and eviction (Redis's evict.c): before each command, when the memory in use is
 * above `maxmemory`, keys are evicted by `maxmemory-policy` until it is not, within a time
 * budget set by `maxmemory-eviction-tenacity`; what is left is finished by a background
 * step between event-loop turns. With nothing left to evict (or `noeviction`), commands
 * flagged `denyoom` are refused with `-OOM` (the dispatcher).
 *
 * ## Measuring memory without malloc's counter
 *
 * Redis knows its allocation total exactly. V8 does not offer that cheaply: `heapUsed`
 * includes garbage until the collector runs — mostly the young generation's, which can be
 * tens of MB under load and would make eviction erratic. The figure used here is
 *
 *     V8 heap used − young generation + the types' off-heap arrays (store/external.ts:
 *       list chunks, stream nodes, skiplists, big hashes' and sets' lookup tables)
 *       + off-heap string bytes in use − evicted since last full GC
 *
 * sampled at most every 5 ms or 1,024 calls (getHeapSpaceStatistics costs a few µs); INFO's
 * `used_memory` reports the same figure, measured afresh. The young
 * generation holds the request garbage; a new key lives there only until its first
 * scavenges. Evicting a key frees nothing V8 reports until the next full (mark-sweep) GC, so
 * a lower-bound estimate of the heap bytes of every evicted key (its key string and index
 * entry, a collection's nodes; off-heap string bytes are counted back at once by the store)
 * is subtracted until the heap figure shows them gone. V8 sweeps concurrently *after* the
 * GC event, so the figure falls over the following milliseconds: the estimate of the
 * previous cycle is consumed by those falls, and what is left of it is dropped at the next
 * major GC. Resetting it at the GC event instead made the figure jump by all the garbage
 * still unswept — tens of MB — and evict tens of thousands of keys in a burst, stalling
 * the server for seconds.
 * An embedded server shares its heap with the application, which the figure then includes.
 *
 * ## Choosing keys
 *
 * As Redis: a pool of the 16 best candidates, refilled with `maxmemory-samples` random keys
 * of each database (of `expires` for the volatile policies), ranked by idle time (LRU), by
 * 255 − the decayed counter (LFU) or by how soon the key expires (volatile-ttl); the
 * random policies take a random key, visiting databases round-robin.
 */
import { externalBytes } from '../store/external.js';
import { fullGc } from '../util/gc.js';
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import type { Server } from './server.js';
import type { Database, Value } from '../store/database.js';
import type { Dict } from '../store/dict.js';
import { lfuDecayedCounter } from '../store/database.js';
import { NOTIFY_EVICTED } from './notify.js';

export const EVICT_OK = 0;
export const EVICT_RUNNING = 1;
export const EVICT_FAIL = 2;

const POOL_SIZE = 16;
/** How long a heap sample is used (getHeapSpaceStatistics allocates and costs a few µs). */
const SAMPLE_MS = 5;

type Policy =
  | 'noeviction'
  | 'allkeys-lru'
  | 'volatile-lru'
  | 'allkeys-lfu'
  | 'volatile-lfu'
  | 'allkeys-random'
  | 'volatile-random'
  | 'volatile-ttl';

/**
 * Heap bytes a deleted key surely gives back besides its value, beyond its key string (V8's
 * 16-byte string header, 8-byte aligned; an index Map entry of 3 words). A lower bound: an
 * overestimate would be dropped at the next major GC, making the figure jump.
 */
const KEY_OVERHEAD = 16 + 7 + 24;

export class Evictor {
  /** The eviction pool, ascending by `idle` (the best candidate is last). */
  private poolKeys: string[] = [];
  private poolDbs: number[] = [];
  private poolIdle: number[] = [];
  private nextDb = 0;
  /** The key chosen by pickRandom/pickFromPool: its database and index in the dict. */
  private pickDb: Database | null = null;
  private pickIndex = -1;
  /** Heap figure of the last sample and when (server ms) and after how many calls it was taken. */
  private heapSample = 0;
  private sampledAt = -SAMPLE_MS;
  private sinceSample = 0;
  /** Estimated heap bytes evicted since the last full GC (not yet visible in the heap figure). */
  private freedSinceGc = 0;
  /** What is left of the previous cycle's estimate, consumed as sweeping lowers the heap. */
  private freedBeforeGc = 0;
  private gcObserver: PerformanceObserver | null = null;
  private timerPending = false;
  /** When (performance.now()) eviction last forced a full GC. */
  private lastForcedGc = -Infinity;
  /** When used memory went over maxmemory (0 = not over), and the total time spent over. */
  private overSince = 0;
  totalOverMs = 0;

  constructor(private readonly server: Server) {}

  /** Starts watching GCs (once maxmemory is set). */
  private watchGc(): void {
    if (this.gcObserver !== null) return;
    this.gcObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
        if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) {
          // The garbage of the cycle is being swept now; the heap samples that fall from
          // here on consume this estimate (usedMemory). The previous leftover is stale.
          this.freedBeforeGc = this.freedSinceGc;
          this.freedSinceGc = 0;
          this.sampledAt = -SAMPLE_MS;
        }
      }
    });
    this.gcObserver.observe({ entryTypes: ['gc'] });
  }

  close(): void {
    this.gcObserver?.disconnect();
    this.gcObserver = null;
  }

  /** The memory figure eviction works with (see the header), in bytes. */
  usedMemory(): number {
    const now = this.server.cmdTime;
    if (now - this.sampledAt >= SAMPLE_MS || now < this.sampledAt || ++this.sinceSample >= 1024) {
      // V8's old generation plus the types' off-heap arrays (freed by the same GC).
      let heap = externalBytes();
      for (const s of getHeapSpaceStatistics()) if (s.space_name !== 'new_space') heap += s.space_used_size;
      const fall = this.heapSample - heap;
      if (fall > 0 && this.freedBeforeGc > 0)
        this.freedBeforeGc = fall >= this.freedBeforeGc ? 0 : this.freedBeforeGc - fall;
      this.heapSample = heap;
      this.sampledAt = now;
      this.sinceSample = 0;
    }
    const used = this.heapSample - this.freedBeforeGc - this.freedSinceGc + this.server.strings.usedBytes();
    return used > 0 ? used : 0;
  }

  /** The same figure measured now (INFO used_memory, MEMORY STATS). */
  measureUsedMemory(): number {
    this.sampledAt = -SAMPLE_MS;
    return this.usedMemory();
  }

  /** Milliseconds spent over maxmemory, the current stretch (INFO current_eviction_exceeded_time). */
  currentOverMs(): number {
    return this.overSince === 0 ? 0 : this.server.clock() - this.overSince;
  }

  /** Redis's evictionTimeLimitUs: the time one call may spend evicting. */
  private timeLimitUs(): number {
    const tenacity = this.server.config.num('maxmemory-eviction-tenacity');
    if (tenacity <= 10) return 50 * tenacity;
    if (tenacity < 100) return Math.floor(500 * Math.pow(1.15, tenacity - 10));
    return Infinity;
  }

  /**
   * Redis's performEvictions: EVICT_OK when memory is (now) within maxmemory, EVICT_RUNNING
   * when the time budget ran out and a background step goes on, EVICT_FAIL when nothing
   * more can be evicted while over the limit.
   */
  performEvictions(): number {
    const server = this.server;
    const maxmemory = server.maxmemory;
    if (maxmemory === 0) return EVICT_OK;
    this.watchGc();
    // CLIENT PAUSE holds evictions as it holds writes (PAUSE_ACTION_EVICT).
    if (server.pauseUntil !== 0) return EVICT_OK;
    let used = this.usedMemory();
    if (used <= maxmemory) {
      this.endOver();
      return EVICT_OK;
    }
    if (this.overSince === 0) this.overSince = server.clock();
    const policy = server.config.str('maxmemory-policy') as Policy;
    if (policy === 'noeviction') return EVICT_FAIL;
    // The heap figure also holds garbage the runtime made (old request buffers, the Dict's
    // outgrown arrays) until V8's next major GC. Once a quarter of maxmemory has been evicted
    // since that GC and the figure still says "over", more evictions would only trade live
    // keys for that garbage (the whole keyspace, under a heavy write load): a full GC shows
    // what is really in use. GCs are rate-limited; in between, writes go through.
    const stale = maxmemory >> 2;
    if (this.freedSinceGc >= stale) {
      if (!this.forceGc()) return EVICT_OK;
      used = this.usedMemory();
      if (used <= maxmemory) return EVICT_OK;
    }
    const toFree = used - maxmemory;
    let freed = 0;
    let keys = 0;
    const limitUs = this.timeLimitUs();
    const t0 = performance.now();
    while (freed < toFree) {
      if (this.freedSinceGc >= stale) break;
      const picked = policy.endsWith('-random') ? this.pickRandom(policy) : this.pickFromPool(policy);
      if (!picked) {
        // Nothing left to evict: before answering OOM, let a full GC tell what is really in
        // use (rate-limited: a policy with no candidates must not GC on every write).
        if (this.forceGc()) {
          used = this.usedMemory();
          if (used <= maxmemory) break;
        }
        break;
      }
      freed += this.evict(this.pickDb!, this.pickIndex);
      keys++;
      if ((keys & 15) === 0 && (performance.now() - t0) * 1000 > limitUs) {
        if (freed < toFree) {
          this.startTimeProc();
          this.recordLatency(t0);
          return EVICT_RUNNING;
        }
      }
    }
    this.recordLatency(t0);
    if (freed < toFree) {
      if (this.freedSinceGc >= stale) return EVICT_OK;
      used = this.usedMemory();
      return used > maxmemory ? EVICT_FAIL : EVICT_OK;
    }
    return EVICT_OK;
  }

  /**
   * A full GC, after which the figure is measured afresh — unless one ran recently: at least
   * 250 ms apart, and 10 ms per MB of heap (a full GC of a big heap is a stall of that order).
   */
  private forceGc(): boolean {
    const now = performance.now();
    if (now - this.lastForcedGc < Math.max(250, this.heapSample / 100000)) return false;
    this.lastForcedGc = now;
    fullGc();
    this.freedSinceGc = 0;
    this.freedBeforeGc = 0;
    this.sampledAt = -SAMPLE_MS;
    return true;
  }

  private endOver(): void {
    if (this.overSince !== 0) {
      this.totalOverMs += this.server.clock() - this.overSince;
      this.overSince = 0;
    }
  }

  private recordLatency(t0: number): void {
    const ms = Math.floor(performance.now() - t0);
    const threshold = this.server.stats.latencyThreshold;
    if (threshold > 0 && ms >= threshold)
      this.server.stats.addLatencySample('eviction-cycle', ms, this.server.clock());
  }

  /** Redis's evictionTimeProc: goes on evicting between event-loop turns while over. */
  startTimeProc(): void {
    if (this.timerPending) return;
    this.timerPending = true;
    setImmediate(() => {
      this.timerPending = false;
      if (this.server.isClosing()) return;
      this.server.cmdTime = this.server.clock();
      if (this.performEvictions() === EVICT_RUNNING) this.startTimeProc();
      this.server.flushPending();
    });
  }

  /**
   * Deletes an evicted key as Redis does (propagated DEL/UNLINK, `evicted` event); returns
   * the bytes it gave back: off-heap ones as the string store counts them, plus the heap estimate.
   */
  private evict(db: Database, i: number): number {
    const server = this.server;
    const key = db.dict.keyAt(i);
    const heap = this.heapSizeOf(db, key, db.dict.valAt(i));
    server.alsoPropagate(db.id, [server.config.bool('lazyfree-lazy-eviction') ? 'UNLINK' : 'DEL', key]);
    const offHeap = server.strings.usedBytes();
    db.deleteAt(i);
    server.signalModifiedKey(db, key);
    server.notifyKeyspaceEvent(NOTIFY_EVICTED, 'evicted', key, db.id);
    server.stats.evictedKeys++;
    this.freedSinceGc += heap;
    return heap + offHeap - server.strings.usedBytes();
  }

  /**
   * Heap bytes deleting the key gives back, a lower bound: the key string and index entry, a
   * collection's nodes. A string value's bytes are off-heap: the store counts them back itself.
   */
  private heapSizeOf(db: Database, key: string, v: Value): number {
    const base = KEY_OVERHEAD + (key.length & ~7) + (db.expires.size !== 0 && db.expires.has(key) ? 24 : 0);
    return typeof v === 'number'
      ? base
      : base + (v.heapBytes !== undefined ? v.heapBytes() : v.memoryUsage());
  }

  /** Picks a random key into pickDb/pickIndex; false when there is none. */
  private pickRandom(policy: Policy): boolean {
    const dbs = this.server.dbs;
    const volatile = policy === 'volatile-random';
    for (let i = 0; i < dbs.length; i++) {
      const db = dbs[this.nextDb++ % dbs.length];
      const dict = volatile ? db.expires : db.dict;
      if (dict.size === 0) continue;
      const at = dict.randomIndex();
      this.pickDb = db;
      this.pickIndex = volatile ? db.dict.indexOf(dict.keyAt(at)) : at;
      return true;
    }
    return false;
  }

  /**
   * Redis's evictionPoolPopulate + the pick of the best candidate that still exists, into
   * pickDb/pickIndex; false when there is none.
   */
  private pickFromPool(policy: Policy): boolean {
    const server = this.server;
    const volatile = policy.startsWith('volatile-');
    const samples = Math.max(1, server.config.num('maxmemory-samples'));
    for (;;) {
      let total = 0;
      for (const db of server.dbs) {
        const dict = volatile ? db.expires : db.dict;
        const n = dict.size;
        if (n === 0) continue;
        total += n;
        const count = Math.min(samples, n);
        for (let i = 0; i < count; i++) {
          const at = dict.randomIndex();
          // The sampled slot gives the value (allkeys) or the expiry (volatile-ttl) without a
          // lookup: random entries miss every cache, so each access saved counts.
          const idle = volatile
            ? this.idleScore(db, dict.keyAt(at), policy, at)
            : this.idleOf(dict.valAt(at), policy);
          this.poolInsert(db, dict, at, idle);
        }
      }
      if (total === 0) return false;
      // Best candidates first; entries whose key went away meanwhile are dropped.
      while (this.poolKeys.length > 0) {
        const key = this.poolKeys.pop()!;
        const dbid = this.poolDbs.pop()!;
        this.poolIdle.pop();
        const db = server.dbs[dbid];
        if (volatile && !db.expires.has(key)) continue;
        const i = db.dict.indexOf(key);
        if (i === -1) continue;
        this.pickDb = db;
        this.pickIndex = i;
        return true;
      }
    }
  }

  /** Higher = better to evict (Redis's `idle` of the pool), for a key sampled at `at` of `expires`. */
  private idleScore(db: Database, key: string, policy: Policy, at: number): number {
    if (policy === 'volatile-ttl') return Number.MAX_SAFE_INTEGER - db.expires.valAt(at);
    const v = db.dict.get(key);
    return v === undefined ? 0 : this.idleOf(v, policy);
  }

  /** Redis's `idle` of a value: its idle time (LRU) or 255 − its decayed counter (LFU). */
  private idleOf(v: Value, policy: Policy): number {
    const word = typeof v === 'number' ? this.server.strings.lruOf(v) : v.lru;
    if (policy.endsWith('-lfu')) {
      const lfu = this.server.lfu;
      return lfu ? 255 - lfuDecayedCounter(word, this.server.cmdTime, lfu) : 0;
    }
    const clock = this.server.lruClock();
    return clock >= word ? clock - word : clock + (0xffffffff - word);
  }

  /** Offers the entry sampled at index `at` of dict (db's dict or expires) to the pool. */
  private poolInsert(db: Database, dict: Dict<unknown>, at: number, idle: number): void {
    const keys = this.poolKeys;
    const idles = this.poolIdle;
    const dbs = this.poolDbs;
    // No better than everything in a full pool (the common case once it is warm): nothing to
    // do — checked first, and the key is read only past it (a cache miss per sample).
    if (keys.length === POOL_SIZE && idle <= idles[0]) return;
    const key = dict.keyAt(at);
    // Already in the pool: keep one entry, with the fresh score.
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] === key && dbs[i] === db.id) {
        keys.splice(i, 1);
        dbs.splice(i, 1);
        idles.splice(i, 1);
        break;
      }
    }
    let k = 0;
    while (k < keys.length && idles[k] < idle) k++;
    if (k === 0 && keys.length === POOL_SIZE) return; // worse than everything in a full pool
    keys.splice(k, 0, key);
    dbs.splice(k, 0, db.id);
    idles.splice(k, 0, idle);
    if (keys.length > POOL_SIZE) {
      keys.shift();
      dbs.shift();
      idles.shift();
    }
  }
}
