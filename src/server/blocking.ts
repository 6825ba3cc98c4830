/**
 * Blocking operations on keys: Redis 7.0's blocked.c (blockForKeys, signalKeyAsReady,
 * handleClientsBlockedOnKeys, the timeout table, CLIENT UNBLOCK), shared by lists (BLPOP,
 * BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP), sorted sets (BZPOPMIN, BZPOPMAX, BZMPOP) and streams
 * (XREAD/XREADGROUP BLOCK).
 *
 * ## API (one `Blocking` per server: `server.blocking`)
 *
 * A blocking command first tries to run without blocking. When it must wait, it calls
 *
 *     if (!mayBlock(c)) { ...reply as on timeout...; return; }   // inside MULTI/EXEC, scripts
 *     c.server.blocking.blockForKeys(c, keys, timeoutMs, HANDLER, arg);
 *
 * and returns without replying. `timeoutMs` is absolute unix ms (0 = forever), as
 * `parseTimeout()` returns it. `HANDLER` is a module-level constant (no closures per call):
 *
 *     const HANDLER: BlockHandler = {
 *       type: 'list',                       // the value type this client waits for
 *       serve(c, db, key, arg) { ... },     // the key now holds a value of `type`: try to
 *                                           // serve c (write its reply, notify, propagate)
 *                                           // and return true, or return false to go on
 *                                           // waiting (e.g. XREAD finding no new entry)
 *       timeout(c, arg) { ... },            // optional: the timeout reply (default: null
 *                                           // array, `*-1` / RESP3 `_`, as Redis 7.0 for
 *                                           // lists, zsets and streams)
 *     };
 *
 * `arg` is whatever the command needs to finish later (direction, count, destination...).
 * The client's flags get CLIENT_BLOCKED: its pipeline stops (processInput) until it is served,
 * times out, is unblocked by CLIENT UNBLOCK or disconnects (which leaves no trace).
 *
 * Waking up: a write that may make a key ready calls `signalKeyAsReady(db, key)`. Keys
 * created with `Database.add`/`setKey` (any RObject: LPUSH creating a list, ZADD, RENAME,
 * MOVE, COPY, RESTORE, SORT STORE, ...) are signalled automatically through the keyspace
 * hook, as Redis's dbAdd does; a command that adds to a value that already exists while
 * clients may wait on it (XADD) calls `signalKeyAsReady` itself. After every top-level
 * command (the dispatcher, and therefore after EXEC and scripts as a whole) the server calls
 * `handleClientsBlockedOnKeys()`, which serves the clients waiting on each ready key in
 * arrival order, re-checking the key before each (a served pop may delete it) and skipping
 * clients that wait for another type; keys made ready while serving (BLMOVE pushing to its
 * destination) are handled in turn, until nothing is ready.
 *
 * Served, timed-out and CLIENT UNBLOCKed clients complete their command: latency and slow
 * log statistics (calls were counted when the command ran, as in Redis 7.0), failed_calls
 * when the completion replied an error, the CLIENT REPLY mode, and then the rest of their
 * pipeline runs from the next event-loop turn (Redis's unblocked_clients in beforeSleep).
 *
 * SWAPDB (and anything else that replaces a database's contents at once) calls
 * `scanDatabaseForReadyKeys(db)` for each database whose contents changed.
 *
 * Other ways to block (WAIT, ...) may use `blockForKeys(c, [], timeout, handler, arg)` and
 * end the wait with `unblockWithReply(c, writeReply)`.
 */
import type { Server } from './server.js';
import { Client, CLIENT_BLOCKED, CLIENT_DENY_BLOCKING, CLIENT_MULTI } from './client.js';
import type { Database, TypeName } from '../store/database.js';
import { typeOf } from '../store/database.js';
import type { CommandSpec } from '../commands/types.js';
import { FLAG_BITS } from '../commands/types.js';
import { applyReplyMode } from './dispatcher.js';
import { parseInt64 } from '../util/numbers.js';

export interface BlockHandler {
  /** The value type the client waits for; keys holding another type do not wake it. */
  readonly type: TypeName;
  /** Tries to serve c from key (which holds a value of `type`); true when c got its reply. */
  serve(c: Client, db: Database, key: string, arg: unknown): boolean;
  /** The reply on timeout or CLIENT UNBLOCK TIMEOUT (default: the null array). */
  timeout?(c: Client, arg: unknown): void;
  /**
   * Optional: a signalled key is missing or holds another type (deleted streams wake
   * XREADGROUP with an error); true when c got its reply, false to go on waiting.
   */
  keyGone?(c: Client, db: Database, key: string, arg: unknown): boolean;
}

