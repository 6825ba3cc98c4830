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
 *     V8 heap used − young generation
 *       + external memory as of the last full GC (Buffers and typed arrays: list chunks, stream
 *         nodes, zset scores, ...) − the string arenas' footprint
 *       + the string bytes in use
 *       − evicted since last full GC
 *
 * sampled at most every 5 ms or 1,024 calls (getHeapSpaceStatistics costs a few µs); INFO's
 * `used_memory` reports the same figure, measured afresh. The young generation holds the
 * request garbage; a new key lives there only until its first scavenges. Evicting a key
 * frees nothing V8 reports until the next full (mark-sweep) GC, so the estimated size of
 * every evicted key is subtracted until then; a GC observer resets it.
 *
 * External memory is read when a full GC ends, because between them it also holds dead
 * Buffers: socket reads (tens of MB under write load) and deleted values. The string store's
 * slabs and big values are external memory too; their free slots are reusable, like free
 * memory inside an allocator's arenas, so only the bytes in use count, as in Redis.
 * An embedded server shares its heap with the application, which the figure then includes.
 *
 * ## Choosing keys
 *
 * As Redis: a pool of the 16 best candidates, refilled with `maxmemory-samples` random keys
 * of each database (of `expires` for the volatile policies), ranked by idle time (LRU), by
 * 255 − the decayed counter (LFU) or by how soon the key expires (volatile-ttl); the
 * random policies take a random key, visiting databases round-robin.
 */
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import type { Server } from './server.js';
import type { Database, Value } from '../store/database.js';
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

/** Per-key bookkeeping a deleted key gives back besides its value (dict slots, key string). */
const KEY_OVERHEAD = 64;

export class Evictor {
  /** The eviction pool, ascending by `idle` (the best candidate is last). */
  private poolKeys: string[] = [];
  private poolDbs: number[] = [];
  private poolIdle: number[] = [];
  private nextDb = 0;
  /** Heap figure of the last sample and when (server ms) and after how many calls it was taken. */
  private heapSample = 0;
  private sampledAt = -SAMPLE_MS;
  private sinceSample = 0;
  /** Estimated bytes evicted since the last full GC (not yet visible in the heap figure). */
  private freedSinceGc = 0;
  /** External memory minus the string arenas' footprint, read when the last full GC ended. */
  private externalAtGc = -1;
  private gcObserver: PerformanceObserver | null = null;
  private timerPending = false;
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
          this.sampleExternal();
          this.freedSinceGc = 0;
          this.sampledAt = -SAMPLE_MS;
        }
      }
    });
    this.gcObserver.observe({ entryTypes: ['gc'] });
  }

  private sampleExternal(): void {
    this.externalAtGc = getHeapStatistics().external_memory - this.server.strings.footprint();
  }

  close(): void {
    this.gcObserver?.disconnect();
    this.gcObserver = null;
  }

  /** The memory figure eviction works with (see the header), in bytes. */
  usedMemory(): number {
    const now = this.server.cmdTime;
    if (now - this.sampledAt >= SAMPLE_MS || now < this.sampledAt || ++this.sinceSample >= 1024) {
      let heap = 0;
      for (const s of getHeapSpaceStatistics()) if (s.space_name !== 'new_space') heap += s.space_used_size;
      if (this.externalAtGc < 0) this.sampleExternal();
      this.heapSample = heap + this.externalAtGc;
      this.sampledAt = now;
      this.sinceSample = 0;
    }
    const used = this.heapSample - this.freedSinceGc + this.server.strings.usedBytes();
    return used > 0 ? used : 0;
  }

  /** The same figure measured now (INFO used_memory, MEMORY STATS). */
  measureUsedMemory(): number {
    this.watchGc();
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
    const toFree = used - maxmemory;
    let freed = 0;
    let keys = 0;
    const limitUs = this.timeLimitUs();
    const t0 = performance.now();
    while (freed < toFree) {
      const picked = policy.endsWith('-random') ? this.pickRandom(policy) : this.pickFromPool(policy);
      if (picked === null) break;
      freed += this.evict(picked.db, picked.key);
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
      used = this.usedMemory();
      return used > maxmemory ? EVICT_FAIL : EVICT_OK;
    }
    return EVICT_OK;
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

  /** Deletes an evicted key as Redis does (propagated DEL/UNLINK, `evicted` event); returns its size. */
  private evict(db: Database, key: string): number {
    const server = this.server;
    const v = db.dict.get(key);
    const size = v === undefined ? 0 : this.sizeOf(db, key, v);
    server.alsoPropagate(db.id, [server.config.bool('lazyfree-lazy-eviction') ? 'UNLINK' : 'DEL', key]);
    db.delete(key);
    server.signalModifiedKey(db, key);
    server.notifyKeyspaceEvent(NOTIFY_EVICTED, 'evicted', key, db.id);
    server.stats.evictedKeys++;
    this.freedSinceGc += size;
    return size;
  }

  /** What deleting the key gives back, estimated: the off-heap string or the collection's size. */
  private sizeOf(db: Database, key: string, v: Value): number {
    const base = KEY_OVERHEAD + key.length + (db.expires.size !== 0 && db.expires.has(key) ? 32 : 0);
    if (typeof v === 'number') return base + db.strings.length(v) + 16;
    return base + v.memoryUsage();
  }

  private pickRandom(policy: Policy): { db: Database; key: string } | null {
    const dbs = this.server.dbs;
    const volatile = policy === 'volatile-random';
    for (let i = 0; i < dbs.length; i++) {
      const db = dbs[this.nextDb++ % dbs.length];
      const dict = volatile ? db.expires : db.dict;
      if (dict.size === 0) continue;
      const key = dict.keyAt(dict.randomIndex());
      return { db, key };
    }
    return null;
  }

  /** Redis's evictionPoolPopulate + the pick of the best candidate that still exists. */
  private pickFromPool(policy: Policy): { db: Database; key: string } | null {
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
          const key = dict.keyAt(dict.randomIndex());
          this.poolInsert(db, key, this.idleScore(db, key, policy));
        }
      }
      if (total === 0) return null;
      // Best candidates first; entries whose key went away meanwhile are dropped.
      while (this.poolKeys.length > 0) {
        const key = this.poolKeys.pop()!;
        const dbid = this.poolDbs.pop()!;
        this.poolIdle.pop();
        const db = server.dbs[dbid];
        if (volatile ? db.expires.has(key) : db.dict.has(key)) return { db, key };
      }
    }
  }

  /** Higher = better to evict (Redis's `idle` of the pool). */
  private idleScore(db: Database, key: string, policy: Policy): number {
    if (policy === 'volatile-ttl') return Number.MAX_SAFE_INTEGER - (db.expires.get(key) ?? 0);
    const v = db.dict.get(key);
    if (v === undefined) return 0;
    const word = db.lruWord(v);
    if (policy.endsWith('-lfu')) {
      const lfu = this.server.lfu;
      return lfu ? 255 - lfuDecayedCounter(word, this.server.cmdTime, lfu) : 0;
    }
    const clock = this.server.lruClock();
    return clock >= word ? clock - word : clock + (0xffffffff - word);
  }

  private poolInsert(db: Database, key: string, idle: number): void {
    const keys = this.poolKeys;
    const idles = this.poolIdle;
    const dbs = this.poolDbs;
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
