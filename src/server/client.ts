/**
 * Client: one connection's state — its parser, reply buffer, selected database,
 * authentication and the flags Redis keeps in client->flags.
 */
import type { Socket } from 'node:net';
import { RequestParser } from '../protocol/parser.js';
import { ReplyWriter } from '../protocol/writer.js';
import type { Database } from '../store/database.js';
import type { CommandSpec } from '../commands/types.js';
import type { Server } from './server.js';
import type { BlockedState } from './blocking.js';
import type { ClientSubscriptions, PublishedMessage, PubsubGroup } from './pubsub.js';
import type { User } from './acl.js';
import type { QueuedCommand, WatchedKey } from './multi.js';
import { queuedBytes } from './socket-io.js';

/** client->flags bits (the subset Respite needs). */
export const CLIENT_CLOSE_AFTER_REPLY = 1 << 0;
export const CLIENT_CLOSE_ASAP = 1 << 1;
export const CLIENT_MONITOR = 1 << 2;
export const CLIENT_PUBSUB = 1 << 3;
export const CLIENT_MULTI = 1 << 4;
export const CLIENT_BLOCKED = 1 << 5;
export const CLIENT_NO_EVICT = 1 << 6;
export const CLIENT_NO_TOUCH = 1 << 7;
export const CLIENT_READONLY = 1 << 8;
export const CLIENT_DIRTY_CAS = 1 << 9;
export const CLIENT_DIRTY_EXEC = 1 << 10;
export const CLIENT_TRACKING = 1 << 11;
/** Executing a command from a script / MULTI on behalf of the client. */
export const CLIENT_IN_EXEC = 1 << 12;
export const CLIENT_PENDING_WRITE = 1 << 13;
export const CLIENT_UNIX_SOCKET = 1 << 14;
/** A replica's connection (CLIENT LIST flag S, type replica) and the master's (flag M). */
export const CLIENT_SLAVE = 1 << 15;
export const CLIENT_MASTER = 1 << 16;
/**
 * The client may not block (Redis's CLIENT_DENY_BLOCKING): set while EXEC runs its queue or a
 * script runs commands; blocking commands then answer as if they timed out. CLIENT_MULTI
 * denies blocking too (see mayBlock in blocking.ts).
 */
export const CLIENT_DENY_BLOCKING = 1 << 17;

/**
 * CLIENT REPLY state, as bits like Redis's CLIENT_REPLY_OFF / _SKIP_NEXT / _SKIP flags:
 * SKIP_NEXT is set by CLIENT REPLY SKIP and becomes SKIP once that command is done, so the
 * command after it is the one silenced.
 */
export const REPLY_ON = 0;
export const REPLY_OFF = 1;
export const REPLY_SKIP_NEXT = 2;
export const REPLY_SKIP = 4;

/** CLIENT LIST / CLIENT KILL client types (getClientType). */
export type ClientType = 'normal' | 'slave' | 'pubsub' | 'master';

/**
 * Called by RESET for every client-state subsystem (MULTI, WATCH, Pub/Sub, tracking):
 * each drops the client's state silently, as Redis's clearClientConnectionState does.
 * Subsystems register once at module load.
 */
export const clientResetHooks: ((c: Client) => void)[] = [];

/** A non-TCP reply sink: the gateway decodes the RESP written to it (src/gateway/). */
export interface ClientTransport {
  write(buf: Buffer): void;
  end(): void;
  /** Bytes accepted but not yet delivered (counts toward the output buffer limits). */
  readonly writableLength: number;
  /**
   * Optional: takes a published message directly, to encode it once for all subscribers of
   * the same transport format (src/gateway/fanout.ts) instead of decoding RESP per client.
   * Called only while the client has no other output pending, so order is kept.
   */
  pubsubMessage?(m: PublishedMessage): void;
  /**
   * Optional: the group that takes the channel messages of this client together with the
   * other clients of the same group (src/gateway/fanout.ts): PUBLISH hands each message once
   * to the group instead of once per subscriber.
   */
  pubsubGroup?: PubsubGroup;
}