/** A node of a key's wait list (doubly linked: O(1) removal when a client leaves). */
interface WaitNode {
  bs: BlockedState;
  prev: WaitNode | null;
  next: WaitNode | null;
  list: WaitList;
  key: string;
}

class WaitList {
  head: WaitNode | null = null;
  tail: WaitNode | null = null;
  size = 0;
}

/** What a blocked client waits for (Redis's c->bpop). */
export class BlockedState {
  nodes: WaitNode[] = [];
  /** Position in the timeout heap, -1 when not in it (timeout 0). */
  heapIndex = -1;
  constructor(
    readonly c: Client,
    readonly db: Database,
    readonly handler: BlockHandler,
    readonly arg: unknown,
    /** Absolute unix ms; 0 = forever. */
    readonly timeout: number,
    /** The command that blocked, for the statistics recorded when it completes. */
    readonly cmd: CommandSpec | null,
    readonly argv: string[],
  ) {}
}

interface ReadyKey {
  db: Database;
  key: string;
}

const F_FAST = FLAG_BITS.fast;
const F_SKIP_SLOWLOG = FLAG_BITS.skip_slowlog;

export const ERR_TIMEOUT_FLOAT = 'ERR timeout is not a float or out of range';
export const ERR_TIMEOUT_INT = 'ERR timeout is not an integer or out of range';
export const ERR_TIMEOUT_NEGATIVE = 'ERR timeout is negative';
const TWO_63 = 2 ** 63;
const TWO_63_BIG = 1n << 63n;

const DEC_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const HEX_RE = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const INF_RE = /^([+-]?)(?:inf|infinity)$/i;
/** Long double (x87, 64-bit mantissa) limits: overflow at 2^16384, nothing below 2^-16446. */
const LD_MAX_EXP = 16384;
const LD_MIN_EXP = -16446;

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** num/den (positive) rounded to a 64-bit mantissa, half to even: [mantissa, exponent]. */
function roundTo64(num: bigint, den: bigint): [bigint, number] {
  let e = bitLength(num) - bitLength(den) - 64;
  for (;;) {
    const n = e < 0 ? num << BigInt(-e) : num;
    const d = e > 0 ? den << BigInt(e) : den;
    let q = n / d;
    if (q >= 1n << 64n) {
      e++;
      continue;
    }
    if (q < 1n << 63n) {
      e--;
      continue;
    }
    const r2 = (n % d) * 2n;
    if (r2 > d || (r2 === d && (q & 1n) === 1n)) q++;
    if (q === 1n << 64n) return [1n << 63n, e + 1];
    return [q, e];
  }
}

/**
 * Redis 7.0.15's seconds timeout: strtold(arg) * 1000 (rounded as a long double), ceill(),
 * then cast to long long (out of range becomes INT64_MIN). Exact, with BigInt, so that edges
 * like "-0.001" (just above -1 ms as a long double: blocks forever) answer as Redis does.
 * Returns the ms (a bigint), or null when strtold would not take the whole string.
 */
