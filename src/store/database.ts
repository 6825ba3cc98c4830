/**
 * Database: one numbered keyspace (SELECT n). Like Redis's redisDb it holds the main Dict
 * (key -> value) and a separate `expires` Dict (key -> absolute unix ms), with lazy expiry
 * on access; the active expire cycle lives in server/expire.ts.
 *
 * A value is either a number — a handle into the StringStore (a string value) — or an
 * RObject (lists, hashes, sets, ...). The store layer never imports protocol/ or server/:
 * side effects of expiry go through KeyspaceHooks.
 */
import { Dict } from './dict.js';
import { StringStore } from './strings.js';

/**
 * A running point-in-time snapshot (persistence/snapshot.ts): told before a key changes so
 * it can save the old value first.
 */
export interface SnapshotHook {
  beforeWrite(db: Database, key: string): void;
  beforeFlush(db: Database): void;
}

/** Redis object types, as TYPE reports them. */
export type TypeName = 'string' | 'list' | 'set' | 'zset' | 'hash' | 'stream';

/** Base of non-string values. Data types under store/types/ implement it. */
export interface RObject {
  readonly type: Exclude<TypeName, 'string'>;
  /** LRU clock (seconds) of last access, for OBJECT IDLETIME / eviction. */
  lru: number;
  /** OBJECT ENCODING name. */
  encoding(): string;
  /** Deep copy (COPY). */
  clone(): RObject;
  /** Approximate bytes used, for MEMORY USAGE / INFO. */
  memoryUsage(): number;
  /**
   * V8 heap bytes the value holds, a lower bound (eviction's estimate of what deleting it
   * frees), where that differs from memoryUsage()'s Redis-shaped figure.
   */
  heapBytes?(): number;
}

export type Value = number | RObject;

export function isString(v: Value): v is number {
  return typeof v === 'number';
}

export function typeOf(v: Value): TypeName {
  return typeof v === 'number' ? 'string' : v.type;
}

/**
 * LFU parameters (maxmemory-policy *-lfu). When set, a value's `lru` field holds Redis's LFU
 * word instead of an LRU clock: the last decrement time in minutes (16 bits) << 8 | a
 * logarithmic access counter (8 bits).
 */
export interface LfuParams {
  logFactor: number;
  decayTime: number;
}

/** Counter of a fresh value under LFU (Redis's LFU_INIT_VAL). */
export const LFU_INIT_VAL = 5;

/** What the store needs from the server around it. */
export interface KeyspaceHooks {
  /** The frozen "now" (unix ms) of the running command. */
  now(): number;
  /** A key was found expired and removed: notify, propagate DEL, count stats. */
  onExpired(db: Database, key: string): void;
  /** Whether lazy expiry may delete keys (false on replicas, during loading, paused writes). */
  mayExpire(): boolean;
  /** LRU clock for touching values. */
  lruClock(): number;
  /** Non-null when an LFU maxmemory-policy is selected. */
  readonly lfu?: LfuParams | null;
  /**
   * A key holding a collection was added (Redis's dbAdd signalling the key as ready): clients
   * blocked on it may be served (BLPOP, BZPOPMIN, ...).
   */
  onKeyAdded?(db: Database, key: string): void;
  /** Any key was added (dbAdd): the `new` keyspace event. */
  onKeyCreated?(db: Database, key: string): void;
  /**
   * A key holding a collection was deleted or replaced by a value of another type (Redis's
   * signalDeletedKeyAsReady): XREADGROUP clients blocked on it get an error.
   */
  onKeyRemoved?(db: Database, key: string): void;
  /** The database was emptied (FLUSHDB/FLUSHALL): the same for every key clients wait on. */
  onFlushed?(db: Database): void;
}

/** Unix time in minutes, 16 bits (Redis's LFUGetTimeInMinutes). */
function lfuMinutes(nowMs: number): number {
  return Math.floor(nowMs / 60000) & 65535;
}

/**
 * The LFU counter of an LFU word after decay (LFUDecrAndReturn): one step down per
 * `decayTime` minutes since the last decrement.
 */
export function lfuDecayedCounter(word: number, nowMs: number, lfu: LfuParams): number {
  const ldt = (word >>> 8) & 65535;
  const counter = word & 255;
  const now = lfuMinutes(nowMs);
  const elapsed = now >= ldt ? now - ldt : 65535 - ldt + now;
  const periods = lfu.decayTime > 0 ? Math.floor(elapsed / lfu.decayTime) : 0;
  if (periods === 0) return counter;
  return periods > counter ? 0 : counter - periods;
}

