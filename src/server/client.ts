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

/** CLIENT REPLY modes. */
export const REPLY_ON = 0;
export const REPLY_OFF = 1;
export const REPLY_SKIP_NEXT = 2;
export const REPLY_SKIP = 3;

export class Client {
  readonly parser: RequestParser;
  readonly out = new ReplyWriter();
  flags = 0;
  db: Database;
  name: string | null = null;
  libName = '';
  libVer = '';
  user = 'default';
  authenticated: boolean;
  readonly ctime: number;
  lastInteraction: number;
  /** Current (or last) command, for CLIENT LIST `cmd=`. */
  cmd: CommandSpec | null = null;
  replyMode = REPLY_ON;
  /** Remote and local addresses as `ip:port` (or `path:0` for unix sockets). */
  addr = '';
  laddr = '';
  fd = -1;
  /** Bytes read and written, for INFO stats / CLIENT LIST. */
  netInput = 0;
  netOutput = 0;
  /** Number of subscribed channels / patterns / shard channels (Pub/Sub issue). */
  subscriptions = 0;
  patterns = 0;
  shardSubscriptions = 0;
  /** Hook run once when the connection closes (subsystems unregister the client). */
  onClose: ((c: Client) => void)[] = [];
  closed = false;
  /** A command held back by CLIENT PAUSE, run when the pause ends. */
  postponed: string[] | null = null;

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
    this.parser.setAuthRequired(!ok);
  }
}