function secondsToMs(arg: string): bigint | null {
  if (arg.length === 0 || arg.length >= 5120) return null;
  let neg: boolean;
  let num: bigint;
  let den = 1n;
  let m = DEC_RE.exec(arg);
  if (m !== null) {
    const int = m[2];
    const frac = m[3] ?? '';
    if (int.length + frac.length === 0) return null;
    neg = m[1] === '-';
    num = BigInt(int + frac || '0');
    const exp = (m[4] === undefined ? 0 : Math.max(-100000, Math.min(100000, Number(m[4])))) - frac.length;
    if (num !== 0n) {
      // Out of the long double range long before 10^+-5000: strtold reports ERANGE.
      const digits = num.toString().length;
      if (digits + exp > 4934) return null;
      if (digits + exp < -4952) return null;
    }
    if (exp >= 0) num *= 10n ** BigInt(exp);
    else den = 10n ** BigInt(-exp);
  } else if ((m = HEX_RE.exec(arg)) !== null) {
    const int = m[2];
    const frac = m[3] ?? '';
    if (int.length + frac.length === 0) return null;
    neg = m[1] === '-';
    num = BigInt('0x' + (int + frac || '0'));
    const exp =
      (m[4] === undefined ? 0 : Math.max(-100000, Math.min(100000, Number(m[4])))) - 4 * frac.length;
    if (exp >= 0) num <<= BigInt(Math.min(exp, 20000));
    else den = 1n << BigInt(Math.min(-exp, 20000));
  } else if ((m = INF_RE.exec(arg)) !== null) {
    return -TWO_63_BIG; // (long long) of +-inf is INT64_MIN
  } else {
    return null;
  }
  if (num === 0n) return 0n;
  let [mant, e] = roundTo64(num, den);
  const top = e + 63;
  if (top >= LD_MAX_EXP) return null; // HUGE_VAL with ERANGE
  if (top < LD_MIN_EXP) return null; // underflows to zero with ERANGE
  // The product by 1000, rounded to the long double mantissa again.
  [mant, e] = roundTo64(mant * 1000n * (e > 0 ? 1n << BigInt(e) : 1n), e < 0 ? 1n << BigInt(-e) : 1n);
  let ms: bigint;
  if (e >= 0) ms = mant << BigInt(e);
  else {
    const sh = BigInt(-e);
    ms = mant >> sh;
    // ceil: up for positive values with a fraction; truncation is the ceiling of negatives.
    if (!neg && (mant & ((1n << sh) - 1n)) !== 0n) ms++;
  }
  if (neg) ms = -ms;
  if (ms >= TWO_63_BIG || ms < -TWO_63_BIG) return -TWO_63_BIG;
  return ms;
}

/**
 * Parses a blocking timeout (getTimeoutFromObjectOrReply of Redis 7.0.15): seconds as a long
 * double, rounded up to whole ms, or integer ms when !seconds. Returns the absolute deadline
 * in unix ms (0 = block forever), or null after replying the error.
 */
export function parseTimeout(c: Client, arg: string, seconds = true): number | null {
  let ms: number;
  if (seconds) {
    const v = secondsToMs(arg);
    if (v === null) {
      c.error(ERR_TIMEOUT_FLOAT);
      return null;
    }
    ms = Number(v);
  } else {
    const v = parseInt64(arg);
    if (v === null) {
      c.error(ERR_TIMEOUT_INT);
      return null;
    }
    ms = Number(v);
  }
  if (ms < 0) {
    c.error(ERR_TIMEOUT_NEGATIVE);
    return null;
  }
  if (ms === 0) return 0;
  // A deadline past int64 wraps in Redis and then never fires: wait forever, but stay in
  // the timeout table as Redis does (clients_in_timeout_table).
  const at = c.server.cmdTime + ms;
  return at >= TWO_63 ? Number.MAX_VALUE : at;
}

/** Whether c may block now: not inside MULTI/EXEC, a script, or anything that denies it. */
export function mayBlock(c: Client): boolean {
  return (c.flags & (CLIENT_MULTI | CLIENT_DENY_BLOCKING)) === 0;
}

/** CLIENT UNBLOCK's hook (Client.unblockHandler) while a client is blocked here. */
function unblockViaClientCommand(c: Client, error: boolean): void {
  const bs = c.bstate;
  if (bs === null) return;
  // Redis 7.0 counts the unblocked command as failed either way.
  c.server.blocking.complete(bs, error ? replyUnblockedError : replyTimeout, true);
}

function replyUnblockedError(c: Client): void {
  c.error('UNBLOCKED client unblocked via CLIENT UNBLOCK');
}

function replyTimeout(c: Client): void {
  const bs = c.bstate!;
  if (bs.handler.timeout !== undefined) bs.handler.timeout(c, bs.arg);
  else c.out.nullArray();
}

export class Blocking {
  /** Per db: key -> clients waiting on it, in arrival order (db->blocking_keys). */
  private waiting: Map<string, WaitList>[] = [];
  /** Number of keys with waiters, over all dbs (fast path for signalKeyAsReady). */
  private waitingKeys = 0;
  /** Keys signalled since the last handleClientsBlockedOnKeys (server.ready_keys). */
  private ready: ReadyKey[] = [];
  /** Per db: keys already in `ready` (db->ready_keys). */
  private readySets: Set<string>[] = [];
  /** Min-heap of blocked clients by deadline (the timeout table). */
  private heap: BlockedState[] = [];
  private timer: NodeJS.Timeout | null = null;
  private timerAt = 0;
  /** Clients unblocked since the last resume, whose pipelines run next. */
  private unblocked: Client[] = [];
  private resumeScheduled = false;
  /** Clients blocked on keys (INFO blocked_clients). */
  blockedClients = 0;