/** Logarithmic increment of an LFU counter (LFULogIncr). */
function lfuLogIncr(counter: number, lfu: LfuParams): number {
  if (counter === 255) return 255;
  const base = Math.max(0, counter - LFU_INIT_VAL);
  const p = 1 / (base * lfu.logFactor + 1);
  return Math.random() < p ? counter + 1 : counter;
}

export class Database {
  dict: Dict<Value>;
  expires: Dict<number>;
  /** Statistics of SCAN-like sampling used by the active expire cycle. */
  avgTtl = 0;
  expiresCursor = 0;
  /**
   * Exact expire times beyond 2^53 ms (PEXPIREAT up to 2^63-1): `expires` keeps the nearest
   * double, which orders correctly against any real clock; TTL/PEXPIRETIME report these.
   */
  private bigExpires: Map<string, bigint> | null = null;
  /** The snapshot in progress (BGSAVE), told before any key changes; null otherwise. */
  snapshot: SnapshotHook | null = null;

  constructor(
    public readonly id: number,
    public readonly strings: StringStore,
    private readonly hooks: KeyspaceHooks,
    segmentLimit?: number,
  ) {
    this.dict = new Dict<Value>(segmentLimit);
    this.expires = new Dict<number>(segmentLimit);
  }

  get size(): number {
    return this.dict.size;
  }

  /** Absolute expire time in ms, or -1. */
  getExpire(key: string): number {
    if (this.expires.size === 0) return -1;
    const e = this.expires.get(key);
    return e === undefined ? -1 : e;
  }

  /** Like getExpire, but exact (a bigint) for times beyond 2^53 ms. */
  getExpireExact(key: string): number | bigint {
    const e = this.getExpire(key);
    if (e > Number.MAX_SAFE_INTEGER && this.bigExpires !== null) {
      const b = this.bigExpires.get(key);
      if (b !== undefined) return b;
    }
    return e;
  }

  /** True when key has a TTL that has passed (does not delete). */
  isExpired(key: string): boolean {
    if (this.expires.size === 0) return false;
    const e = this.expires.get(key);
    return e !== undefined && e <= this.hooks.now();
  }

  /** Deletes key if it is logically expired; returns true when it was expired. */
  expireIfNeeded(key: string): boolean {
    if (!this.isExpired(key)) return false;
    if (!this.hooks.mayExpire()) return true;
    this.delete(key);
    this.hooks.onExpired(this, key);
    return true;
  }

  /** Looks a key up for reading: expires it if due, touches its LRU clock. */
  lookupRead(key: string, touch = true): Value | undefined {
    const v = this.dict.get(key);
    if (v === undefined) return undefined;
    if (this.expires.size !== 0 && this.expireIfNeeded(key)) return undefined;
    if (touch) this.touchValue(v);
    return v;
  }

  /** Looks a key up for writing (expires it if due). */
  lookupWrite(key: string): Value | undefined {
    const v = this.dict.get(key);
    if (v === undefined) return undefined;
    if (this.snapshot !== null) this.snapshot.beforeWrite(this, key);
    if (this.expires.size !== 0 && this.expireIfNeeded(key)) return undefined;
    this.touchValue(v);
    return v;
  }

  /** Exists check without touching LRU (as EXISTS, which looks keys up with NOTOUCH). */
  exists(key: string): boolean {
    return this.lookupRead(key, false) !== undefined;
  }

  /** Records an access (Redis's LRU clock update, or updateLFU under an LFU policy). */
  touchValue(v: Value): void {
    const lfu = this.hooks.lfu;
    let word: number;
    if (lfu) {
      const now = this.hooks.now();
      const old = typeof v === 'number' ? this.strings.lruOf(v) : v.lru;
      word = (lfuMinutes(now) << 8) | lfuLogIncr(lfuDecayedCounter(old, now, lfu), lfu);
    } else {
      word = this.hooks.lruClock();
    }
    if (typeof v === 'number') this.strings.setLru(v, word);
    else v.lru = word;
  }

  /** Stamps a freshly created value as Redis's createObject does (LRU clock or LFU init). */
  initValue(v: Value): void {
    const word = this.hooks.lfu ? (lfuMinutes(this.hooks.now()) << 8) | LFU_INIT_VAL : this.hooks.lruClock();
    if (typeof v === 'number') this.strings.setLru(v, word);
    else v.lru = word;
  }