export class Client {
  readonly parser: RequestParser;
  readonly out = new ReplyWriter();
  flags = 0;
  db: Database;
  name: string | null = null;
  /** CLIENT SETINFO attributes ('' = not set). */
  libName = '';
  libVer = '';
  /** The ACL user's name (CLIENT LIST user=); `aclUser` is the user itself (acl.ts setClientUser). */
  user = 'default';
  aclUser: User;
  authenticated: boolean;
  readonly ctime: number;
  lastInteraction: number;
  /** The command being executed (or the last one executed). */
  cmd: CommandSpec | null = null;
  /** The last command the client sent, for CLIENT LIST `cmd=`; null after an unknown one. */
  lastCmd: CommandSpec | null = null;
  /** Arguments of the command being executed (CLIENT LIST argv-mem). */
  argv: string[] | null = null;
  /** The running command's arguments with secrets hidden, for the slow log and MONITOR. */
  redactedArgv: string[] | null = null;
  /**
   * Bytes of the command's big arguments (RequestParser.bigArgs), by argv index, while argv
   * holds a placeholder there: only while a command with a `bigValueArg` runs straight from the
   * parser (see dispatcher.ts); everywhere else the arguments are strings.
   */
  bigArgs: (Buffer | undefined)[] | null = null;
  /** CLIENT REPLY bits (REPLY_OFF | REPLY_SKIP_NEXT | REPLY_SKIP); REPLY_ON = 0. */
  replyMode = REPLY_ON;
  /** Remote and local addresses as `ip:port` (or `path:0` for unix sockets). */
  addr = '';
  laddr = '';
  fd = -1;
  /** Bytes read and written, for INFO stats / CLIENT LIST. */
  netInput = 0;
  netOutput = 0;
  /** Largest reply buffer use seen (CLIENT LIST rbp). */
  replyPeak = 0;
  /** Number of subscribed channels / patterns / shard channels (Pub/Sub issue). */
  subscriptions = 0;
  patterns = 0;
  shardSubscriptions = 0;
  /** Commands queued by MULTI and their argv bytes (CLIENT LIST multi=, multi-mem=). */
  multiCount = 0;
  multiMem = 0;
  /** Flag bits of the commands queued by MULTI (mstate.cmd_flags): CLIENT PAUSE WRITE holds their EXEC. */
  multiCmdFlags = 0;
  /** The commands queued by MULTI (multi.ts), null when none. */
  mstate: QueuedCommand[] | null = null;
  /** The keys this client WATCHes (multi.ts), null when none. */
  watchedKeys: WatchedKey[] | null = null;
  /** CLIENT TRACKING redirection id (CLIENT LIST redir=, CLIENT GETREDIR). */
  trackingRedirect = -1;
  /** Pub/Sub subscriptions (pubsub.ts), null while there are none. */
  pubsubState: ClientSubscriptions | null = null;
  /** CLIENT TRACKING options (TRACKING_* bits of tracking.ts) and BCAST prefixes. */
  trackingFlags = 0;
  trackingPrefixes: Set<string> | null = null;
  /** When the output buffer went over the soft limit (unix seconds), 0 when under it. */
  obufSoftLimitReachedTime = 0;
  /** Hook run once when the connection closes (subsystems unregister the client). */
  onClose: ((c: Client) => void)[] = [];
  closed = false;
  /** A command held back by CLIENT PAUSE, run when the pause ends. */
  postponed: string[] | null = null;
  /**
   * Set by whatever blocks the client on keys (BLPOP, XREAD, WAIT, ...): CLIENT UNBLOCK calls
   * it to end the wait with the timeout reply, or with an -UNBLOCKED error when `error`.
   */
  unblockHandler: ((c: Client, error: boolean) => void) | null = null;
  /** What the client waits for while blocked on keys (blocking.ts), else null. */
  bstate: BlockedState | null = null;
  /** Where replies go when the client has no socket (the HTTP/WebSocket gateway's sessions). */
  transport: ClientTransport | null = null;
  /** Completion of a reply write libuv queued (server/socket-io.ts), made on first use. */
  directWriteDone: ((status: number) => void) | null = null;
  /** A TLS reply write is in flight (tlsWrite): nothing else may be written until it completes. */
  tlsWriting = false;
  /** Completion of a TLS reply write, made on first use. */
  tlsWriteDone: ((status: number) => void) | null = null;

  constructor(
    readonly server: Server,
    readonly id: number,
    readonly socket: Socket | null,
    db: Database,
    now: number,
  ) {
    this.db = db;
    this.ctime = now;
    this.lastInteraction = now;
    this.aclUser = server.acl.defaultUser;
    this.authenticated = !server.authRequired();
    this.parser = new RequestParser({
      maxBulkLen: server.protoMaxBulkLen,
      authRequired: !this.authenticated,
    });
  }

  get proto(): 2 | 3 {
    return this.out.proto;
  }

  /** Replies with an error and counts it in INFO errorstats (like addReplyError). */
  error(msg: string): void {
    this.server.stats.countError(msg);
    this.out.error(msg);
    this.errorReplied = true;
  }
  /** Set when the running command replied with an error (for failed_calls). */
  errorReplied = false;

  /** Marks the client for a flush at the end of the current batch. */
  requestWrite(): void {
    if ((this.flags & CLIENT_PENDING_WRITE) === 0) {
      this.flags |= CLIENT_PENDING_WRITE;
      this.server.clientsPendingWrite.push(this);
      this.server.scheduleFlush();
    }
  }

  setAuthenticated(ok: boolean): void {
    this.authenticated = ok;
    this.parser.setAuthRequired(!ok && this.server.authRequired());
  }

  /** Hides argument i of the running command from the slow log and MONITOR. */
  redactArgument(i: number): void {
    if (this.redactedArgv === null) {
      if (this.argv === null) return;
      this.redactedArgv = this.argv.slice();
    }
    this.redactedArgv[i] = '(redacted)';
  }