  constructor(private readonly server: Server) {}

  /** Clients with a deadline (INFO clients_in_timeout_table). */
  get clientsInTimeoutTable(): number {
    return this.heap.length;
  }

  /** Keys with at least one waiter, over all databases. */
  get blockingKeys(): number {
    return this.waitingKeys;
  }

  /** Whether any client is blocked on this key of db. */
  hasWaiters(db: Database, key: string): boolean {
    if (this.waitingKeys === 0) return false;
    const m = this.waiting[db.id];
    return m !== undefined && m.has(key);
  }

  /**
   * Parks c on keys (duplicates ignored) until one of them is ready and the handler serves
   * it, or until timeoutMs (absolute, 0 = forever). The caller returns without replying.
   */
  blockForKeys(
    c: Client,
    keys: readonly string[],
    timeoutMs: number,
    handler: BlockHandler,
    arg: unknown,
  ): void {
    const db = c.db;
    const bs = new BlockedState(c, db, handler, arg, timeoutMs, c.cmd, c.argv ?? []);
    let m = this.waiting[db.id];
    if (m === undefined) m = this.waiting[db.id] = new Map();
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      let dup = false;
      for (let j = 0; j < bs.nodes.length; j++) if (bs.nodes[j].key === key) dup = true;
      if (dup) continue;
      let wl = m.get(key);
      if (wl === undefined) {
        wl = new WaitList();
        m.set(key, wl);
        this.waitingKeys++;
      }
      const node: WaitNode = { bs, prev: wl.tail, next: null, list: wl, key };
      if (wl.tail !== null) wl.tail.next = node;
      else wl.head = node;
      wl.tail = node;
      wl.size++;
      bs.nodes.push(node);
    }
    c.bstate = bs;
    c.flags |= CLIENT_BLOCKED;
    c.unblockHandler = unblockViaClientCommand;
    this.blockedClients++;
    if (timeoutMs !== 0) {
      this.heapPush(bs);
      this.armTimer();
    }
  }

  /** A write made key (possibly) ready: queue it for handleClientsBlockedOnKeys. */
  signalKeyAsReady(db: Database, key: string): void {
    if (this.waitingKeys === 0) return;
    const m = this.waiting[db.id];
    if (m === undefined || !m.has(key)) return;
    let rs = this.readySets[db.id];
    if (rs === undefined) rs = this.readySets[db.id] = new Set();
    if (rs.has(key)) return;
    rs.add(key);
    this.ready.push({ db, key });
  }

  /**
   * Signals every key of db that clients wait on and that now holds a collection (Redis's
   * scanDatabaseForReadyKeys): for SWAPDB and anything else that replaces a database's
   * contents wholesale.
   */
  scanDatabaseForReadyKeys(db: Database): void {
    const m = this.waiting[db.id];
    if (m === undefined) return;
    for (const key of m.keys()) {
      const v = db.dict.get(key);
      if (v !== undefined && typeof v !== 'number') this.signalKeyAsReady(db, key);
    }
  }

  /**
   * Redis's scanDatabaseForDeletedKeys, for SWAPDB (called after the swap; `before` now holds
   * what db held): a waited-on key that held a value and now holds none, or one of another
   * type, is signalled, so that its XREADGROUP waiters are unblocked with an error.
   */
  scanDatabaseForDeletedKeys(db: Database, before: Database): void {
    const m = this.waiting[db.id];
    if (m === undefined) return;
    for (const key of m.keys()) {
      const was = before.dict.get(key);
      if (was === undefined) continue;
      const now = db.dict.get(key);
      if (now === undefined || typeOf(now) !== typeOf(was)) this.signalKeyAsReady(db, key);
    }
  }

  /** Signals every key of db that clients wait on (the database was emptied). */
  signalWaitingKeys(db: Database): void {
    const m = this.waiting[db.id];
    if (m === undefined) return;
    for (const key of m.keys()) this.signalKeyAsReady(db, key);
  }

  /** Whether handleClientsBlockedOnKeys has anything to do. */
  get hasReadyKeys(): boolean {
    return this.ready.length !== 0;
  }

  /**
   * Serves the clients blocked on every ready key, in arrival order, until no key is ready
   * (serving may make more keys ready: BLMOVE's destination).
   */
  handleClientsBlockedOnKeys(): void {
    const server = this.server;
    while (this.ready.length !== 0) {
      const batch = this.ready;
      this.ready = [];
      for (let i = 0; i < batch.length; i++) {
        const { db, key } = batch[i];
        this.readySets[db.id]?.delete(key);
        const wl = this.waiting[db.id]?.get(key);
        if (wl === undefined) continue;
        // Keys are looked up against a fixed time while serving (Redis's fixed_time_expire).
        server.cmdTime = server.clock();
        const v = db.lookupRead(key, false);
        this.serveKeyGone(db, key, wl, v === undefined ? undefined : typeOf(v));
        if (v === undefined) continue;
        const type = typeOf(v);
        let node = wl.head;
        while (node !== null) {
          // The served client's nodes are unlinked; the next one belongs to another client.
          const next = node.next;
          const bs = node.bs;
          if (bs.handler.type === type) {
            const c = bs.c;
            const mark = c.out.pos;
            c.errorReplied = false;
            let served: boolean;
            // What serving propagates (the non-blocking form) is a unit of its own.
            server.beginExecutionUnit();
            try {
              served = bs.handler.serve(c, db, key, bs.arg);
            } catch (e) {
              // A bug, not a reason to take the server down: the client gets an error.
              this.internalError(c, mark, e);
              served = true;
            }
            server.endExecutionUnit();
            if (served) this.finish(bs, mark, c.errorReplied);
            const now = db.dict.get(key);
            if (now === undefined || typeOf(now) !== type) break;
          }
          node = next;
        }
      }
    }
  }

  /** Serves the clients of wl waiting for another type than `type` that handle keyGone. */
  private serveKeyGone(db: Database, key: string, wl: WaitList, type: TypeName | undefined): void {
    let node = wl.head;
    while (node !== null) {
      const next = node.next;
      const bs = node.bs;
      const h = bs.handler;
      if (h.keyGone !== undefined && h.type !== type) {
        const c = bs.c;
        const mark = c.out.pos;
        c.errorReplied = false;
        let served: boolean;
        try {
          served = h.keyGone(c, db, key, bs.arg);
        } catch (e) {
          this.internalError(c, mark, e);
          served = true;
        }
        if (served) this.finish(bs, mark, c.errorReplied);
      }
      node = next;
    }
  }

  /**
   * Ends a client's wait with the reply `write` writes (timeouts, CLIENT UNBLOCK, WAIT and
   * other waits ended from outside), completing its command.
   */
  complete(bs: BlockedState, write: (c: Client) => void, failed = false): void {
    const c = bs.c;
    const mark = c.out.pos;
    c.errorReplied = false;
    try {
      write(c);
    } catch (e) {
      this.internalError(c, mark, e);
    }
    this.finish(bs, mark, failed || c.errorReplied);
  }

  private internalError(c: Client, mark: number, e: unknown): void {
    const name = c.bstate?.cmd?.fullName ?? 'unknown';
    this.server.log.warning(`Exception while unblocking '${name}': ${(e as Error).stack ?? String(e)}`);
    this.server.stats.unexpectedErrorReplies++;
    c.out.pos = mark;
    c.error(`ERR internal error executing '${name}': ${(e as Error).message ?? String(e)}`);
  }

  /** Ends c's wait with a reply written by `write` (for waits ended from outside). */
  unblockWithReply(c: Client, write: (c: Client) => void): void {
    if (c.bstate !== null) this.complete(c.bstate, write);
  }

  /** The client disconnected (or is being freed) while blocked: forget it, no reply. */
  removeClient(c: Client): void {
    const bs = c.bstate;
    if (bs !== null) this.unblock(bs);
  }

  /** Unlinks a blocked client from its keys and the timeout table, and clears its state. */
  private unblock(bs: BlockedState): void {
    const c = bs.c;
    const m = this.waiting[bs.db.id];
    for (let i = 0; i < bs.nodes.length; i++) {
      const node = bs.nodes[i];
      const wl = node.list;
      if (node.prev !== null) node.prev.next = node.next;
      else wl.head = node.next;
      if (node.next !== null) node.next.prev = node.prev;
      else wl.tail = node.prev;
      wl.size--;
      if (wl.size === 0 && m !== undefined && m.get(node.key) === wl) {
        m.delete(node.key);
        this.waitingKeys--;
      }
    }
    bs.nodes = [];
    if (bs.heapIndex !== -1) this.heapRemove(bs);
    c.bstate = null;
    c.flags &= ~CLIENT_BLOCKED;
    c.unblockHandler = null;
    this.blockedClients--;
  }

  /** Completes the blocked command after its reply was written from `mark` on. */
  private finish(bs: BlockedState, mark: number, failed: boolean): void {
    const c = bs.c;
    const server = this.server;
    this.unblock(bs);
    const cmd = bs.cmd;
    if (cmd !== null) {
      if (failed) cmd.stats!.failedCalls++;
      // Redis 7.0 records the latency of a blocked command when it completes (only the
      // time spent running, not waiting), and logs it in the slow log then.
      const flags = cmd.flagBits!;
      server.stats.commandDone(cmd, 0, (flags & F_FAST) !== 0, server.cmdTime);
      if ((flags & F_SKIP_SLOWLOG) === 0) server.slowlogPush(c, bs.argv, 0);
    }
    applyReplyMode(c, mark);
    c.requestWrite();
    this.unblocked.push(c);
    this.scheduleResume();
  }

  private scheduleResume(): void {
    if (this.resumeScheduled) return;
    this.resumeScheduled = true;
    setImmediate(() => this.resumeUnblockedClients());
  }

  /** Runs the commands that unblocked clients had pipelined behind the blocking one. */
  resumeUnblockedClients(): void {
    this.resumeScheduled = false;
    if (this.unblocked.length === 0) return;
    const list = this.unblocked;
    this.unblocked = [];
    for (let i = 0; i < list.length; i++) {
      const c = list[i];
      if (c.closed || (c.flags & CLIENT_BLOCKED) !== 0) continue;
      this.server.processInput(c);
    }
    this.server.flushPending();
  }

  // ---- Timeouts ---------------------------------------------------------------------------

  private armTimer(): void {
    if (this.heap.length === 0) {
      if (this.timer !== null) clearTimeout(this.timer);
      this.timer = null;
      return;
    }
    const at = this.heap[0].timeout;
    if (this.timer !== null && this.timerAt <= at) return;
    if (this.timer !== null) clearTimeout(this.timer);
    // Redis times a client out once now > deadline; setTimeout takes at most 2^31-1 ms.
    const delay = Math.min(Math.max(0, at - this.server.clock() + 1), 0x7fffffff);
    this.timerAt = at;
    this.timer = setTimeout(() => this.onTimer(), delay);
    this.timer.unref();
  }

  private onTimer(): void {
    this.timer = null;
    const server = this.server;
    try {
      const now = server.clock();
      server.cmdTime = now;
      while (this.heap.length !== 0 && this.heap[0].timeout < now) {
        this.complete(this.heap[0], replyTimeout);
      }
    } catch (e) {
      server.log.warning(`Error while timing out blocked clients: ${(e as Error).stack}`);
    }
    this.armTimer();
    server.flushPending();
  }

  /** Stops the timer (server shutdown). */
  close(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private heapPush(bs: BlockedState): void {
    const h = this.heap;
    bs.heapIndex = h.length;
    h.push(bs);
    this.siftUp(bs.heapIndex);
  }

  private heapRemove(bs: BlockedState): void {
    const h = this.heap;
    const i = bs.heapIndex;
    const last = h.pop()!;
    bs.heapIndex = -1;
    if (last !== bs) {
      h[i] = last;
      last.heapIndex = i;
      this.siftDown(i);
      this.siftUp(last.heapIndex);
    }
  }

  private siftUp(i: number): void {
    const h = this.heap;
    const x = h[i];
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p].timeout <= x.timeout) break;
      h[i] = h[p];
      h[i].heapIndex = i;
      i = p;
    }
    h[i] = x;
    x.heapIndex = i;
  }

  private siftDown(i: number): void {
    const h = this.heap;
    const n = h.length;
    const x = h[i];
    for (;;) {
      let m = 2 * i + 1;
      if (m >= n) break;
      if (m + 1 < n && h[m + 1].timeout < h[m].timeout) m++;
      if (h[m].timeout >= x.timeout) break;
      h[i] = h[m];
      h[i].heapIndex = i;
      i = m;
    }
    h[i] = x;
    x.heapIndex = i;
  }
}