  /** The raw LRU/LFU word of a value (OBJECT IDLETIME / FREQ). */
  lruWord(v: Value): number {
    return typeof v === 'number' ? this.strings.lruOf(v) : v.lru;
  }

  /**
   * Sets key to value (Redis's setKey): replaces any old value (freeing its string storage
   * when it is a different handle) and clears the TTL unless keepTtl.
   */
  setKey(key: string, value: Value, keepTtl = false): void {
    if (this.snapshot !== null) this.snapshot.beforeWrite(this, key);
    const i = this.dict.indexOf(key);
    if (i === -1) {
      this.dict.add(key, value);
      this.initValue(value);
      if (typeof value !== 'number') this.hooks.onKeyAdded?.(this, key);
      this.hooks.onKeyCreated?.(this, key);
    } else {
      const old = this.dict.valAt(i);
      // A new value gets a fresh LRU stamp; under LFU the key keeps its access frequency
      // (dbSetValue). An in-place overwrite (same handle) counts as a new value.
      if (!this.hooks.lfu) this.initValue(value);
      if (old !== value) {
        if (this.hooks.lfu) {
          const word = this.lruWord(old);
          if (typeof value === 'number') this.strings.setLru(value, word);
          else value.lru = word;
        }
        if (typeof old === 'number') this.strings.free(old);
        else if (typeof value === 'number' || value.type !== old.type) this.hooks.onKeyRemoved?.(this, key);
        this.dict.setAt(i, value);
      }
      if (!keepTtl && this.expires.size !== 0) this.dropExpire(key);
    }
  }

  /**
   * SET's path: lookupKeyWrite + setKey for a string value given as text, with one Dict
   * lookup. An existing string value is rewritten in place (same handle, no heap
   * allocation); any other value is replaced. Clears the TTL unless keepTtl.
   */
  setString(key: string, s: string | Buffer, keepTtl: boolean): void {
    if (this.snapshot !== null) this.snapshot.beforeWrite(this, key);
    const dict = this.dict;
    let i = dict.indexOf(key);
    if (i !== -1 && this.expires.size !== 0 && this.expireIfNeeded(key)) i = dict.indexOf(key);
    if (i === -1) {
      const h = this.strings.createValue(s);
      dict.add(key, h);
      this.initValue(h);
      this.hooks.onKeyCreated?.(this, key);
      return;
    }
    const old = dict.valAt(i);
    const lfu = this.hooks.lfu;
    // Under LFU the lookup bumps the old value's counter and the new value inherits it
    // (lookupKey + dbSetValue); under LRU the value is simply stamped now.
    if (lfu) this.touchValue(old);
    if (typeof old === 'number') {
      this.strings.overwriteValue(old, s);
      if (!lfu) this.initValue(old);
    } else {
      const h = this.strings.createValue(s);
      this.hooks.onKeyRemoved?.(this, key);
      if (lfu) this.strings.setLru(h, old.lru);
      else this.initValue(h);
      dict.setAt(i, h);
    }
    if (!keepTtl && this.expires.size !== 0) this.dropExpire(key);
  }

  /** Adds a key known to be absent, holding a freshly created value. */
  add(key: string, value: Value): void {
    this.dict.add(key, value);
    this.initValue(value);
    if (typeof value !== 'number') this.hooks.onKeyAdded?.(this, key);
    this.hooks.onKeyCreated?.(this, key);
  }

  /** Adds a key known to be absent with a value taken from detach() (keeps its LRU/LFU). */
  attach(key: string, value: Value): void {
    this.dict.add(key, value);
    if (typeof value !== 'number') this.hooks.onKeyAdded?.(this, key);
    this.hooks.onKeyCreated?.(this, key);
  }

  /** Replaces the value of an existing key, keeping its TTL (Redis's dbOverwrite). */
  overwrite(key: string, value: Value): void {
    this.setKey(key, value, true);
  }

  /** Deletes key; returns true if it existed. Frees string storage. */
  delete(key: string): boolean {
    if (this.snapshot !== null) this.snapshot.beforeWrite(this, key);
    const v = this.dict.delete(key);
    if (v === undefined) return false;
    this.removed(key, v);
    return true;
  }

