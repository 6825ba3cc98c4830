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
}

export type Value = number | RObject;

export function isString(v: Value): v is number {
  return typeof v === 'number';
}

export function typeOf(v: Value): TypeName {
  return typeof v === 'number' ? 'string' : v.type;
}

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
  /**
   * A key holding a collection was added (Redis's dbAdd signalling the key as ready): clients
   * blocked on it may be served (BLPOP, BZPOPMIN, ...).
   */
  onKeyAdded?(db: Database, key: string): void;
}

export class Database {
  dict: Dict<Value>;
  expires: Dict<number>;
  /** Statistics of SCAN-like sampling used by the active expire cycle. */
  avgTtl = 0;
  expiresCursor = 0;

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
    if (this.expires.size !== 0 && this.expireIfNeeded(key)) return undefined;
    this.touchValue(v);
    return v;
  }

  /** Exists check without touching LRU (EXISTS does touch in Redis; callers decide). */
  exists(key: string): boolean {
    return this.lookupRead(key, false) !== undefined;
  }

  touchValue(v: Value): void {
    const clock = this.hooks.lruClock();
    if (typeof v === 'number') this.strings.lru[v] = clock;
    else v.lru = clock;
  }

  /**
   * Sets key to value (Redis's setKey): replaces any old value (freeing its string storage
   * when it is a different handle) and clears the TTL unless keepTtl.
   */
  setKey(key: string, value: Value, keepTtl = false): void {
    const i = this.dict.indexOf(key);
    if (i === -1) {
      this.dict.add(key, value);
      this.touchValue(value);
      if (typeof value !== 'number') this.hooks.onKeyAdded?.(this, key);
    } else {
      const old = this.dict.vals[i];
      if (old !== value && typeof old === 'number') this.strings.free(old);
      this.dict.vals[i] = value;
      this.touchValue(value);
      if (!keepTtl && this.expires.size !== 0) this.expires.delete(key);
    }
  }

  /** Adds a key known to be absent. */
  add(key: string, value: Value): void {
    this.dict.add(key, value);
    this.touchValue(value);
    if (typeof value !== 'number') this.hooks.onKeyAdded?.(this, key);
  }

  /** Replaces the value of an existing key, keeping its TTL (Redis's dbOverwrite). */
  overwrite(key: string, value: Value): void {
    this.setKey(key, value, true);
  }

  /** Deletes key; returns true if it existed. Frees string storage. */
  delete(key: string): boolean {
    const v = this.dict.delete(key);
    if (v === undefined) return false;
    if (typeof v === 'number') this.strings.free(v);
    if (this.expires.size !== 0) this.expires.delete(key);
    return true;
  }

  /** Removes key from this DB without freeing its value (MOVE, RENAME). */
  detach(key: string): Value | undefined {
    const v = this.dict.delete(key);
    if (v !== undefined && this.expires.size !== 0) this.expires.delete(key);
    return v;
  }

  setExpire(key: string, whenMs: number): void {
    this.expires.set(key, whenMs);
  }

  /** Removes the TTL; returns true if there was one. */
  removeExpire(key: string): boolean {
    if (this.expires.size === 0) return false;
    return this.expires.delete(key) !== undefined;
  }

  /** A random key that is not expired (expired ones met on the way are deleted), or null. */
  randomKey(): string | null {
    let tries = 0;
    for (;;) {
      const key = this.dict.randomKey();
      if (key === undefined) return null;
      if (this.expires.size !== 0 && this.isExpired(key)) {
        // If every key is volatile, give up after a while and return an expired one, as Redis
        // does on replicas; otherwise delete and retry.
        if (this.expires.size === this.dict.size && ++tries >= 100) return key;
        if (this.hooks.mayExpire()) {
          this.delete(key);
          this.hooks.onExpired(this, key);
        }
        continue;
      }
      return key;
    }
  }

  /** Empties the database; returns the number of keys removed. */
  flush(): number {
    const n = this.dict.size;
    const vals = this.dict.vals;
    for (let i = 0; i < vals.length; i++) {
      const v = vals[i];
      if (typeof v === 'number') this.strings.free(v);
    }
    this.dict.clear();
    this.expires.clear();
    this.avgTtl = 0;
    this.expiresCursor = 0;
    return n;
  }
}
