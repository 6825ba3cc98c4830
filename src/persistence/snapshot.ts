/**
 * Point-in-time snapshots without fork (BGSAVE, SAVE, and later AOF rewrites).
 *
 * The keyspace is serialised in small time slices on the event loop while clients keep
 * writing. A write that is about to change a key not serialised yet first serialises the
 * key's old value (Database calls `beforeWrite` — one null check on the hot path when no
 * snapshot runs), so the file holds every key as it was when the snapshot started:
 *
 * - Each database's Dict is walked by index from the top down (`p` = next index to write).
 *   Entries above `p` are done; new keys are appended above `p`, so they are never written.
 * - A delete moves the Dict's last entry into the hole (Dict.onMove). When a written entry
 *   (above `p`) moves into the unwritten part, its key goes to `skip`, as does every key
 *   written early by beforeWrite: the walk passes over keys in `skip`. Extra memory is the
 *   output buffer plus `skip`, which grows only with the keys written to during the snapshot.
 * - State is keyed by the Dict object, not the database number, so SWAPDB during a snapshot
 *   needs nothing special; FLUSHDB writes the rest of that database first (it is O(N)
 *   anyway); FLUSHALL aborts the snapshot (Redis kills its child there too).
 * - A key written early goes into the file right away, after a SELECTDB of its database
 *   when the file is in another one; the walk re-selects its database when it resumes.
 */
import { performance } from 'node:perf_hooks';
import type { Database, Value, SnapshotHook } from '../store/database.js';
import type { Dict } from '../store/dict.js';
import type { Server } from '../server/server.js';
import { writeFunctionsSection } from './functions-hook.js';
import { RdbOut, writeFooter, writeHeader, writeKeyValue, writeSelectDb, type KeyMeta } from './rdb.js';
import type { StringStore } from '../store/strings.js';

/**
 * What a snapshot writes: the RDB format by default; the AOF rewrite without RDB preamble
 * plugs in one that writes commands instead (aof.ts).
 */
export interface SnapshotFormat {
  header(out: RdbOut): void;
  /** size < 0: a re-select in the middle of the file (no RESIZEDB). */
  selectDb(out: RdbOut, id: number, size: number, expires: number): void;
  entry(out: RdbOut, key: string, v: Value, meta: KeyMeta, strings: StringStore): void;
  footer(out: RdbOut): void;
}

interface DictState {
  readonly dbId: number;
  readonly dict: Dict<Value>;
  readonly expires: Dict<number>;
  /** Next index to write; -1 when this dict is done. */
  p: number;
  /** Keys at or below p that the walk must pass over. */
  skip: Set<string> | null;
  readonly size: number;
  readonly expiresSize: number;
  /** The walk has emitted this database's SELECTDB + RESIZEDB. */
  started: boolean;
}

export interface SnapshotOptions {
  aux: [string, string][];
  checksum: boolean;
  /** Save IDLE/FREQ per key (maxmemory-policy LRU/LFU). */
  saveLru: boolean;
  saveLfu: boolean;
  /** Time budget of one slice (ms). */
  sliceMs?: number;
  /** rdb-key-save-delay (microseconds per key), for tests. */
  keyDelayUs?: number;
  /** Another output format (the AOF rewrite's command base); RDB when absent. */
  format?: SnapshotFormat;
}

export class Snapshot implements SnapshotHook {
  readonly out: RdbOut;
  private readonly states: DictState[] = [];
  private readonly byDict = new Map<Dict<Value>, DictState>();
  private cur = 0;
  /** The database the file is in (last SELECTDB), -1 = none yet. */
  private fileDb = -1;
  keysWritten = 0;
  readonly keysTotal: number;
  done = false;
  aborted = false;
  private readonly meta: KeyMeta = { expireMs: -1, idle: -1, freq: -1 };
  /** The write hooks are installed (a background snapshot). */
  private attached = false;
  private readonly format: SnapshotFormat;

  constructor(
    private readonly server: Server,
    sink: (chunk: Buffer) => void,
    private readonly opts: SnapshotOptions,
  ) {
    this.out = new RdbOut({ compression: server.config.bool('rdbcompression') }, sink);
    this.format = opts.format ?? {
      header: (out) => {
        writeHeader(out, opts.aux);
        writeFunctionsSection(out, server);
      },
      selectDb: writeSelectDb,
      entry: writeKeyValue,
      footer: (out) => writeFooter(out, opts.checksum),
    };
    this.format.header(this.out);
    let total = 0;
    for (const db of server.dbs) {
      if (db.dict.size === 0) continue;
      const st: DictState = {
        dbId: db.id,
        dict: db.dict,
        expires: db.expires,
        p: db.dict.size - 1,
        skip: null,
        size: db.dict.size,
        expiresSize: db.expires.size,
        started: false,
      };
      total += st.size;
      this.states.push(st);
      this.byDict.set(db.dict, st);
    }
    this.keysTotal = total;
  }