  /**
   * delete() of the entry at dict index i, found by the caller (eviction): relabelling the
   * index costs a probe, not another lookup of a key that is cold in every cache.
   */
  deleteAt(i: number): void {
    const key = this.dict.keyAt(i);
    if (this.snapshot !== null) this.snapshot.beforeWrite(this, key);
    const v = this.dict.valAt(i);
    this.dict.deleteAt(i);
    this.removed(key, v);
  }

  /** After key's entry left the dict: frees its value and drops its TTL. */
  private removed(key: string, v: Value): void {
    if (typeof v === 'number') this.strings.free(v);
    else this.hooks.onKeyRemoved?.(this, key);
    if (this.expires.size !== 0) this.dropExpire(key);
  }

  /** Removes key from this DB without freeing its value (MOVE, RENAME). */
  detach(key: string): Value | undefined {
    if (this.snapshot !== null) this.snapshot.beforeWrite(this, key);
    const v = this.dict.delete(key);
    if (v !== undefined && this.expires.size !== 0) this.dropExpire(key);
    if (v !== undefined && typeof v !== 'number') this.hooks.onKeyRemoved?.(this, key);
    return v;
  }

  /** Sets the absolute expire time (unix ms; a bigint only beyond 2^53, up to 2^63-1). */
  setExpire(key: string, whenMs: number | bigint): void {
    if (this.snapshot !== null) this.snapshot.beforeWrite(this, key);
    if (typeof whenMs === 'bigint') {
      const approx = Number(whenMs);
      if (approx > Number.MAX_SAFE_INTEGER) {
        (this.bigExpires ??= new Map()).set(key, whenMs);
      } else if (this.bigExpires !== null) {
        this.bigExpires.delete(key);
      }
      this.expires.set(key, approx);
      return;
    }
    if (this.bigExpires !== null) this.bigExpires.delete(key);
    this.expires.set(key, whenMs);
  }

  /** Removes the TTL; returns true if there was one. */
  removeExpire(key: string): boolean {
    if (this.expires.size === 0) return false;
    if (this.snapshot !== null) this.snapshot.beforeWrite(this, key);
    return this.dropExpire(key);
  }

  private dropExpire(key: string): boolean {
    if (this.bigExpires !== null) this.bigExpires.delete(key);
    return this.expires.delete(key) !== undefined;
  }

  /** A random key that is not expired (expired ones met on the way are deleted), or null. */
  randomKey(): string | null {
    let tries = 100;
    for (;;) {
      const key = this.dict.randomKey();
      if (key === undefined) return null;
      if (this.expires.size !== 0 && this.isExpired(key)) {
        if (!this.hooks.mayExpire()) {
          // Expired keys cannot be deleted here (a replica): when every key is volatile they
          // may all be expired, so give up after a while and return one, as Redis does.
          if (this.expires.size === this.dict.size && --tries === 0) return key;
          continue;
        }
        this.delete(key);
        this.hooks.onExpired(this, key);
        continue;
      }
      return key;
    }
  }

  /**
   * Empties the database; returns the number of keys removed. With freeValues false the
   * string handles are not released one by one (FLUSHALL clears the whole StringStore).
   */
  flush(freeValues = true): number {
    if (this.snapshot !== null) this.snapshot.beforeFlush(this);
    const n = this.dict.size;
    if (freeValues) {
      const dict = this.dict;
      for (let i = 0; i < dict.size; i++) {
        const v = dict.valAt(i);
        if (typeof v === 'number') this.strings.free(v);
      }
    }
    this.dict.clear();
    this.expires.clear();
    this.bigExpires = null;
    if (n !== 0) this.hooks.onFlushed?.(this);
    this.avgTtl = 0;
    this.expiresCursor = 0;
    return n;
  }

  /** SWAPDB: exchanges the contents (keys, expires, expiry stats) of two databases. */
  swapWith(other: Database): void {
    const dict = this.dict;
    this.dict = other.dict;
    other.dict = dict;
    const expires = this.expires;
    this.expires = other.expires;
    other.expires = expires;
    const big = this.bigExpires;
    this.bigExpires = other.bigExpires;
    other.bigExpires = big;
    const avg = this.avgTtl;
    this.avgTtl = other.avgTtl;
    other.avgTtl = avg;
    const cur = this.expiresCursor;
    this.expiresCursor = other.expiresCursor;
    other.expiresCursor = cur;
  }
}
