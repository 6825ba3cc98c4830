/**
 * Server: listeners, clients, databases and the periodic cron (active expiry, client
 * timeouts, stats). One Server is one isolated Respite instance; several can live in one
 * process (embedding).
 *
 * Data flow: socket read (acceptWithSharedReads) -> client.parser -> dispatcher.processCommand
 * (synchronous handler) -> client.out -> flushPending() writes every touched client once per
 * batch.
 */
import net from 'node:net';
import util from 'node:util';
import type tls from 'node:tls';
import { createServer as createTlsServer } from 'node:tls';
import { unlinkSync, writeFileSync, chmodSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { Config } from '../config/config.js';
import { clientOutputBufferLimits, strerror } from '../config/special.js';
import { Database, type KeyspaceHooks, type LfuParams } from '../store/database.js';
import { StringStore } from '../store/strings.js';
import { buildCommandTable } from '../commands/index.js';
import type { CommandSpec } from '../commands/types.js';
import {
  Client,
  CLIENT_BLOCKED,
  CLIENT_CLOSE_AFTER_REPLY,
  CLIENT_CLOSE_ASAP,
  CLIENT_MASTER,
  CLIENT_MONITOR,
  CLIENT_PENDING_WRITE,
  CLIENT_PUBSUB,
  CLIENT_SLAVE,
  CLIENT_TRACKING,
  CLIENT_UNIX_SOCKET,
  clientInfoString,
  getClientType,
  type ClientTransport,
} from './client.js';
import { startGateway, type Gateway } from '../gateway/gateway.js';
import { ProtocolError } from '../protocol/parser.js';
import { trimSpares } from '../util/spare-buffers.js';
import { processCommand } from './dispatcher.js';
import { Logger } from './logger.js';
import { Stats } from './stats.js';
import { activeExpireCycle } from './expire.js';
import { RdbManager } from '../persistence/manager.js';
import { AofManager } from '../persistence/aof.js';
import { NOTIFY_EXPIRED, NOTIFY_GENERIC, NOTIFY_NEW } from './notify.js';
import { Blocking } from './blocking.js';
import { Evictor } from './evict.js';
import { applyTlsSettings, buildTlsSettings, verifyPeer, type TlsSettings } from './tls.js';
import { PubSub } from './pubsub.js';
import { Tracking } from './tracking.js';
import { Acl } from './acl.js';
import { ConfigFileError } from '../config/config.js';
import { touchAllWatchedKeysInDb, touchWatchedKey } from './multi.js';
import { deliverOps, PROPAGATE_ALL, type PropagatedOp, type PropagationSink } from './propagate.js';
import { YoungGenTrimmer } from './young-gen.js';
import {
  directWrite,
  queuedBytes,
  takeOverReads,
  takeOverTlsReads,
  tlsWrite,
  WRITE_DONE,
  WRITE_QUEUED,
} from './socket-io.js';

export const REDIS_VERSION = '7.0.15';
export const RESPITE_VERSION = '0.1.0';

/** The read buffer shared by every plain connection (acceptWithSharedReads): Node's read size. */
const SHARED_READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
/**
 * Full reads in a row one connection may process before it waits for the next event-loop
 * turn. libuv reads a readable socket up to 32 times per poll event: a client streaming a
 * bulk load (2 MB, ~40,000 commands) would hold the loop for 100+ ms, with every other
 * client and timer waiting. Redis reads once per client per event-loop iteration.
 */
const FULL_READS_PER_TURN = 2;

/** The part of a connection's libuv handle that the read pause uses. */
interface ReadHandle {
  reading: boolean;
  readStart(): number;
}

/** The part of a listener's libuv handle that acceptWithSharedReads replaces. */
interface AcceptHandle {
  onconnection: (err: number, clientHandle: unknown) => void;
}

export interface SlowlogEntry {
  id: number;
  time: number;
  durationUs: number;
  argv: string[];
  addr: string;
  name: string;
}

export interface ServerOptions {
  /** Option values by name, as in a config file (`{ port: 0, 'maxmemory': '1gb' }`). */
  config?: Record<string, string | number | boolean | string[]>;
  /** Config text to load first (redis.conf syntax: the file, then stdin, then argv options). */
  configText?: string;
  /** Absolute path of the config file, for CONFIG REWRITE. */
  configFile?: string;
  /** The directory relative paths are resolved against; the default `dir` (process.cwd()). */
  cwd?: string;
  /** The process's working directory follows `dir`, as redis-server's does (the CLI only). */
  chdir?: boolean;
  /** `port 0` picks a free port (embedding) instead of disabling TCP (Redis, the CLI). */
  ephemeralPort?: boolean;
  /** Clock in unix ms (tests may move time). */
  clock?: () => number;
  /** Print log lines (default: true for the CLI, false when embedded). */
  log?: boolean;
  /** Called after a SHUTDOWN (or signal) has closed the server (the CLI exits the process). */
  onShutdown?: () => void;
  /** Dict segment size (tests scale it down to exercise splitting). */
  dictSegmentLimit?: number;
}

/** SHUTDOWN's flags (and shutdown-on-sigterm / shutdown-on-sigint). */
export interface ShutdownOptions {
  save?: boolean;
  nosave?: boolean;
  now?: boolean;
  force?: boolean;
  abort?: boolean;
}

export class Server implements KeyspaceHooks {
  readonly config: Config;
  readonly log = new Logger();
  readonly stats = new Stats();
  readonly strings = new StringStore();
  dbs: Database[] = [];
  readonly commands: Map<string, CommandSpec>;
  readonly clients = new Map<number, Client>();
  /** Clients blocked on keys (BLPOP, BZPOPMIN, XREAD BLOCK, ...): see blocking.ts. */
  readonly blocking = new Blocking(this);
  /** maxmemory (bytes, 0 = none), cached for the dispatcher, and the evictor that enforces it. */
  maxmemory = 0;
  readonly evictor = new Evictor(this);
  /** Pub/Sub channels and patterns, keyspace notifications (pubsub.ts). */
  readonly pubsub = new PubSub(this);
  /** Client-side caching (tracking.ts). */
  readonly tracking = new Tracking(this);
  /** The client whose command processCommand is running (Redis's current_client), else null. */
  currentClient: Client | null = null;
  /** Set only while that command's handler runs: pushes to it are held until its reply is done. */
  executingClient: Client | null = null;
  /** client-output-buffer-limit per class: [hard, soft, soft seconds] (normal, slave, pubsub). */
  obufLimits: Record<'normal' | 'slave' | 'pubsub', [number, number, number]> = {
    normal: [0, 0, 0],
    slave: [0, 0, 0],
    pubsub: [0, 0, 0],
  };
  /** The smallest non-zero limit of obufLimits (Infinity if none): below it nothing is checked. */
  obufFloor = Infinity;
  /** ACL users, rules and log (acl.ts). */
  readonly acl: Acl;
  clientsPendingWrite: Client[] = [];
  monitors = new Set<Client>();
  slowlog: SlowlogEntry[] = [];
  slowlogNextId = 0;
  /** Write counter since the last save (rdb_changes_since_last_save). */
  dirty = 0;
  readonly startTime: number;
  readonly runId: string;
  clock: () => number;
  /** The frozen time of the running command (unix ms). */
  cmdTime = 0;
  /** Cached `proto-max-bulk-len`, read by every parser. */
  protoMaxBulkLen: number;
  configFile: string;
  /** Bound TCP port (useful with port 0). */
  port = 0;
  /**
   * Persistence hook for SHUTDOWN and SIGTERM: fsync the AOF and, when `save` is true, write
   * the final RDB snapshot. Returns an error text (the shutdown is refused unless FORCE) or
   * null. Filled by the persistence subsystem; while it is null, see shutdown().
   */
  saveOnShutdown: ((opts: { save: boolean }) => string | null) | null = null;
  /** RDB persistence: SAVE/BGSAVE, save points, loading, INFO persistence. */
  readonly rdb: RdbManager;
  readonly aof: AofManager;
  /** Redis's MISCONF error while writes are denied by a failed save (dispatcher check), else null. */
  diskErrorReply: string | null = null;
  /**
   * While a script runs past busy-reply-threshold: the -BUSY error for the commands other
   * clients may not run then (not flagged allow_busy); null otherwise (src/scripting/busy.ts).
   */
  busyReply: string | null = null;
  /** Run by close() (the busy-script worker thread stops there). */
  readonly closeHooks: (() => void)[] = [];
  private listeners: net.Server[] = [];
  private tcpListeners: net.Server[] = [];
  /** The `tls-port` listeners (one per `bind` address) and the settings they use. */
  private tlsListeners: tls.Server[] = [];
  private tlsSettings: TlsSettings | null = null;
  /** The TLS port actually bound (0 = no TLS listener). */
  tlsPort = 0;
  private unixListener: net.Server | null = null;
  private cronTimer: NodeJS.Timeout | null = null;
  /** Gives the young generation's memory back at rest (young-gen.ts). */
  private readonly youngGen = new YoungGenTrimmer();
  private flushScheduled = false;
  /** True while onData processes a read: flushPending() runs at its end anyway. */
  private inDataBatch = false;
  /** Hot config values, refreshed by CONFIG SET. */
  private queryBufferLimit = 0;
  private slowlogThreshold = 0;
  private nextClientId = 1;
  /** The HTTP/WebSocket gateway when `http-port` is set (src/gateway/). */
  gateway: Gateway | null = null;
  private closing = false;
  started = false;
  /** A signal asked for a shutdown that has not run yet (Redis's shutdown_asap). */
  private shutdownAsap = false;
  private readonly onShutdown?: () => void;
  private readonly ephemeralPort: boolean;
  /** Extension points filled by later subsystems. */
  private readonly dictSegmentLimit?: number;
  /** CLIENT PAUSE state: until (ms, 0 = not paused) and whether only writes are paused. */
  pauseUntil = 0;
  pauseWritesOnly = false;
  /** Clients whose command is held by the pause, in arrival order. */
  pausedClients: Client[] = [];
  private pauseTimer: NodeJS.Timeout | null = null;
  /** DEBUG SET-ACTIVE-EXPIRE */
  activeExpireEnabled = true;
  /** LFU parameters while an LFU maxmemory-policy is selected (KeyspaceHooks.lfu). */
  lfu: LfuParams | null = null;
  lastSaveTime: number;
  cronLoops = 0;
  /** Nesting of call() (EXEC and scripts run commands inside their own): 0 = top level. */
  callDepth = 0;
  /** Receivers of the propagated stream (AOF, replication, tests): see propagate.ts. */
  propagationSinks: PropagationSink[] = [];
  /** Operations of the running execution unit, delivered when it ends (also_propagate). */
  pendingOps: PropagatedOp[] = [];
  /** The running command propagated itself explicitly (or must not be): no verbatim copy. */
  cmdPropagated = false;
  /** Targets the running command is propagated to whatever it changed (forceCommandPropagation). */
  cmdForcePropagation = 0;
  /** alsoPropagate is running: the operation does not replace the command. */
  private sideEffect = false;

  /**
   * The wall clock as an offset from performance.now() (default clock only): call() reads the
   * monotonic clock once for both the command's time and its duration's start, as Redis's
   * call() reads ustime() once for both. Resynchronised every cron tick (syncWallOffset).
   */
  wallOffset: number | null = null;

  constructor(opts: ServerOptions = {}) {
    if (opts.clock === undefined) {
      // Every reader of the time shares call()'s source, so command times never disagree
      // with the cron's or a timer's by the millisecond Date.now()'s truncation would.
      // performance.timeOrigin is the process start in unix ms with sub-ms precision: an exact
      // offset unless the wall clock moved since; syncWallOffset corrects that as in the cron.
      this.wallOffset = performance.timeOrigin;
      this.syncWallOffset(Date.now());
      this.clock = () => Math.floor(performance.now() + this.wallOffset!);
    } else this.clock = opts.clock;
    this.onShutdown = opts.onShutdown;
    this.ephemeralPort = opts.ephemeralPort ?? false;
    this.dictSegmentLimit = opts.dictSegmentLimit;
    // The command table comes first: `rename-command` in the config edits it.
    this.commands = buildCommandTable();
    this.config = new Config({ cwd: opts.cwd });
    this.config.hooks.renameCommand = (from, to) => renameCommand(this.commands, from, to);
    this.acl = new Acl(this);
    this.config.hooks.user = (argv) => this.acl.appendUserForLoading(argv);
    this.config.hooks.userLines = () => this.acl.userLines();
    this.configFile = opts.configFile ?? '';
    this.config.configFile = this.configFile;
    if (opts.configText !== undefined) this.config.loadText(opts.configText);
    for (const [k, v] of Object.entries(opts.config ?? {})) {
      const raw = typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v);
      // Multi-argument options given as one string split on spaces, as in CONFIG SET.
      const args = Array.isArray(v) ? v : Config.def(k)?.multiArg ? raw.split(' ') : [raw];
      const err = this.config.set(k, args);
      if (err) throw new Error(`Invalid value for config '${k}': ${err}`);
    }
    // hz is a hint: out-of-range values are capped (Redis's updateHZ), as after a config file.
    const hz = this.config.num('hz');
    if (hz < 1 || hz > 500) this.config.setValue('hz', Math.max(1, Math.min(500, hz)));
    if (opts.chdir) {
      process.chdir(this.config.str('dir'));
      this.config.onChange('dir', (v) => process.chdir(String(v)));
    }
    this.log.quiet = opts.log === false;
    this.log.role = 'C';
    this.log.setLevel(this.config.str('loglevel'));
    const logfile = this.config.str('logfile');
    this.log.file = logfile === '' ? '' : this.config.resolvePath(logfile);
    this.config.onChange('loglevel', (v) => this.log.setLevel(String(v)));
    this.stats.watchConfig(this.config);
    this.protoMaxBulkLen = this.config.num('proto-max-bulk-len');
    this.config.onChange('proto-max-bulk-len', (v) => {
      this.protoMaxBulkLen = Number(v);
      for (const c of this.clients.values()) c.parser.setMaxBulkLen(Number(v));
    });
    // requirepass is the default user's password; `user` lines and the ACL file come after.
    if (this.config.str('requirepass') !== '') this.acl.updateDefaultPassword(this.config.str('requirepass'));
    const aclError = this.acl.loadAtStartup();
    if (aclError !== null) throw new ConfigFileError(aclError, true);
    this.config.onChange('requirepass', (v) => {
      // Changing the password does not log out connected clients (as Redis), but new
      // connections see the new requirement; the parser's limits for clients that still
      // have to authenticate follow it.
      this.acl.updateDefaultPassword(String(v));
      this.acl.onDefaultUserChanged();
    });
    this.updateLfu();
    const cacheObuf = () => {
      const l = clientOutputBufferLimits(this.config.str('client-output-buffer-limit'));
      for (const k of ['normal', 'slave', 'pubsub'] as const)
        this.obufLimits[k] = [Number(l[k].hard), Number(l[k].soft), l[k].softSeconds];
      let floor = Infinity;
      for (const lim of Object.values(this.obufLimits))
        for (let i = 0; i < 2; i++) if (lim[i] !== 0 && lim[i] < floor) floor = lim[i];
      this.obufFloor = floor;
    };
    cacheObuf();
    this.config.onChange('client-output-buffer-limit', cacheObuf);
    const cacheHot = () => {
      this.queryBufferLimit = this.config.num('client-query-buffer-limit');
      this.slowlogThreshold = this.config.num('slowlog-log-slower-than');
    };
    cacheHot();
    this.config.onChange('client-query-buffer-limit', cacheHot);
    this.config.onChange('slowlog-log-slower-than', cacheHot);
    for (const o of ['maxmemory-policy', 'lfu-log-factor', 'lfu-decay-time'])
      this.config.onChange(o, () => this.updateLfu());
    this.maxmemory = this.config.num('maxmemory');
    this.config.onChange('maxmemory', (v) => {
      this.maxmemory = Number(v);
      const used = this.evictor.usedMemory();
      if (Number(v) !== 0 && Number(v) < used) {
        this.log.warning(
          `WARNING: the new maxmemory value set via CONFIG SET (${v}) is smaller than the current memory usage (${used}). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.`,
        );
        this.evictor.startTimeProc();
      }
    });
    const n = this.config.num('databases');
    for (let i = 0; i < n; i++) this.dbs.push(new Database(i, this.strings, this, this.dictSegmentLimit));
    this.startTime = this.clock();
    this.lastSaveTime = Math.floor(this.startTime / 1000);
    this.cmdTime = this.startTime;
    this.runId = randomHex(40);
    this.rdb = new RdbManager(this);
    this.aof = new AofManager(this);
    this.saveOnShutdown = ({ save }) => this.rdb.onShutdown(save);
  }

  // ---- KeyspaceHooks -------------------------------------------------------------------
  now(): number {
    return this.cmdTime;
  }

  mayExpire(): boolean {
    // During CLIENT PAUSE keys are not expired (they read as missing but stay), as in Redis.
    return this.pauseUntil === 0;
  }

  lruClock(): number {
    return Math.floor(this.cmdTime / 1000) >>> 0;
  }

  onKeyAdded(db: Database, key: string): void {
    this.blocking.signalKeyAsReady(db, key);
  }

  /** dbAdd's `new` keyspace event (class n). */
  onKeyCreated(db: Database, key: string): void {
    if ((this.config.keyspaceEventFlags & NOTIFY_NEW) !== 0)
      this.notifyKeyspaceEvent(NOTIFY_NEW, 'new', key, db.id);
  }

  onKeyRemoved(db: Database, key: string): void {
    this.blocking.signalKeyAsReady(db, key);
  }

  onFlushed(db: Database): void {
    this.blocking.signalWaitingKeys(db);
  }

  onExpired(db: Database, key: string): void {
    this.stats.expiredKeys++;
    this.notifyKeyspaceEvent(NOTIFY_EXPIRED, 'expired', key, db.id);
    this.signalModifiedKey(db, key);
    this.alsoPropagate(db.id, [this.config.bool('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', key]);
  }

  private updateLfu(): void {
    this.lfu = this.config.str('maxmemory-policy').endsWith('-lfu')
      ? { logFactor: this.config.num('lfu-log-factor'), decayTime: this.config.num('lfu-decay-time') }
      : null;
  }

  // ---- Hooks for subsystems (notifications, WATCH, AOF/replication) --------------------
  /** Keyspace notifications (notify.c): published when the event's class is enabled. */
  notifyKeyspaceEvent(type: number, event: string, key: string, dbid: number): void {
    const flags = this.config.keyspaceEventFlags;
    if ((flags & type) !== 0) this.pubsub.notifyKeyspaceEvent(flags, event, key, dbid);
  }

  /** WATCH / client-side-caching hook: called after every key modification. */
  signalModifiedKey(db: Database, key: string): void {
    touchWatchedKey(db, key);
    if (this.tracking.table.size !== 0 || this.tracking.prefixes.size !== 0) this.tracking.invalidateKey(key);
  }

  /**
   * FLUSHDB / FLUSHALL (dbid -1: every database), called before the data goes: WATCH
   * invalidation (of watched keys that exist), tracking.
   */
  signalFlushedDb(dbid: number): void {
    for (const db of this.dbs) if (dbid === -1 || db.id === dbid) touchAllWatchedKeysInDb(db, db, null);
    this.tracking.invalidateOnFlush();
  }

  /**
   * After a client's command (dispatcher): the pushes held for it go before its reply (at
   * `mark`), its own tracking invalidations after it, and CLIENT CACHING expires.
   */
  afterCommand(c: Client, mark: number): void {
    this.executingClient = null;
    this.pubsub.releaseHeld(c, mark);
    this.tracking.releasePending(c);
    if (c.trackingFlags !== 0) this.tracking.afterCommand(c);
  }

  /**
   * checkClientOutputBufferLimits + closeClientOnOutputBufferLimitReached: a client whose
   * pending output (reply buffer + what the socket still queues) is over its class's hard
   * limit, or over the soft limit for longer than its seconds, is closed at once, its
   * output dropped, so a reader that stalls never makes the server hold unbounded memory.
   */
  checkOutputBufferLimits(c: Client): boolean {
    if ((c.flags & CLIENT_CLOSE_ASAP) !== 0) return false;
    const sink = c.socket ?? c.transport;
    if (sink === null) return false;
    const used = c.out.pos + (c.socket !== null ? queuedBytes(c.socket) : sink.writableLength);
    // The common case (called per Pub/Sub delivery): under every class's limits.
    if (used < this.obufFloor) {
      c.obufSoftLimitReachedTime = 0;
      return false;
    }
    const type = getClientType(c);
    const limit = this.obufLimits[type === 'master' ? 'normal' : type];
    if (limit[0] === 0 && limit[1] === 0) return false;
    const hard = limit[0] !== 0 && used >= limit[0];
    let soft = limit[1] !== 0 && used >= limit[1];
    if (soft) {
      const now = Math.floor(this.clock() / 1000);
      if (c.obufSoftLimitReachedTime === 0) {
        c.obufSoftLimitReachedTime = now;
        soft = false;
      } else if (now - c.obufSoftLimitReachedTime <= limit[2]) soft = false;
    } else c.obufSoftLimitReachedTime = 0;
    if (!hard && !soft) return false;
    const info = clientInfoString(c, this.clock());
    c.flags |= CLIENT_CLOSE_ASAP;
    c.out.pos = 0;
    this.log.warning(`Client ${info} scheduled to be closed ASAP for overcoming of output buffer limits.`);
    c.requestWrite();
    return true;
  }

  /**
   * SWAPDB, called after the swap: WATCH invalidation (watchers of a key that existed on
   * either side) and waking clients blocked on keys of either database.
   */
  signalSwapDb(id1: number, id2: number): void {
    const db1 = this.dbs[id1];
    const db2 = this.dbs[id2];
    // Each Database object kept its watchers and got the other's data.
    touchAllWatchedKeysInDb(db1, db2, db1);
    touchAllWatchedKeysInDb(db2, db1, db2);
    this.blocking.scanDatabaseForDeletedKeys(db1, db2);
    this.blocking.scanDatabaseForDeletedKeys(db2, db1);
    this.blocking.scanDatabaseForReadyKeys(db1);
    this.blocking.scanDatabaseForReadyKeys(db2);
  }

  /**
   * AOF / replication feed of a write, already rewritten to be deterministic. Called by a
   * command, it replaces the command's own verbatim propagation (see propagate.ts).
   */
  propagate(dbid: number, argv: string[], target = PROPAGATE_ALL): void {
    if (!this.sideEffect) this.cmdPropagated = true;
    if (this.propagationSinks.length === 0) return;
    this.pendingOps.push({ dbid, argv, target });
    // Outside any command (active expiry, ...) each operation is a unit of its own.
    if (this.callDepth === 0) this.propagatePendingCommands();
  }

  /** Propagates a side effect of the running command (an expired key's DEL, ...) besides it. */
  alsoPropagate(dbid: number, argv: string[]): void {
    this.sideEffect = true;
    try {
      this.propagate(dbid, argv);
    } finally {
      this.sideEffect = false;
    }
  }

  /**
   * The running command is propagated verbatim even if it changed nothing (FLUSHDB of an
   * empty database, PUBLISH to replicas: Redis's forceCommandPropagation).
   */
  forceCommandPropagation(target = PROPAGATE_ALL): void {
    this.cmdForcePropagation |= target;
  }

  /** The running command is not propagated (scripts propagate their effects instead). */
  preventCommandPropagation(): void {
    this.cmdPropagated = true;
  }

  /** Delivers the operations of the execution unit that just ended to the sinks. */
  propagatePendingCommands(): void {
    const ops = this.pendingOps;
    if (ops.length === 0) return;
    this.pendingOps = [];
    deliverOps(this.propagationSinks, ops);
  }

  /** Brackets work done outside call() that propagates as one unit (serving a blocked client). */
  beginExecutionUnit(): void {
    this.callDepth++;
  }

  endExecutionUnit(): void {
    if (--this.callDepth === 0 && this.pendingOps.length !== 0) this.propagatePendingCommands();
  }

  /** Convenience for commands: the usual trio after a write to `key`. */
  keyModified(db: Database, key: string, notifyType: number, event: string): void {
    this.signalModifiedKey(db, key);
    this.notifyKeyspaceEvent(notifyType, event, key, db.id);
    this.dirty++;
  }

  /** New connections must authenticate: the default user has a password or is off. */
  authRequired(): boolean {
    return this.acl.authRequired();
  }

  // ---- Listening ------------------------------------------------------------------------
  /**
   * Opens the TCP listeners (`bind`, `port`) and the unix socket, writes the pidfile and
   * starts the cron, logging as redis-server does. Rejects with the reason (already
   * logged) when a listener cannot be created; nothing is left open then.
   */
  async listen(): Promise<void> {
    this.log.role = 'M';
    this.started = true;
    const port = this.config.num('port');
    try {
      if (port !== 0 || this.ephemeralPort)
        this.tcpListeners = await this.openTcpListeners(port, this.config.str('bind'));
    } catch (e) {
      this.log.warning(`Failed listening on port ${port} (TCP), aborting.`);
      throw e;
    }
    this.listeners.push(...this.tcpListeners);
    const tlsPort = this.config.num('tls-port');
    if (tlsPort !== 0) {
      this.tlsSettings = buildTlsSettings(this.config, this.log);
      if (this.tlsSettings === null) {
        this.log.warning('Failed to configure TLS. Check logs for more info.');
        this.closeListeners();
        throw new Error('Failed to configure TLS. Check logs for more info.');
      }
      try {
        this.tlsListeners = (await this.openTcpListeners(
          tlsPort,
          this.config.str('bind'),
          this.tlsSettings,
        )) as tls.Server[];
      } catch (e) {
        this.log.warning(`Failed listening on port ${tlsPort} (TLS), aborting.`);
        this.closeListeners();
        throw e;
      }
      this.listeners.push(...this.tlsListeners);
    }
    if (this.ephemeralPort && port === 0) {
      // CONFIG GET port shows the port actually used.
      this.config.setValue('port', this.port);
    }
    const unixsocket = this.config.str('unixsocket');
    if (unixsocket) {
      const path = this.config.resolvePath(unixsocket);
      try {
        unlinkSync(path);
      } catch {
        /* not there */
      }
      try {
        // Node reports a missing directory as EACCES; Redis (bind(2)) says ENOENT.
        statSync(dirname(path));
        this.unixListener = await this.listenOne({ path });
        this.listeners.push(this.unixListener);
        const perm = this.config.num('unixsocketperm');
        if (perm) chmodSync(path, perm);
      } catch (e) {
        this.log.warning(`Failed opening Unix socket: bind: ${strerror(e)}`);
        this.closeListeners();
        throw new Error(`Failed opening Unix socket: bind: ${strerror(e)}`);
      }
    }
    if (this.listeners.length === 0) {
      this.log.warning('Configured to not listen anywhere, exiting.');
      throw new Error('Configured to not listen anywhere, exiting.');
    }
    const pidfile = this.config.str('pidfile');
    if (pidfile) {
      try {
        writeFileSync(this.config.resolvePath(pidfile), `${process.pid}\n`);
      } catch (e) {
        this.log.warning(`Failed to write PID file: ${strerror(e)}`);
      }
    }
    const httpPort = this.config.num('http-port');
    if (httpPort !== 0) this.gateway = await startGateway(this, httpPort, this.config.str('http-bind'));
    this.log.notice(`Running mode=standalone, port=${this.port}.`);
    this.log.warning('Server initialized');
    // The dataset loads after the listeners open, in time slices: meanwhile clients get
    // -LOADING (persistence/manager.ts). The AOF takes precedence over the RDB file. The
    // cron starts once loaded, as Redis runs no serverCron while loading.
    try {
      if (this.config.bool('appendonly')) await this.aof.loadAtStartup();
      else await this.rdb.loadAtStartup();
    } catch (e) {
      // SHUTDOWN or close() while loading ends the load: not a failure to start.
      if (this.closing) return;
      this.closeListeners();
      throw e;
    }
    this.startCron();
    if (this.tcpListeners.length > 0 || this.tlsListeners.length > 0)
      this.log.notice('Ready to accept connections');
    if (this.unixListener) this.log.notice(`The server is now ready to accept connections at ${unixsocket}`);
    this.warnIneffectiveOptions();
  }

  /** Options a user may expect to change behaviour that Respite accepts but ignores. */
  private warnIneffectiveOptions(): void {
    const cfg = this.config;
    const ignored: string[] = [];
    if (cfg.bool('daemonize')) ignored.push('daemonize yes (Respite stays in the foreground)');
    if (cfg.str('supervised') !== 'no') ignored.push(`supervised ${cfg.str('supervised')}`);
    if (cfg.bool('cluster-enabled')) ignored.push('cluster-enabled yes (no cluster mode yet)');
    if (cfg.str('replicaof') !== '') ignored.push('replicaof (no replication yet: running as a master)');
    if (cfg.num('io-threads') > 1) ignored.push('io-threads');
    for (const what of ignored)
      this.log.warning(`WARNING: ${what} has no effect in Respite, see docs/CONFIG.md`);
  }

  /** The log lines redis-server writes once its configuration is loaded. */
  logStartup(noConfigGiven: boolean): void {
    this.log.role = 'C';
    this.log.warning('oO0OoO0OoO0Oo Respite is starting oO0OoO0OoO0Oo');
    this.log.warning(
      `Redis version=${REDIS_VERSION}, bits=64, commit=00000000, modified=0, pid=${process.pid}, just started`,
    );
    const heapMb = Math.round(getHeapStatistics().heap_size_limit / (1024 * 1024));
    this.log.warning(
      `Respite version=${RESPITE_VERSION}, node=${process.version}, V8 heap limit=${heapMb} MB`,
    );
    if (noConfigGiven)
      this.log.warning(
        'Warning: no config file specified, using the default config. In order to specify a config file use respite-server /path/to/redis.conf',
      );
    else this.log.warning('Configuration loaded');
  }

  /**
   * Listens on every `bind` address at `port` (Redis's listenToPort): `*` is every IPv4
   * address, `::*` every IPv6 one, a `-` prefix makes an address optional (skipped when it
   * does not exist on this machine). With an ephemeral port, the first address picks it.
   */
  private async openTcpListeners(
    port: number,
    bind: string,
    tlsSettings?: TlsSettings,
  ): Promise<net.Server[]> {
    const opened: net.Server[] = [];
    const binds = bind.split(' ');
    if (binds.length === 1 && binds[0] === '') binds[0] = '*';
    let boundPort = port;
    for (const raw of binds) {
      const optional = raw.startsWith('-');
      const addr = optional ? raw.slice(1) : raw;
      let host = addr;
      if (host === '*') host = '0.0.0.0';
      else if (host === '::*') host = '::';
      try {
        if (host === '') throw Object.assign(new Error('bad address'), { code: 'EADDRNOTAVAIL' });
        const srv = await this.listenOne(
          { host, port: boundPort, ipv6Only: host.includes(':') },
          tlsSettings,
        );
        opened.push(srv);
        const a = srv.address();
        if (a && typeof a === 'object') boundPort = a.port;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        const msg = `Warning: Could not create server TCP listening socket ${addr}:${port}: bind: ${strerror(e)}`;
        this.log.warning(msg);
        // An optional address that does not exist here, or an address family this machine
        // lacks (no IPv6), is skipped, as Redis does.
        if (code === 'EADDRNOTAVAIL' && optional) continue;
        if (code === 'EAFNOSUPPORT' || code === 'EPROTONOSUPPORT') continue;
        for (const l of opened) l.close();
        throw new Error(msg);
      }
    }
    if (tlsSettings === undefined) this.port = boundPort;
    else this.tlsPort = boundPort;
    return opened;
  }

  /**
   * CONFIG SET port/bind (Redis's changeListenPort / changeBindAddr): a new port is opened
   * before the old listeners close; new addresses on the same port replace the old ones,
   * which come back if that fails. Returns an error text.
   */
  async rebindTcp(old: { port: number; bind: string }): Promise<string | null> {
    const port = this.config.num('port');
    const bind = this.config.str('bind');
    const wanted = port !== 0 || this.ephemeralPort;
    // close() stops listening at once (its callback waits for the clients, so no await).
    const closeOld = async () => {
      for (const l of this.tcpListeners) l.close();
      await new Promise((r) => setImmediate(r));
    };
    const previous = this.tcpListeners;
    let fresh: net.Server[] = [];
    if (port !== old.port || previous.length === 0) {
      try {
        if (wanted) fresh = await this.openTcpListeners(port, bind);
      } catch (e) {
        return (e as Error).message;
      }
      await closeOld();
    } else {
      await closeOld();
      try {
        if (wanted) fresh = await this.openTcpListeners(port, bind);
      } catch (e) {
        try {
          fresh = await this.openTcpListeners(old.port, old.bind);
        } catch {
          fresh = [];
        }
        this.replaceTcpListeners(previous, fresh);
        return (e as Error).message;
      }
    }
    this.replaceTcpListeners(previous, fresh);
    return null;
  }

  private replaceTcpListeners(previous: net.Server[], fresh: net.Server[]): void {
    this.listeners = this.listeners.filter((l) => !previous.includes(l)).concat(fresh);
    this.tcpListeners = fresh;
    if (fresh.length === 0) this.port = 0;
  }

  private listenOne(opts: net.ListenOptions, tlsSettings?: TlsSettings): Promise<net.Server> {
    return new Promise((resolve, reject) => {
      let srv: net.Server;
      if (tlsSettings === undefined) {
        srv = net.createServer({ noDelay: true }, (s) => this.accept(s, opts.path !== undefined));
      } else {
        const ts = createTlsServer({ ...tlsSettings.options, noDelay: true }, (s) => this.acceptTls(s));
        // Handshake failures (wrong CA, plain text on the TLS port, ...) cost that
        // connection only, as in Redis, which logs them at verbose level.
        ts.on('tlsClientError', (e: Error, s: tls.TLSSocket) => {
          this.stats.connectionsReceived++;
          this.log.verbose(
            `Error accepting a client connection: ${tlsErrorText(e)} (addr=${formatAddr(s.remoteAddress, s.remotePort)} laddr=${formatAddr(s.localAddress, s.localPort)})`,
          );
        });
        srv = ts;
      }
      srv.maxConnections = Infinity;
      const onError = (e: Error) => reject(e);
      srv.once('error', onError);
      srv.listen({ ...opts, backlog: this.config.num('tcp-backlog'), exclusive: true }, () => {
        srv.off('error', onError);
        if (tlsSettings === undefined) this.acceptWithSharedReads(srv, opts.path !== undefined);
        srv.on('error', (e) => this.log.warning(`Listener error: ${e.message}`));
        resolve(srv);
      });
    });
  }

  private closeListeners(): void {
    for (const l of this.listeners) l.close();
    this.listeners = [];
    this.tcpListeners = [];
    this.tlsListeners = [];
    this.unixListener = null;
  }

  /**
   * CONFIG SET of TLS settings (Redis's applyTlsCfg): with a TLS listener, the new settings
   * are built and put in force for the next connections; on failure nothing changes and the
   * error text is returned.
   */
  reconfigureTls(): string | null {
    if (this.tlsListeners.length === 0 && this.config.num('tls-port') === 0) return null;
    const settings = buildTlsSettings(this.config, this.log);
    if (settings === null) return 'Unable to update TLS configuration. Check server logs.';
    this.tlsSettings = settings;
    applyTlsSettings(this.tlsListeners, settings);
    return null;
  }

  /**
   * CONFIG SET tls-port (Redis's applyTLSPort): configures TLS if it was off, opens the new
   * port on every bind address, then closes the old one. Returns an error text.
   */
  async rebindTls(): Promise<string | null> {
    const port = this.config.num('tls-port');
    let settings = this.tlsSettings;
    if (port !== 0 && settings === null) {
      settings = buildTlsSettings(this.config, this.log);
      if (settings === null) return 'Unable to update TLS configuration. Check server logs.';
    }
    let fresh: net.Server[] = [];
    if (port !== 0 && settings !== null) {
      try {
        fresh = await this.openTcpListeners(port, this.config.str('bind'), settings);
      } catch {
        return 'Unable to listen on this port. Check server logs.';
      }
    }
    const previous = this.tlsListeners;
    for (const l of previous) l.close();
    this.listeners = this.listeners.filter((l) => !(previous as net.Server[]).includes(l)).concat(fresh);
    this.tlsListeners = fresh as tls.Server[];
    this.tlsSettings = port !== 0 ? settings : null;
    if (port === 0) this.tlsPort = 0;
    return null;
  }

  /** A TLS connection whose handshake succeeded: checked against `tls-auth-clients`. */
  private acceptTls(socket: tls.TLSSocket): void {
    const mode = this.tlsSettings?.authClients ?? 'yes';
    const why = verifyPeer(socket, mode);
    if (why !== null) {
      this.stats.connectionsReceived++;
      this.log.verbose(
        `Error accepting a client connection: ${why} (addr=${formatAddr(socket.remoteAddress, socket.remotePort)} laddr=${formatAddr(socket.localAddress, socket.localPort)})`,
      );
      socket.destroy();
      return;
    }
    const c = this.accept(socket, false, false);
    if (c === null) return;
    // Decrypted bytes land in the shared read buffer, as for plain connections.
    if (
      !takeOverTlsReads(socket, SHARED_READ_BUFFER, (chunk, n) =>
        this.onData(c, chunk, n, chunk === SHARED_READ_BUFFER),
      )
    )
      socket.on('data', (chunk: Buffer) => this.onData(c, chunk, chunk.length, false));
  }

  /**
   * Plain TCP and unix connections are read into one buffer shared by all of them (Node's
   * `onread` option) instead of a fresh 64 KB Buffer per read pushed through the socket's
   * Readable stream: the allocation, the stream bookkeeping and the 'data' event were a large
   * part of the CPU per request. Node offers `onread` only for sockets it is handed, so the
   * listener's accept callback builds the Socket itself (what net.Server's own does, minus
   * its connection count, which Respite does not use: it closes its clients itself).
   */
  private acceptWithSharedReads(srv: net.Server, unix: boolean): void {
    const h = (srv as unknown as { _handle: AcceptHandle | null })._handle;
    if (h === null) return;
    h.onconnection = (err: number, clientHandle: unknown) => {
      if (err) {
        this.log.warning(`Accepting client connection: ${util.getSystemErrorName(err)}`);
        return;
      }
      let c: Client | null = null;
      let fullReads = 0;
      const onRead = (n: number): boolean => {
        if (c === null) return true;
        this.onData(c, SHARED_READ_BUFFER, n, true);
        if (n < SHARED_READ_BUFFER.length) fullReads = 0;
        else if (++fullReads >= FULL_READS_PER_TURN && !c.closed) {
          // More is waiting: returning false stops reading (libuv's readStop); the next
          // turn starts it again, after timers and other clients.
          fullReads = 0;
          this.resumeReadingLater(socket);
          return false;
        }
        return true;
      };
      const socket = new net.Socket({
        handle: clientHandle,
        readable: true,
        writable: true,
        onread: { buffer: SHARED_READ_BUFFER, callback: onRead },
      } as net.SocketConstructorOpts);
      takeOverReads(socket, onRead);
      c = this.accept(socket, unix, false);
    };
  }

  /** Sockets whose reading stopped for a turn (acceptWithSharedReads). */
  private readsToResume: net.Socket[] = [];

  private resumeReadingLater(socket: net.Socket): void {
    if (this.readsToResume.push(socket) > 1) return;
    setImmediate(() => {
      const list = this.readsToResume;
      this.readsToResume = [];
      for (const s of list) {
        const h = (s as unknown as { _handle: ReadHandle | null })._handle;
        if (h === null || s.destroyed || h.reading) continue;
        h.reading = true;
        h.readStart();
      }
    });
  }

  private accept(socket: net.Socket, unix: boolean, dataEvents = true): Client | null {
    if (this.closing) {
      socket.destroy();
      return null;
    }
    if (this.clients.size >= this.config.num('maxclients')) {
      this.stats.rejectedConnections++;
      socket.on('error', () => {});
      socket.end('-ERR max number of clients reached\r\n');
      return null;
    }
    this.stats.connectionsReceived++;
    if (!unix && this.isProtectedFrom(socket)) {
      this.stats.rejectedConnections++;
      socket.end(PROTECTED_MODE_DENIED);
      return null;
    }
    const now = this.clock();
    const c = new Client(this, this.nextClientId++, socket, this.dbs[0], now);
    if (unix) {
      c.flags |= CLIENT_UNIX_SOCKET;
      c.addr = `${this.config.str('unixsocket')}:0`;
      c.laddr = c.addr;
    } else {
      c.addr = formatAddr(socket.remoteAddress, socket.remotePort);
      c.laddr = formatAddr(socket.localAddress, socket.localPort);
      socket.setNoDelay(true);
      const ka = this.config.num('tcp-keepalive');
      if (ka > 0) socket.setKeepAlive(true, ka * 1000);
    }
    c.fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1;
    this.clients.set(c.id, c);
    if (dataEvents) socket.on('data', (chunk: Buffer) => this.onData(c, chunk, chunk.length, false));
    socket.on('error', () => this.freeClient(c));
    socket.on('close', () => this.freeClient(c));
    socket.on('drain', () => this.onDrain(c));
    return c;
  }

  /** Protected mode: the default user has no password and the client is not on loopback. */
  private isProtectedFrom(socket: net.Socket): boolean {
    if (!this.config.bool('protected-mode') || !this.acl.defaultUser.nopass) return false;
    const ip = socket.remoteAddress ?? '';
    return !(ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.'));
  }

  /** Request bytes for a client without a socket (the gateway): handled as socket data. */
  feedClient(c: Client, chunk: Buffer): void {
    this.onData(c, chunk, chunk.length, false);
  }

  /**
   * The first n bytes of chunk arrived for c. `shared`: chunk is SHARED_READ_BUFFER, reused
   * by the next read of any connection.
   */
  private onData(c: Client, chunk: Buffer, n: number, shared: boolean): void {
    if (c.closed) return;
    c.netInput += n;
    this.stats.netInputBytes += n;
    this.stats.readsProcessed++;
    c.lastInteraction = this.clock();
    c.parser.feed(chunk, n);
    if (c.parser.pending > this.queryBufferLimit) {
      this.log.warning(
        `Closing client that reached max query buffer length: id=${c.id} addr=${c.addr} (qbuf initial bytes: ...)`,
      );
      this.freeClient(c);
      return;
    }
    this.inDataBatch = true;
    try {
      this.processInput(c);
    } finally {
      this.inDataBatch = false;
      if (shared) c.parser.release();
    }
    // With AOF writes buffered: one write (with appendfsync always one fdatasync: group
    // commit) for every client read in this event-loop turn, in the check phase after all
    // ready sockets were read.
    if (this.aof.groupCommit()) this.scheduleFlush();
    else this.flushPending();
  }

  /** Executes every complete command buffered for c, unless it is blocked or closing. */
  processInput(c: Client): void {
    while ((c.flags & (CLIENT_BLOCKED | CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP)) === 0 && !c.closed) {
      let argv: string[] | null;
      try {
        argv = c.parser.next();
      } catch (e) {
        // A parser bug must cost this connection, never the server.
        let msg = (e as Error).message;
        if (!(e instanceof ProtocolError)) {
          this.log.warning(`Request parser failure for client id=${c.id}: ${(e as Error).stack ?? msg}`);
          this.stats.unexpectedErrorReplies++;
          c.parser.reset();
          msg = 'Protocol error: unexpected failure parsing the request';
        }
        c.error('ERR ' + msg);
        this.log.verbose(`Protocol error (${msg}) from client: id=${c.id} addr=${c.addr}`);
        c.flags |= CLIENT_CLOSE_AFTER_REPLY;
        break;
      }
      if (argv === null) break;
      if (c.parser.bigArgs !== null) {
        c.bigArgs = c.parser.bigArgs;
        c.parser.bigArgs = null;
      }
      processCommand(this, c, argv);
    }
    c.requestWrite();
  }

  /**
   * CLIENT PAUSE: holds the commands of every client (or, with writesOnly, those that may
   * write) until endMs. A pause already in force keeps its later end and its stricter mode.
   */
  pause(endMs: number, writesOnly: boolean): void {
    if (this.pauseUntil !== 0) {
      endMs = Math.max(endMs, this.pauseUntil);
      writesOnly = writesOnly && this.pauseWritesOnly;
    } else if (endMs <= this.clock()) {
      return; // CLIENT PAUSE 0: already over.
    }
    this.pauseUntil = endMs;
    this.pauseWritesOnly = writesOnly;
    this.armPauseTimer();
  }

  private armPauseTimer(): void {
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    // setTimeout takes at most 2^31-1 ms; a longer pause re-arms when that fires.
    const delay = Math.min(Math.max(0, this.pauseUntil - this.clock()), 0x7fffffff);
    this.pauseTimer = setTimeout(() => {
      this.pauseTimer = null;
      if (this.pauseUntil === 0) return;
      if (this.clock() >= this.pauseUntil) this.unpause();
      else this.armPauseTimer();
    }, delay);
    this.pauseTimer.unref();
  }

  /**
   * Ends CLIENT PAUSE. The held clients run again from the next event-loop turn, in the order
   * they were held, never in the middle of the command that ended the pause.
   */
  unpause(): void {
    if (this.pauseUntil === 0) return;
    this.pauseUntil = 0;
    this.pauseWritesOnly = false;
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    this.pauseTimer = null;
    if (this.pausedClients.length !== 0) setImmediate(() => this.resumePausedClients());
  }

  private resumePausedClients(): void {
    const held = this.pausedClients;
    this.pausedClients = [];
    for (const c of held) {
      if (c.closed || c.postponed === null) continue;
      if (this.pauseUntil !== 0) {
        // Paused again meanwhile: stay in line.
        this.pausedClients.push(c);
        continue;
      }
      c.flags &= ~CLIENT_BLOCKED;
      const argv = c.postponed;
      c.postponed = null;
      processCommand(this, c, argv);
      this.processInput(c);
    }
    this.flushPending();
  }

  scheduleFlush(): void {
    // Inside onData the batch is flushed synchronously at its end.
    if (this.flushScheduled || this.inDataBatch) return;
    this.flushScheduled = true;
    this.aof.resetGather();
    setImmediate(this.flushScheduledBatch);
  }

  /**
   * The check phase after the reads of a turn. With `appendfsync always` group commit may
   * first let the loop poll again (another immediate makes that poll non-blocking) while
   * more writes keep arriving (Aof.gatherMore); the replies of all of them leave after one
   * fdatasync.
   */
  private readonly flushScheduledBatch = (): void => {
    if (this.aof.gatherMore()) {
      setImmediate(this.flushScheduledBatch);
      return;
    }
    this.flushScheduled = false;
    this.flushPending();
  };

  /** Writes the pending replies of every client touched in this batch (one write each). */
  flushPending(): void {
    // The AOF of this batch is written (and fsynced with appendfsync always) before any
    // of its replies leave: an acknowledged write is on disk.
    if (this.aof.on) this.aof.flush();
    // beforeSleep: BCAST tracking invalidations for the keys modified in this batch.
    if (this.tracking.prefixes.size !== 0) this.tracking.broadcast();
    if (this.tracking.table.size !== 0)
      this.tracking.limitUsedSlots(this.config.num('tracking-table-max-keys'));
    const list = this.clientsPendingWrite;
    if (list.length === 0) return;
    this.clientsPendingWrite = [];
    for (let i = 0; i < list.length; i++) {
      const c = list[i];
      c.flags &= ~CLIENT_PENDING_WRITE;
      this.writeToClient(c);
    }
  }

  private writeToClient(c: Client): void {
    if (!c.closed && !c.socket && c.transport) {
      this.writeToTransport(c, c.transport);
      return;
    }
    if (c.closed || !c.socket) {
      c.out.pos = 0;
      return;
    }
    const n = c.out.pos;
    if (n !== 0 && c.tlsWriting) {
      // The TLS handle takes one write at a time: the replies wait for the one in flight
      // (tlsWriteDone asks for this write again), and count toward the limits meanwhile.
      this.checkOutputBufferLimits(c);
      return;
    }
    if (n !== 0) {
      if (n > c.replyPeak) c.replyPeak = n;
      // Receiving replies counts as activity for the idle `timeout`, as in Redis.
      if ((c.flags & CLIENT_MASTER) === 0 && this.cmdTime > c.lastInteraction)
        c.lastInteraction = this.cmdTime;
      c.netOutput += n;
      this.stats.netOutputBytes += n;
      this.stats.writesProcessed++;
      const socket = c.socket;
      const tlsSocket = (socket as tls.TLSSocket).encrypted === true;
      // Nothing queued: the kernel usually takes the whole reply at once, so the reply
      // buffer itself is written (no copy, no allocation) and reused when it did; a write
      // left incomplete keeps the buffer (the writer takes a new one). A TLS write is
      // encrypted (copied) at once, so the buffer is reused, but it completes later.
      const r = tlsSocket
        ? tlsWrite(socket, c.out.view(), (c.tlsWriteDone ??= (st) => this.tlsWriteDone(c, st)))
        : directWrite(socket, c.out.view(), (c.directWriteDone ??= (st) => this.directWriteDone(c, st)));
      if (tlsSocket && (r === WRITE_DONE || r === WRITE_QUEUED)) {
        c.out.released(false);
        c.tlsWriting = r === WRITE_QUEUED;
      } else if (r === WRITE_DONE || r === WRITE_QUEUED) {
        c.out.released(r === WRITE_QUEUED);
        if (r === WRITE_QUEUED) this.checkOutputBufferLimits(c);
      } else if (r < 0) {
        // The connection broke (EPIPE, ECONNRESET): what socket.write's error would do.
        c.out.pos = 0;
        this.freeClient(c);
        socket.destroy();
        return;
      } else if (socket.writableLength === 0 && !tlsSocket) {
        socket.write(c.out.view());
        const queued = socket.writableLength !== 0;
        c.out.released(queued);
        if (queued) this.checkOutputBufferLimits(c);
      } else {
        socket.write(c.out.take()!);
        // What the kernel did not take stays queued in the socket: it counts toward the limits.
        if (socket.writableLength !== 0) this.checkOutputBufferLimits(c);
      }
    }
    if (c.flags & CLIENT_CLOSE_ASAP) {
      // Output that could not be delivered is dropped with the connection (freeClientAsync).
      this.freeClient(c);
      c.socket.destroy();
    } else if (c.flags & CLIENT_CLOSE_AFTER_REPLY) {
      c.socket.end();
      this.freeClient(c);
    }
  }

  /** writeToClient for a gateway session (src/gateway/): the same accounting and limits. */
  private writeToTransport(c: Client, t: ClientTransport): void {
    if (c.out.pos > c.replyPeak) c.replyPeak = c.out.pos;
    const data = c.out.take();
    if (data !== null) {
      if (this.cmdTime > c.lastInteraction) c.lastInteraction = this.cmdTime;
      c.netOutput += data.length;
      this.stats.netOutputBytes += data.length;
      this.stats.writesProcessed++;
      t.write(data);
      if (t.writableLength !== 0) this.checkOutputBufferLimits(c);
    }
    if (c.flags & (CLIENT_CLOSE_ASAP | CLIENT_CLOSE_AFTER_REPLY)) this.freeClient(c);
  }

  /**
   * Registers a client whose replies go to `transport` instead of a socket (an HTTP request,
   * an SSE stream or a WebSocket of the gateway). Null when maxclients is reached.
   */
  attachClient(transport: ClientTransport, addr: string, laddr: string, libName: string): Client | null {
    if (this.closing) return null;
    if (this.clients.size >= this.config.num('maxclients')) {
      this.stats.rejectedConnections++;
      return null;
    }
    this.stats.connectionsReceived++;
    const c = new Client(this, this.nextClientId++, null, this.dbs[0], this.clock());
    c.transport = transport;
    c.addr = addr;
    c.laddr = laddr;
    c.libName = libName;
    this.clients.set(c.id, c);
    return c;
  }

  /**
   * A connection accepted by the busy-script worker thread (src/scripting/busy.ts), its bytes
   * relayed through `transport`: accept()'s checks (maxclients, protected mode) and client
   * set-up. Null when refused (the refusal was written to the transport, which was ended).
   */
  attachProxiedConnection(
    transport: ClientTransport,
    remote: { address?: string; port?: number },
    local: { address?: string; port?: number },
    unix: boolean,
  ): Client | null {
    const refuse = (text: string): null => {
      transport.write(Buffer.from(text, 'latin1'));
      transport.end();
      return null;
    };
    if (this.closing) return refuse('');
    if (this.clients.size >= this.config.num('maxclients')) {
      this.stats.rejectedConnections++;
      return refuse('-ERR max number of clients reached\r\n');
    }
    this.stats.connectionsReceived++;
    const ip = remote.address ?? '';
    if (
      !unix &&
      this.config.bool('protected-mode') &&
      this.acl.defaultUser.nopass &&
      !(ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.'))
    ) {
      this.stats.rejectedConnections++;
      return refuse(PROTECTED_MODE_DENIED);
    }
    const c = new Client(this, this.nextClientId++, null, this.dbs[0], this.clock());
    c.transport = transport;
    if (unix) {
      c.flags |= CLIENT_UNIX_SOCKET;
      c.addr = `${this.config.str('unixsocket')}:0`;
      c.laddr = c.addr;
    } else {
      c.addr = formatAddr(remote.address, remote.port);
      c.laddr = formatAddr(local.address, local.port);
    }
    this.clients.set(c.id, c);
    return c;
  }

  private onDrain(_c: Client): void {}

  /** A direct write that libuv had queued (directWrite) completed with this status. */
  private directWriteDone(c: Client, status: number): void {
    if (status < 0 && !c.closed) {
      this.freeClient(c);
      c.socket?.destroy();
    }
  }

  /** A TLS reply write (tlsWrite) completed: the replies that waited for it go out. */
  private tlsWriteDone(c: Client, status: number): void {
    c.tlsWriting = false;
    if (c.closed) return;
    if (status < 0) {
      this.freeClient(c);
      c.socket?.destroy();
    } else if (c.out.pos !== 0 || (c.flags & (CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP)) !== 0) {
      // Through the batch flush, so the AOF of their commands is written first.
      c.requestWrite();
    }
  }

  /** Closes a client's connection and releases its state. */
  freeClient(c: Client): void {
    if (c.closed) return;
    c.closed = true;
    this.clients.delete(c.id);
    this.monitors.delete(c);
    if (c.bstate !== null) this.blocking.removeClient(c);
    if (c.pubsubState !== null) this.pubsub.unsubscribeAll(c);
    if ((c.flags & CLIENT_TRACKING) !== 0) this.tracking.disable(c);
    for (const f of c.onClose) {
      try {
        f(c);
      } catch (e) {
        this.log.warning(`Error while freeing client: ${(e as Error).message}`);
      }
    }
    c.parser.reset();
    if (c.transport !== null) c.transport.end();
    if (c.socket && !c.socket.destroyed) {
      if (c.socket.writableEnded || queuedBytes(c.socket) > 0) c.socket.end();
      else c.socket.destroy();
    }
  }

  // ---- Cron -----------------------------------------------------------------------------
  private startCron(): void {
    const hz = Math.max(1, Math.min(500, this.config.num('hz')));
    this.cronTimer = setInterval(() => this.cron(), Math.floor(1000 / hz));
    this.cronTimer.unref();
    this.config.onChange('hz', (v) => {
      // hz is a hint: out-of-range values are capped (Redis's updateHZ).
      const nhz = Math.max(1, Math.min(500, Number(v)));
      if (nhz !== v) {
        this.config.setValue('hz', nhz);
        return;
      }
      if (this.cronTimer === null) return;
      clearInterval(this.cronTimer);
      this.cronTimer = setInterval(() => this.cron(), Math.floor(1000 / nhz));
      this.cronTimer.unref();
    });
  }

  /**
   * Keeps wallOffset within a millisecond of Date.now(). Date.now() truncates, so a sample
   * reads up to 1 ms low: the offset follows any sample above it, and one more than 1 ms
   * below it (the wall clock really went back, or runs slower than the monotonic one) only
   * down to that sample + 1 ms, so that truncation alone never moves the command time back.
   * The first offset is performance.timeOrigin (the process start, sub-ms), so it is exact
   * rather than up to 1 ms low.
   */
  private syncWallOffset(now: number): void {
    const sample = now - performance.now();
    const off = this.wallOffset!;
    if (sample > off) this.wallOffset = sample;
    else if (sample < off - 1) this.wallOffset = sample + 1;
  }

  /** serverCron: active expiry, idle client timeouts, instantaneous stats. */
  cron(): void {
    try {
      this.cronLoops++;
      if (this.wallOffset !== null) this.syncWallOffset(Date.now());
      this.cmdTime = this.clock();
      if (this.activeExpireEnabled && this.pauseUntil === 0) activeExpireCycle(this);
      this.stats.sample(this.cmdTime);
      if (this.pauseUntil !== 0 && this.cmdTime >= this.pauseUntil) this.unpause();
      this.clientsTimeout();
      this.rdb.cron();
      this.aof.cron();
      this.youngGen.tick(this.cmdTime);
      if (this.cronLoops % 10 === 0) trimSpares();
      this.flushPending();
    } catch (e) {
      this.log.warning(`Error in server cron: ${(e as Error).stack}`);
    }
  }

  /** Closes clients idle for more than `timeout` seconds (clientsCronHandleTimeout). */
  private clientsTimeout(): void {
    const timeout = this.config.num('timeout');
    if (timeout <= 0) return;
    const now = Math.floor(this.clock() / 1000);
    for (const c of this.clients.values()) {
      // Replicas, masters, monitors, blocked (and paused) and Pub/Sub clients never time out.
      if (c.flags & (CLIENT_BLOCKED | CLIENT_PUBSUB | CLIENT_MONITOR | CLIENT_SLAVE | CLIENT_MASTER))
        continue;
      if (c.subscriptions + c.patterns + c.shardSubscriptions > 0) continue;
      // Whole seconds, as Redis compares server.unixtime with c->lastinteraction.
      if (now - Math.floor(c.lastInteraction / 1000) > timeout) {
        this.log.verbose('Closing idle client');
        this.freeClient(c);
      }
    }
  }

  // ---- Shutdown ---------------------------------------------------------------------------
  /**
   * Stops listening, disconnects every client, removes the unix socket and the pidfile and
   * releases timers (the embedding API's close(); SHUTDOWN ends here too).
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const f of this.closeHooks) f();
    this.rdb.killBgsave(false);
    if (this.cronTimer) clearInterval(this.cronTimer);
    this.cronTimer = null;
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    this.pauseTimer = null;
    this.blocking.close();
    this.evictor.close();
    const gatewayClosed = this.gateway !== null ? this.gateway.close() : Promise.resolve();
    this.gateway = null;
    const closes = this.listeners.map((l) => new Promise<void>((r) => l.close(() => r())));
    this.listeners = [];
    this.tcpListeners = [];
    this.tlsListeners = [];
    this.unixListener = null;
    this.flushPending();
    this.aof.stop();
    for (const c of [...this.clients.values()]) {
      c.flags |= CLIENT_CLOSE_ASAP;
      this.freeClient(c);
      c.socket?.destroy();
    }
    this.removeUnixSocket();
    this.removePidfile();
    await Promise.all([...closes, gatewayClosed]);
  }

  private removePidfile(): void {
    const pidfile = this.config.str('pidfile');
    if (!pidfile) return;
    try {
      unlinkSync(this.config.resolvePath(pidfile));
    } catch {
      /* gone */
    }
  }

  private removeUnixSocket(): void {
    const unixsocket = this.config.str('unixsocket');
    if (!unixsocket) return;
    try {
      unlinkSync(this.config.resolvePath(unixsocket));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
        this.log.warning(`Error removing the unix socket file: ${strerror(e)}`);
    }
  }

  /** True once close() began (SHUTDOWN NOSAVE during a busy script ends the script). */
  get shuttingDown(): boolean {
    return this.closing;
  }

  /**
   * The listening sockets' fds that a busy script's worker thread accepts on (plain TCP and
   * the unix socket; TLS listeners are not included).
   */
  listenerFds(): { fd: number; unix: boolean }[] {
    const out: { fd: number; unix: boolean }[] = [];
    const add = (l: net.Server, unix: boolean): void => {
      const fd = (l as unknown as { _handle?: { fd?: number } })._handle?.fd;
      if (typeof fd === 'number' && fd >= 0) out.push({ fd, unix });
    };
    for (const l of this.tcpListeners) add(l, false);
    if (this.unixListener !== null) add(this.unixListener, true);
    return out;
  }

  /**
   * SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT], SIGTERM and SIGINT (Redis's
   * prepareForShutdown + finishShutdown). Returns the error reply text (with its `ERR`
   * prefix) when the shutdown is refused, or null when it goes ahead: the server then
   * closes, and `onShutdown` runs (the CLI exits with code 0).
   *
   * Saving: when a save is due (SAVE, or `save` points configured and no NOSAVE) the
   * persistence hook `saveOnShutdown` writes the snapshot. Until persistence exists, an
   * explicit SAVE is refused (`Errors trying to SHUTDOWN. Check logs.`) unless FORCE, and
   * the implicit save of the `save` points is skipped with a warning in the log.
   * Respite has no replicas to wait for, so NOW and shutdown-timeout change nothing and a
   * shutdown is never in progress for ABORT to cancel.
   */
  shutdown(opts: ShutdownOptions = {}): string | null {
    if (opts.abort) return 'ERR No shutdown in progress.';
    if (this.closing) return null;
    // While the dataset loads, a save would overwrite the file with half of it (Redis forces NOSAVE).
    if (this.rdb.loadingInProgress) opts = { ...opts, save: false, nosave: true };
    this.log.warning('User requested shutdown...');
    const save = opts.save === true || (!opts.nosave && this.config.str('save') !== '');
    if (this.saveOnShutdown) {
      if (save) this.log.notice('Saving the final RDB snapshot before exiting.');
      const err = this.saveOnShutdown({ save });
      if (err !== null) {
        if (opts.force) this.log.warning('Error trying to save the DB. Exit anyway.');
        else {
          this.log.warning("Error trying to save the DB, can't exit.");
          this.log.warning('Errors trying to shut down the server. Check the logs for more information.');
          return 'ERR Errors trying to SHUTDOWN. Check logs.';
        }
      }
    } else if (save) {
      if (opts.save && !opts.force) {
        this.log.warning('Saving the final RDB snapshot is not implemented in this version of Respite.');
        this.log.warning("Error trying to save the DB, can't exit.");
        this.log.warning('Errors trying to shut down the server. Check the logs for more information.');
        return 'ERR Errors trying to SHUTDOWN. Check logs.';
      }
      this.log.warning(
        'Not saving the final RDB snapshot: persistence is not implemented in this version of Respite.',
      );
    }
    if (this.config.str('pidfile')) this.log.notice('Removing the pid file.');
    if (this.config.str('unixsocket')) this.log.notice('Removing the unix socket file.');
    this.log.warning('Respite is now ready to exit, bye bye...');
    void this.close().then(() => this.onShutdown?.());
    return null;
  }

  /**
   * A termination signal (SIGTERM, SIGINT): logged at once, and the shutdown runs from the
   * event loop with the flags of shutdown-on-sigterm / shutdown-on-sigint. A second SIGINT
   * while shutting down exits at once with code 1, like Redis. Returns true when the
   * caller must exit the process now.
   */
  handleSignal(sig: 'SIGTERM' | 'SIGINT' | string): boolean {
    if (this.shutdownAsap && sig === 'SIGINT') {
      this.log.signal('You insist... exiting now.');
      return true;
    }
    let msg =
      sig === 'SIGINT'
        ? 'Received SIGINT scheduling shutdown...'
        : sig === 'SIGTERM'
          ? 'Received SIGTERM scheduling shutdown...'
          : 'Received shutdown signal, scheduling shutdown...';
    if (this.rdb.loadingInProgress) msg = 'Received shutdown signal during loading, scheduling shutdown.';
    this.log.signal(msg);
    if (this.shutdownAsap) return false;
    this.shutdownAsap = true;
    setImmediate(() => {
      const name = sig === 'SIGINT' ? 'shutdown-on-sigint' : 'shutdown-on-sigterm';
      const words = sig === 'SIGINT' || sig === 'SIGTERM' ? this.config.str(name).split(' ') : [];
      const err = this.shutdown({
        save: words.includes('save'),
        nosave: words.includes('nosave'),
        now: words.includes('now'),
        force: words.includes('force'),
      });
      if (err !== null) {
        this.log.warning(
          'SIGTERM received but errors trying to shut down the server, check the logs for more information',
        );
        this.shutdownAsap = false;
      }
    });
    return false;
  }

  /** listen() was called and close() was not. */
  isListening(): boolean {
    return this.started && !this.closing;
  }

  isClosing(): boolean {
    return this.closing;
  }

  /** Total keys expired by the active cycle and lazily (INFO expired_keys). */
  notifyGenericDel(db: Database, key: string): void {
    this.notifyKeyspaceEvent(NOTIFY_GENERIC, 'del', key, db.id);
  }

  /** Records a command in the slow log when it ran longer than the threshold. */
  slowlogPush(c: Client, argv: string[], durationUs: number): void {
    const threshold = this.slowlogThreshold;
    if (threshold < 0 || durationUs < threshold) return;
    const max = this.config.num('slowlog-max-len');
    const args: string[] = [];
    const n = Math.min(argv.length, 32);
    for (let i = 0; i < n; i++) {
      if (n === 32 && i === 31) {
        args.push(`... (${argv.length - 31} more arguments)`);
        break;
      }
      // A big argument the command took as bytes: only its first 128 bytes become text.
      const b = c.bigArgs?.[i];
      if (b !== undefined) {
        args.push(b.latin1Slice(0, 128) + `... (${b.length - 128} more bytes)`);
        continue;
      }
      const a = argv[i];
      args.push(a.length > 128 ? a.slice(0, 128) + `... (${a.length - 128} more bytes)` : a);
    }
    this.slowlog.unshift({
      id: this.slowlogNextId++,
      time: Math.floor(this.clock() / 1000),
      durationUs: Math.round(durationUs),
      argv: args,
      addr: c.addr,
      name: c.name ?? '',
    });
    while (this.slowlog.length > max) this.slowlog.pop();
  }
}

/** Redis's reply to a client refused by protected mode (then the connection is closed). */
const PROTECTED_MODE_DENIED =
  "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

/**
 * `rename-command old new` (new may be "" to remove the command): returns Redis's error
 * text or null. The table keeps lowercase and uppercase keys for each name.
 */
function renameCommand(table: Map<string, CommandSpec>, from: string, to: string): string | null {
  const spec = table.get(from.toLowerCase());
  if (!spec) return 'No such command in rename-command';
  table.delete(from.toLowerCase());
  table.delete(from.toUpperCase());
  if (to === '') return null;
  if (table.has(to.toLowerCase())) return 'Target command name already exists';
  table.set(to.toLowerCase(), spec);
  table.set(to.toUpperCase(), spec);
  return null;
}

function formatAddr(ip: string | undefined, port: number | undefined): string {
  if (!ip) return `?:0`;
  if (ip.startsWith('::ffff:')) ip = ip.slice(7);
  // IPv6 addresses are bracketed, as Redis's anetFormatAddr does.
  return ip.includes(':') ? `[${ip}]:${port ?? 0}` : `${ip}:${port ?? 0}`;
}

function randomHex(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(Math.random() * 16).toString(16);
  return s;
}

/** A handshake failure as OpenSSL words it (`error:0A00010B:SSL routines::wrong version number`). */
function tlsErrorText(e: Error): string {
  const m = /error:[0-9A-F]+:[^\n]*/.exec(e.message);
  return m !== null ? m[0] : e.message;
}
