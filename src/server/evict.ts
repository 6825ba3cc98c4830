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
 * a lower-bound estimate of the heap bytes of every evicted key (its key string, a
 * collection's nodes; off-heap string bytes are counted back at once by the store)
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
import { v8StringSize } from '../store/types/alloc.js';
import { fullGc } from '../util/gc.js';
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import type { Server } from './server.js';
import type { Database, RObject, Value } from '../store/database.js';
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
 * Heap bytes a deleted key surely gives back besides its value: its key string, a sequential
 * one-byte string (the parser's latin1Slice) of a 16-byte header plus its chars, 8-byte
 * aligned. Nothing else: the index is off-heap (KeyTable slots, not freed by a delete) and in
 * steady state the Dict's page arrays keep their size (a SET adds the key an eviction takes).
 * A lower bound: an overestimate is dropped at the next major GC, making the figure jump —
 * 47 bytes more per key (a V8 Map entry, gone since the KeyTable) made the keyspace swing by
 * a quarter between GCs, each swing a burst of tens of thousands of evictions.
 */
/** An expire time beside it: a boxed double (HeapNumber) in the expires Dict's value array. */
const EXPIRE_BYTES = 16;

export class Evictor {
  /**
   * The eviction pool, ascending by `idle` (the best candidate is last): poolLen entries of
   * database, score and index in the sampled dict. What identifies the sampled entry, checked
   * before it is evicted (entries move on deletes): for the allkeys policies its value — a
   * string handle in poolHandle, an object in poolRef — so that sampling never reads the key
   * (a cache miss per pool insert); for the volatile ones the key, in poolRef.
   */
  private readonly poolDbs = new Int32Array(POOL_SIZE);
  private readonly poolIdle = new Float64Array(POOL_SIZE);
  private readonly poolAt = new Int32Array(POOL_SIZE);
  private readonly poolHandle = new Float64Array(POOL_SIZE);
  private readonly poolRef: (string | RObject | null)[] = new Array<string | RObject | null>(POOL_SIZE).fill(
    null,
  );
  private poolLen = 0;
  /** Scratch of one pool refill: the sampled indices and their LRU/LFU words. */
  private sampleAt = new Int32Array(16);
  private sampleWord = new Uint32Array(16);
  /** Options read on every eviction, cached (config lookups are Map lookups). */
  private policy: Policy = 'noeviction';
  private samples = 5;
  private tenacityUs = 0;
  private lazyEviction = false;
  private configWatched = false;
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
  private static timeLimitUs(tenacity: number): number {
    if (tenacity <= 10) return 50 * tenacity;
    if (tenacity < 100) return Math.floor(500 * Math.pow(1.15, tenacity - 10));
    return Infinity;
  }

  /** Caches the options eviction reads on every call, and keeps them fresh (CONFIG SET). */
  private watchConfig(): void {
    this.configWatched = true;
    const config = this.server.config;
    const load = () => {
      this.policy = config.str('maxmemory-policy') as Policy;
      this.samples = Math.max(1, config.num('maxmemory-samples'));
      this.tenacityUs = Evictor.timeLimitUs(config.num('maxmemory-eviction-tenacity'));
      this.lazyEviction = config.bool('lazyfree-lazy-eviction');
    };
    load();
    for (const o of [
      'maxmemory-policy',
      'maxmemory-samples',
      'maxmemory-eviction-tenacity',
      'lazyfree-lazy-eviction',
    ])
      config.onChange(o, load);
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
    if (!this.configWatched) this.watchConfig();
    const policy = this.policy;
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
    const limitUs = this.tenacityUs;
    const random = policy === 'allkeys-random' || policy === 'volatile-random';
    // Unless LATENCY monitors eviction cycles, the clock is read only once a second key is
    // needed: most calls evict one key, and two clock reads were a few percent of a pipelined
    // SET's CPU. (The budget then misses the first key's microseconds.)
    let t0 = this.server.stats.latencyThreshold > 0 ? performance.now() : 0;
    while (freed < toFree) {
      if (this.freedSinceGc >= stale) break;
      if (t0 === 0 && keys === 1) t0 = performance.now();
      const picked = random ? this.pickRandom(policy) : this.pickFromPool(policy);
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

  /** Records the cycle in LATENCY (t0 is set whenever the latency monitor is on). */
  private recordLatency(t0: number): void {
    const threshold = this.server.stats.latencyThreshold;
    if (threshold <= 0 || t0 === 0) return;
    const ms = Math.floor(performance.now() - t0);
    if (ms >= threshold) this.server.stats.addLatencySample('eviction-cycle', ms, this.server.clock());
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
    // (Without AOF or replicas alsoPropagate does nothing: skip building its argv.)
    if (server.propagationSinks.length !== 0)
      server.alsoPropagate(db.id, [this.lazyEviction ? 'UNLINK' : 'DEL', key]);
    const offHeap = server.strings.usedBytes();
    db.deleteAt(i);
    server.signalModifiedKey(db, key);
    server.notifyKeyspaceEvent(NOTIFY_EVICTED, 'evicted', key, db.id);
    server.stats.evictedKeys++;
    this.freedSinceGc += heap;
    return heap + offHeap - server.strings.usedBytes();
  }

  /**
   * Heap bytes deleting the key gives back, a lower bound: the key string (and a TTL's boxed
   * time), a collection's nodes. A string value's bytes are off-heap: the store counts them back itself.
   */
  private heapSizeOf(db: Database, key: string, v: Value): number {
    const base = v8StringSize(key.length) + (db.expires.size !== 0 && db.expires.has(key) ? EXPIRE_BYTES : 0);
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
    const volatile = policy === 'volatile-lru' || policy === 'volatile-lfu' || policy === 'volatile-ttl';
    const samples = this.samples;
    for (;;) {
      let total = 0;
      for (const db of server.dbs) {
        const dict = volatile ? db.expires : db.dict;
        const n = dict.size;
        if (n === 0) continue;
        total += n;
        if (volatile) this.sampleVolatile(db, policy, Math.min(samples, n));
        else this.sampleAllKeys(db, policy === 'allkeys-lfu', Math.min(samples, n));
      }
      if (total === 0) return false;
      // Best candidates first; entries whose key went away meanwhile are dropped.
      const refs = this.poolRef;
      while (this.poolLen > 0) {
        const k = --this.poolLen;
        const ref = refs[k];
        refs[k] = null;
        const db = server.dbs[this.poolDbs[k]];
        const at = this.poolAt[k];
        let i = -1;
        if (volatile) {
          if (typeof ref !== 'string') continue; // sampled under an allkeys policy
          const e = db.expires;
          if ((at < e.size && e.keyAt(at) === ref) || e.has(ref)) i = db.dict.indexOf(ref);
        } else {
          // Still the sampled entry when its slot holds the same value: a live handle or
          // object belongs to one key. (A key moved by a delete meanwhile is dropped. A
          // handle freed and reused by a key that then moved into the slot would pass: rare,
          // and like Redis's pool naming a key deleted and re-created since, it only means
          // evicting with a stale score.)
          const d = db.dict;
          if (at < d.size) {
            const v = d.valAt(at);
            if (typeof v === 'number' ? v === this.poolHandle[k] : v === ref) i = at;
          }
        }
        if (i === -1) continue;
        // Another entry for the same slot is the same key: it must not match a later occupant.
        this.poolForget(db.id, at);
        this.pickDb = db;
        this.pickIndex = i;
        return true;
      }
    }
  }

  /** Drops the pool entries sampled at index `at` of database dbid. */
  private poolForget(dbid: number, at: number): void {
    const n = this.poolLen;
    const ats = this.poolAt;
    const dbs = this.poolDbs;
    let w = 0;
    for (let r = 0; r < n; r++) {
      if (ats[r] === at && dbs[r] === dbid) continue;
      if (w !== r) this.poolMove(r, w);
      w++;
    }
    for (let r = w; r < n; r++) this.poolRef[r] = null;
    this.poolLen = w;
  }

  /** Copies pool entry `from` to slot `to`. */
  private poolMove(from: number, to: number): void {
    this.poolDbs[to] = this.poolDbs[from];
    this.poolIdle[to] = this.poolIdle[from];
    this.poolAt[to] = this.poolAt[from];
    this.poolHandle[to] = this.poolHandle[from];
    this.poolRef[to] = this.poolRef[from];
  }

  /**
   * Offers `count` random keys of db's main dict to the pool. Random entries miss every cache:
   * the indices, values and LRU words are read in separate passes so that the misses of one
   * pass overlap (independent loads) instead of following one another.
   */
  private sampleAllKeys(db: Database, lfu: boolean, count: number): void {
    if (this.sampleAt.length < count) {
      this.sampleAt = new Int32Array(count);
      this.sampleWord = new Uint32Array(count);
    }
    const at = this.sampleAt;
    const words = this.sampleWord;
    const dict = db.dict;
    const strings = this.server.strings;
    for (let j = 0; j < count; j++) at[j] = dict.randomIndex();
    for (let j = 0; j < count; j++) {
      const v = dict.valAt(at[j]);
      words[j] = typeof v === 'number' ? strings.lruOf(v) : v.lru;
    }
    const params = lfu ? this.server.lfu : null;
    const now = this.server.cmdTime;
    const clock = this.server.lruClock();
    for (let j = 0; j < count; j++) {
      const w = words[j];
      const idle = lfu
        ? params
          ? 255 - lfuDecayedCounter(w, now, params)
          : 0
        : clock >= w
          ? clock - w
          : clock + (0xffffffff - w);
      if (this.poolLen === POOL_SIZE && idle <= this.poolIdle[0]) continue;
      const k = this.poolInsert(db.id, at[j], idle);
      if (k === -1) continue;
      const v = dict.valAt(at[j]);
      if (typeof v === 'number') {
        this.poolHandle[k] = v;
        this.poolRef[k] = null;
      } else {
        this.poolHandle[k] = -1;
        this.poolRef[k] = v;
      }
    }
  }

  /** Offers `count` random keys of db's expires dict to the pool. */
  private sampleVolatile(db: Database, policy: Policy, count: number): void {
    const expires = db.expires;
    for (let j = 0; j < count; j++) {
      const at = expires.randomIndex();
      let idle: number;
      if (policy === 'volatile-ttl') {
        idle = Number.MAX_SAFE_INTEGER - expires.valAt(at);
      } else {
        const v = db.dict.get(expires.keyAt(at));
        idle = v === undefined ? 0 : this.idleOf(v, policy);
      }
      const k = this.poolInsert(db.id, at, idle);
      if (k !== -1) {
        this.poolHandle[k] = -1;
        this.poolRef[k] = expires.keyAt(at);
      }
    }
  }

  /** Redis's `idle` of a value: its idle time (LRU) or 255 − its decayed counter (LFU). */
  private idleOf(v: Value, policy: Policy): number {
    const word = typeof v === 'number' ? this.server.strings.lruOf(v) : v.lru;
    if (policy === 'volatile-lfu' || policy === 'allkeys-lfu') {
      const lfu = this.server.lfu;
      return lfu ? 255 - lfuDecayedCounter(word, this.server.cmdTime, lfu) : 0;
    }
    const clock = this.server.lruClock();
    return clock >= word ? clock - word : clock + (0xffffffff - word);
  }

  /**
   * Makes room in the pool for an entry sampled at index `at` of database dbid's sampled dict,
   * as Redis's evictionPoolPopulate: in its place by score when it beats the worst entry or
   * the pool has room (the worst entry drops out of a full pool). An older entry for the
   * same slot goes (the same key, unless it moved). Returns the slot, whose identity
   * (poolHandle/poolRef) the caller sets, or -1 when the entry does not make it.
   */
  private poolInsert(dbid: number, at: number, idle: number): number {
    const idles = this.poolIdle;
    if (this.poolLen === POOL_SIZE && idle <= idles[0]) return -1;
    const ats = this.poolAt;
    const dbs = this.poolDbs;
    for (let j = 0; j < this.poolLen; j++) {
      if (ats[j] === at && dbs[j] === dbid) {
        this.poolForget(dbid, at);
        break;
      }
    }
    const n = this.poolLen;
    let k = 0;
    while (k < n && idles[k] < idle) k++;
    if (n === POOL_SIZE) {
      // Full: the worst (index 0) goes, the entries below k shift down by one.
      k--;
      for (let j = 0; j < k; j++) this.poolMove(j + 1, j);
    } else {
      for (let j = n; j > k; j--) this.poolMove(j - 1, j);
      this.poolLen = n + 1;
    }
    dbs[k] = dbid;
    idles[k] = idle;
    ats[k] = at;
    return k;
  }
}