  /** Installs the write hooks (BGSAVE); a synchronous save never needs them. */
  attach(): void {
    this.attached = true;
    for (const db of this.server.dbs) db.snapshot = this;
    for (const st of this.states) {
      st.dict.onMove = (key, from, to) => {
        if (key !== null && from > st.p && to <= st.p) (st.skip ??= new Set()).add(key);
        // The Dict shrinks to `from` entries: a key appended later lands above p.
        if (st.p >= from) st.p = from - 1;
      };
    }
  }

  private detach(): void {
    // A synchronous save never attached: it must not remove a background snapshot's hooks.
    if (!this.attached) return;
    this.attached = false;
    for (const db of this.server.dbs) if (db.snapshot === this) db.snapshot = null;
    for (const st of this.states) st.dict.onMove = null;
  }

  private dbOf(st: DictState): Database | undefined {
    for (const db of this.server.dbs) if (db.dict === st.dict) return db;
    return undefined;
  }

  private writeEntry(st: DictState, i: number, db: Database | undefined): void {
    const key = st.dict.keyAt(i);
    const v = st.dict.valAt(i);
    const meta = this.meta;
    if (st.expires.size !== 0) {
      const e = db !== undefined ? db.getExpireExact(key) : (st.expires.get(key) ?? -1);
      meta.expireMs = e;
    } else meta.expireMs = -1;
    if (this.opts.saveLru || this.opts.saveLfu) {
      const word = typeof v === 'number' ? this.server.strings.lruOf(v) : v.lru;
      if (this.opts.saveLfu) {
        meta.freq = word & 255;
        meta.idle = -1;
      } else {
        meta.idle = Math.max(0, Math.floor(this.server.clock() / 1000) - word);
        meta.freq = -1;
      }
    }
    this.format.entry(this.out, key, v, meta, this.server.strings);
    this.keysWritten++;
  }

  private selectFor(st: DictState, walk: boolean): void {
    if (walk && !st.started) {
      st.started = true;
      this.format.selectDb(this.out, st.dbId, st.size, st.expiresSize);
      this.fileDb = st.dbId;
      return;
    }
    if (this.fileDb !== st.dbId) {
      this.format.selectDb(this.out, st.dbId, -1, 0);
      this.fileDb = st.dbId;
    }
  }

  // ---- SnapshotHook ------------------------------------------------------------------------
  beforeWrite(db: Database, key: string): void {
    const st = this.byDict.get(db.dict);
    if (st === undefined || st.p < 0) return;
    const i = st.dict.indexOf(key);
    if (i === -1 || i > st.p) return;
    if (st.skip !== null && st.skip.has(key)) return;
    this.selectFor(st, false);
    this.writeEntry(st, i, db);
    (st.skip ??= new Set()).add(key);
  }

  beforeFlush(db: Database): void {
    const st = this.byDict.get(db.dict);
    if (st === undefined || st.p < 0) return;
    // The rest of this database goes to the file now: FLUSHDB is O(N) anyway.
    this.walk(st, Infinity, db);
  }

  /** Writes st's remaining entries (at most until `deadline`); true when st is done. */
  private walk(st: DictState, deadline: number, db: Database | undefined): boolean {
    if (st.p >= st.dict.size) st.p = st.dict.size - 1;
    if (st.p < 0) return true;
    this.selectFor(st, true);
    const dict = st.dict;
    let n = 0;
    const delay = this.opts.keyDelayUs ?? 0;
    while (st.p >= 0) {
      const i = st.p;
      if (st.skip === null || !st.skip.has(dict.keyAt(i))) {
        this.writeEntry(st, i, db);
        if (delay > 0) busyWait(delay);
      }
      st.p--;
      if ((++n & 31) === 0) {
        this.out.maybeFlush();
        if (performance.now() >= deadline) break;
      }
    }
    this.out.maybeFlush();
    if (st.p < 0) {
      st.skip = null;
      return true;
    }
    return false;
  }

  /** Runs one time slice; true when every key is written (the footer too). */
  step(): boolean {
    const deadline = performance.now() + (this.opts.sliceMs ?? 1);
    while (this.cur < this.states.length) {
      const st = this.states[this.cur];
      if (!this.walk(st, deadline, this.dbOf(st))) return false;
      this.cur++;
      if (performance.now() >= deadline && this.cur < this.states.length) return false;
    }
    this.finish();
    return true;
  }

  /** Writes everything at once (SAVE, SHUTDOWN, DEBUG RELOAD). */
  runToEnd(): void {
    while (this.cur < this.states.length) {
      const st = this.states[this.cur];
      this.walk(st, Infinity, this.dbOf(st));
      this.cur++;
    }
    this.finish();
  }

  private finish(): void {
    if (this.done) return;
    this.format.footer(this.out);
    this.done = true;
    this.detach();
  }

  abort(): void {
    this.aborted = true;
    this.detach();
  }
}

function busyWait(us: number): void {
  const until = performance.now() + us / 1000;
  while (performance.now() < until);
}