  /** Redis's authRequired(c): the default user has a password and this client has not authenticated. */
  authRequired(): boolean {
    return !this.authenticated && this.server.authRequired();
  }
}

/** getClientType: monitors count as normal clients. */
export function getClientType(c: Client): ClientType {
  if (c.flags & CLIENT_MASTER) return 'master';
  if ((c.flags & (CLIENT_SLAVE | CLIENT_MONITOR)) === CLIENT_SLAVE) return 'slave';
  if (c.flags & CLIENT_PUBSUB) return 'pubsub';
  return 'normal';
}

/** getClientTypeByName: the names CLIENT LIST TYPE and CLIENT KILL TYPE accept. */
export function clientTypeByName(name: string): ClientType | null {
  switch (name.toLowerCase()) {
    case 'normal':
      return 'normal';
    case 'slave':
    case 'replica':
      return 'slave';
    case 'pubsub':
      return 'pubsub';
    case 'master':
      return 'master';
    default:
      return null;
  }
}

/**
 * True when every byte is printable ASCII other than space (0x21..0x7e), so that a CLIENT
 * LIST line can always be split on spaces (validateClientAttr).
 */
export function validClientAttr(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch < 0x21 || ch > 0x7e) return false;
  }
  return true;
}

export const ERR_CLIENT_NAME = 'ERR Client names cannot contain spaces, newlines or special characters.';

/** clientSetName: '' removes the name. Returns false (without replying) when invalid. */
export function setClientName(c: Client, name: string): boolean {
  if (!validClientAttr(name)) return false;
  c.name = name === '' ? null : name;
  return true;
}

/** The one-letter flags of CLIENT LIST, in Redis's order ('N' when none). */
function clientFlagsString(c: Client): string {
  const f = c.flags;
  let s = '';
  if (f & CLIENT_SLAVE) s += f & CLIENT_MONITOR ? 'O' : 'S';
  else if (f & CLIENT_MONITOR) s += 'O';
  if (f & CLIENT_MASTER) s += 'M';
  if (f & CLIENT_PUBSUB) s += 'P';
  if (f & CLIENT_MULTI) s += 'x';
  if (f & CLIENT_BLOCKED) s += 'b';
  if (f & CLIENT_TRACKING) s += 't';
  // tracking.ts's TRACKING_BROKEN_REDIR and TRACKING_BCAST bits.
  if (c.trackingFlags & 1) s += 'R';
  if (c.trackingFlags & 2) s += 'B';
  if (f & CLIENT_DIRTY_CAS) s += 'd';
  if (f & CLIENT_CLOSE_AFTER_REPLY) s += 'c';
  if (f & CLIENT_CLOSE_ASAP) s += 'A';
  if (f & CLIENT_UNIX_SOCKET) s += 'U';
  if (f & CLIENT_READONLY) s += 'r';
  if (f & CLIENT_NO_EVICT) s += 'e';
  if (f & CLIENT_NO_TOUCH) s += 'T';
  return s === '' ? 'N' : s;
}

/**
 * One CLIENT LIST / CLIENT INFO line (catClientInfoString), with the fields of Redis 7.0.15
 * plus `lib-name` and `lib-ver` from Redis 7.2. Memory fields describe Respite's own buffers.
 */
export function clientInfoString(c: Client, nowMs: number): string {
  const nowSec = Math.floor(nowMs / 1000);
  let argvMem = 0;
  const argv = c.argv;
  if (argv !== null) for (let i = 0; i < argv.length; i++) argvMem += argv[i].length;
  const qbuf = c.parser.pending;
  const rbs = c.out.buf.length;
  const obl = c.out.pos;
  if (obl > c.replyPeak) c.replyPeak = obl;
  const omem = c.socket !== null ? queuedBytes(c.socket) : (c.transport?.writableLength ?? 0);
  const totMem = qbuf + argvMem + c.multiMem + rbs + omem;
  return (
    `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=${c.fd} name=${c.name ?? ''}` +
    ` age=${nowSec - Math.floor(c.ctime / 1000)} idle=${nowSec - Math.floor(c.lastInteraction / 1000)}` +
    ` flags=${clientFlagsString(c)} db=${c.db.id} sub=${c.subscriptions} psub=${c.patterns}` +
    ` ssub=${c.shardSubscriptions} multi=${c.flags & CLIENT_MULTI ? c.multiCount : -1}` +
    ` qbuf=${qbuf} qbuf-free=0 argv-mem=${argvMem} multi-mem=${c.multiMem} rbs=${rbs} rbp=${c.replyPeak}` +
    ` obl=${obl} oll=0 omem=${omem} tot-mem=${totMem} events=r cmd=${c.lastCmd?.fullName ?? 'NULL'}` +
    ` user=${c.user} redir=${c.flags & CLIENT_TRACKING ? c.trackingRedirect : -1} resp=${c.proto}` +
    ` lib-name=${c.libName} lib-ver=${c.libVer}`
  );
}
