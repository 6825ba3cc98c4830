/**
 * Server: listeners, clients, databases and the periodic cron (active expiry, client
 * timeouts, stats). One Server is one isolated Respite instance; several can live in one
 * process (embedding).
 *
 * Data flow: socket 'data' -> client.parser -> dispatcher.processCommand (synchronous
 * handler) -> client.out -> flushPending() writes every touched client once per batch.
 */
import net from 'node:net';
import { unlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { Config } from '../config/config.js';
import { Database, type KeyspaceHooks } from '../store/database.js';
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
  CLIENT_UNIX_SOCKET,
} from './client.js';
import { ProtocolError } from '../protocol/parser.js';
import { processCommand } from './dispatcher.js';
import { Logger } from './logger.js';
import { Stats } from './stats.js';
import { activeExpireCycle } from './expire.js';
import { NOTIFY_EXPIRED, NOTIFY_GENERIC } from './notify.js';
import { Blocking } from './blocking.js';

export const REDIS_VERSION = '7.0.15';
export const RESPITE_VERSION = '0.1.0';

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
  /** Raw config file contents to load first (directives as in redis.conf). */
  configText?: string;
  /** Path of the config file, for CONFIG REWRITE. */
  configFile?: string;
  /** Clock in unix ms (tests may move time). */
  clock?: () => number;
  /** Print log lines (default: true for the CLI, false when embedded). */
  log?: boolean;
  /** Called after SHUTDOWN completes (the CLI exits the process). */
  onShutdown?: () => void;
  /** Dict segment size (tests scale it down to exercise splitting). */
  dictSegmentLimit?: number;
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
  private listeners: net.Server[] = [];
  private cronTimer: NodeJS.Timeout | null = null;
  private flushScheduled = false;
  private nextClientId = 1;
  private closing = false;
  private readonly onShutdown?: () => void;
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
  lastSaveTime: number;
  cronLoops = 0;

  constructor(opts: ServerOptions = {}) {
    this.config = new Config();
    this.clock = opts.clock ?? Date.now;
    this.configFile = opts.configFile ?? '';
    this.onShutdown = opts.onShutdown;
    this.dictSegmentLimit = opts.dictSegmentLimit;
    if (opts.configText !== undefined) {
      const err = this.config.loadText(opts.configText, opts.configFile);
      if (err) throw new Error(err);
    }
    for (const [k, v] of Object.entries(opts.config ?? {})) {
      const args = Array.isArray(v) ? v : [typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v)];
      const err = this.config.set(k, args);
      if (err) throw new Error(`Invalid value for config '${k}': ${err}`);
    }
    this.log.quiet = opts.log === false;
    this.log.setLevel(this.config.str('loglevel'));
    this.log.file = this.config.str('logfile');
    this.config.onChange('loglevel', (v) => this.log.setLevel(String(v)));
    this.stats.watchConfig(this.config);
    this.protoMaxBulkLen = this.config.num('proto-max-bulk-len');
    this.config.onChange('proto-max-bulk-len', (v) => {
      this.protoMaxBulkLen = v as number;
      for (const c of this.clients.values()) c.parser.setMaxBulkLen(v as number);
    });
    this.config.onChange('requirepass', () => {
      // Changing the password does not log out connected clients (as Redis), but new
      // connections see the new requirement; the parser's limits for clients that still
      // have to authenticate follow it.
      for (const c of this.clients.values()) c.parser.setAuthRequired(c.authRequired());
    });
    const n = this.config.num('databases');
    for (let i = 0; i < n; i++) this.dbs.push(new Database(i, this.strings, this, this.dictSegmentLimit));
    this.commands = buildCommandTable();
    this.startTime = this.clock();
    this.lastSaveTime = Math.floor(this.startTime / 1000);
    this.cmdTime = this.startTime;
    this.runId = randomHex(40);
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

  onExpired(db: Database, key: string): void {
    this.stats.expiredKeys++;
    this.notifyKeyspaceEvent(NOTIFY_EXPIRED, 'expired', key, db.id);
    this.propagate(db.id, ['DEL', key]);
  }

  // ---- Hooks for subsystems (notifications, WATCH, AOF/replication) --------------------
  /** Keyspace notification hook; the Pub/Sub subsystem replaces it. */
  notifyKeyspaceEvent(_type: number, _event: string, _key: string, _dbid: number): void {}

  /** WATCH / client-side-caching hook: called after every key modification. */
  signalModifiedKey(_db: Database, _key: string): void {}

  /** AOF / replication feed of a write, already rewritten to be deterministic. */
  propagate(_dbid: number, _argv: string[]): void {}

  /** Convenience for commands: the usual trio after a write to `key`. */
  keyModified(db: Database, key: string, notifyType: number, event: string): void {
    this.signalModifiedKey(db, key);
    this.notifyKeyspaceEvent(notifyType, event, key, db.id);
    this.dirty++;
  }

  authRequired(): boolean {
    return this.config.str('requirepass') !== '';
  }

  // ---- Listening ------------------------------------------------------------------------
  async listen(): Promise<void> {
    const port = this.config.num('port');
    const binds = this.config
      .str('bind')
      .split(/\s+/)
      .filter((b) => b !== '');
    if (port !== 0 || binds.length > 0) {
      let boundPort = port;
      for (const raw of binds) {
        const optional = raw.startsWith('-');
        let host = optional ? raw.slice(1) : raw;
        if (host === '*') host = '0.0.0.0';
        if (host === '::*') host = '::';
        try {
          const srv = await this.listenOne({ host, port: boundPort, ipv6Only: host.includes(':') });
          const addr = srv.address();
          if (addr && typeof addr === 'object') boundPort = addr.port;
        } catch (e) {
          const err = e as NodeJS.ErrnoException;
          if (optional && (err.code === 'EADDRNOTAVAIL' || err.code === 'EAFNOSUPPORT')) {
            this.log.verbose(`Skipping optional bind address ${host}: ${err.message}`);
            continue;
          }
          this.closeListeners();
          if (err.code === 'EADDRINUSE')
            throw new Error(
              `Could not create server TCP listening socket ${host}:${port}: bind: Address already in use`,
            );
          throw new Error(`Could not create server TCP listening socket ${host}:${port}: ${err.message}`);
        }
      }
      this.port = boundPort;
    }
    const unixsocket = this.config.str('unixsocket');
    if (unixsocket) {
      try {
        unlinkSync(unixsocket);
      } catch {
        /* not there */
      }
      await this.listenOne({ path: unixsocket });
      const perm = this.config.num('unixsocketperm');
      if (perm) chmodSync(unixsocket, perm);
    }
    const pidfile = this.config.str('pidfile');
    if (pidfile) {
      try {
        writeFileSync(pidfile, `${process.pid}\n`);
      } catch (e) {
        this.log.warning(`Failed to write PID file: ${(e as Error).message}`);
      }
    }
    this.startCron();
    this.log.notice(`Server initialized`);
    this.log.notice(`Ready to accept connections tcp`);
  }

  private listenOne(opts: net.ListenOptions): Promise<net.Server> {
    return new Promise((resolve, reject) => {
      const srv = net.createServer({ noDelay: true }, (s) => this.accept(s, opts.path !== undefined));
      srv.maxConnections = Infinity;
      const onError = (e: Error) => reject(e);
      srv.once('error', onError);
      srv.listen({ ...opts, backlog: this.config.num('tcp-backlog'), exclusive: true }, () => {
        srv.off('error', onError);
        srv.on('error', (e) => this.log.warning(`Listener error: ${e.message}`));
        this.listeners.push(srv);
        resolve(srv);
      });
    });
  }

  private closeListeners(): void {
    for (const l of this.listeners) l.close();
    this.listeners = [];
  }

  private accept(socket: net.Socket, unix: boolean): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    if (this.clients.size >= this.config.num('maxclients')) {
      this.stats.rejectedConnections++;
      socket.on('error', () => {});
      socket.end('-ERR max number of clients reached\r\n');
      return;
    }
    this.stats.connectionsReceived++;
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
    socket.on('data', (chunk: Buffer) => this.onData(c, chunk));
    socket.on('error', () => this.freeClient(c));
    socket.on('close', () => this.freeClient(c));
    socket.on('drain', () => this.onDrain(c));
  }

  private onData(c: Client, chunk: Buffer): void {
    if (c.closed) return;
    c.netInput += chunk.length;
    this.stats.netInputBytes += chunk.length;
    c.lastInteraction = this.clock();
    c.parser.feed(chunk);
    const limit = this.config.num('client-query-buffer-limit');
    if (c.parser.pending > limit) {
      this.log.warning(
        `Closing client that reached max query buffer length: id=${c.id} addr=${c.addr} (qbuf initial bytes: ...)`,
      );
      this.freeClient(c);
      return;
    }
    this.processInput(c);
    this.flushPending();
  }

  /** Executes every complete command buffered for c, unless it is blocked or closing. */
  processInput(c: Client): void {
    while ((c.flags & (CLIENT_BLOCKED | CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP)) === 0 && !c.closed) {
      let argv: string[] | null;
      try {
        argv = c.parser.next();
      } catch (e) {
        if (e instanceof ProtocolError) {
          c.error('ERR ' + e.message);
          this.log.verbose(`Protocol error (${e.message}) from client: id=${c.id} addr=${c.addr}`);
          c.flags |= CLIENT_CLOSE_AFTER_REPLY;
          break;
        }
        throw e;
      }
      if (argv === null) break;
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
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flushPending();
    });
  }

  /** Writes the pending replies of every client touched in this batch (one write each). */
  flushPending(): void {
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
    if (c.closed || !c.socket) {
      c.out.pos = 0;
      return;
    }
    if (c.out.pos > c.replyPeak) c.replyPeak = c.out.pos;
    const data = c.out.take();
    if (data !== null) {
      // Receiving replies counts as activity for the idle `timeout`, as in Redis.
      if ((c.flags & CLIENT_MASTER) === 0 && this.cmdTime > c.lastInteraction)
        c.lastInteraction = this.cmdTime;
      c.netOutput += data.length;
      this.stats.netOutputBytes += data.length;
      c.socket.write(data);
    }
    if (c.flags & (CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP)) {
      c.socket.end();
      this.freeClient(c);
    }
  }

  private onDrain(_c: Client): void {}

  /** Closes a client's connection and releases its state. */
  freeClient(c: Client): void {
    if (c.closed) return;
    c.closed = true;
    this.clients.delete(c.id);
    this.monitors.delete(c);
    if (c.bstate !== null) this.blocking.removeClient(c);
    for (const f of c.onClose) {
      try {
        f(c);
      } catch (e) {
        this.log.warning(`Error while freeing client: ${(e as Error).message}`);
      }
    }
    c.parser.reset();
    if (c.socket && !c.socket.destroyed) {
      if (c.socket.writableLength > 0 || c.socket.writableEnded) c.socket.end();
      else c.socket.destroy();
    }
  }

  // ---- Cron -----------------------------------------------------------------------------
  private startCron(): void {
    const hz = Math.max(1, Math.min(500, this.config.num('hz')));
    this.cronTimer = setInterval(() => this.cron(), Math.floor(1000 / hz));
    this.cronTimer.unref();
    this.config.onChange('hz', (v) => {
      if (this.cronTimer) clearInterval(this.cronTimer);
      const nhz = Math.max(1, Math.min(500, v as number));
      this.cronTimer = setInterval(() => this.cron(), Math.floor(1000 / nhz));
      this.cronTimer.unref();
    });
  }

  /** serverCron: active expiry, idle client timeouts, instantaneous stats. */
  cron(): void {
    try {
      this.cronLoops++;
      this.cmdTime = this.clock();
      if (this.activeExpireEnabled && this.pauseUntil === 0) activeExpireCycle(this);
      this.stats.sample(this.cmdTime);
      if (this.pauseUntil !== 0 && this.cmdTime >= this.pauseUntil) this.unpause();
      this.clientsTimeout();
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
      if (now - Math.floor(c.lastInteraction / 1000) > timeout) {
        this.log.verbose('Closing idle client');
        this.freeClient(c);
      }
    }
  }

  // ---- Shutdown ---------------------------------------------------------------------------
  /** Stops listening, disconnects every client and releases timers (embedding close()). */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.cronTimer) clearInterval(this.cronTimer);
    this.cronTimer = null;
    if (this.pauseTimer) clearTimeout(this.pauseTimer);
    this.pauseTimer = null;
    this.blocking.close();
    const closes = this.listeners.map((l) => new Promise<void>((r) => l.close(() => r())));
    this.listeners = [];
    this.flushPending();
    for (const c of [...this.clients.values()]) {
      c.flags |= CLIENT_CLOSE_ASAP;
      this.freeClient(c);
      c.socket?.destroy();
    }
    const unixsocket = this.config.str('unixsocket');
    if (unixsocket) {
      try {
        unlinkSync(unixsocket);
      } catch {
        /* gone */
      }
    }
    const pidfile = this.config.str('pidfile');
    if (pidfile) {
      try {
        unlinkSync(pidfile);
      } catch {
        /* gone */
      }
    }
    await Promise.all(closes);
  }

  /**
   * SHUTDOWN / SIGTERM: (persistence saves here once implemented), then close and tell the
   * owner. Returns an error text when the shutdown was refused.
   */
  shutdown(_opts: { save?: boolean; nosave?: boolean; now?: boolean; force?: boolean } = {}): string | null {
    this.log.warning('User requested shutdown...');
    this.log.warning('Respite is now ready to exit, bye bye...');
    void this.close().then(() => this.onShutdown?.());
    return null;
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
    const threshold = this.config.num('slowlog-log-slower-than');
    if (threshold < 0 || durationUs < threshold) return;
    const max = this.config.num('slowlog-max-len');
    const args: string[] = [];
    const n = Math.min(argv.length, 32);
    for (let i = 0; i < n; i++) {
      if (n === 32 && i === 31) {
        args.push(`... (${argv.length - 31} more arguments)`);
        break;
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
