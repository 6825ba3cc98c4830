/**
 * Client-side caching (Redis's tracking.c): CLIENT TRACKING's state per client, the table
 * of keys read by tracking clients (key -> client ids, as Redis: key names without the
 * database), the BCAST prefixes, and the invalidation messages: RESP3 `invalidate` pushes,
 * or `__redis__:invalidate` Pub/Sub messages to a RESP2 redirection client.
 */
import type { ReplyWriter } from '../protocol/writer.js';
import type { CommandSpec } from '../commands/types.js';
import { getKeysWithFlags } from '../commands/meta/reply.js';
import { CLIENT_MULTI, CLIENT_PUBSUB, CLIENT_TRACKING, clientResetHooks, type Client } from './client.js';
import type { Server } from './server.js';

/** Tracking option bits (c.trackingFlags), as Redis's CLIENT_TRACKING_* flags. */
export const TRACKING_BROKEN_REDIR = 1 << 0;
export const TRACKING_BCAST = 1 << 1;
export const TRACKING_OPTIN = 1 << 2;
export const TRACKING_OPTOUT = 1 << 3;
export const TRACKING_CACHING = 1 << 4;
export const TRACKING_NOLOOP = 1 << 5;

/** A BCAST prefix: its clients and the keys modified since the last broadcast. */
interface BcastState {
  clients: Set<Client>;
  /** key -> the client that modified it first (null: not a client, e.g. expiry). */
  keys: Map<string, Client | null>;
}

const INVALIDATE_CHANNEL = '__redis__:invalidate';

/** Byte order of latin1 strings, as the radix trees Redis keeps keys and prefixes in. */
function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class Tracking {
  /** key -> ids of the clients that may have it cached. */
  readonly table = new Map<string, Set<number>>();
  totalItems = 0;
  readonly prefixes = new Map<string, BcastState>();
  /** Clients with tracking on. */
  clients = 0;
  /** Invalidations for the client running a command, sent after its reply (null = flush). */
  private pending: (string | null)[] = [];

  constructor(private readonly server: Server) {}

  // ---- CLIENT TRACKING on/off --------------------------------------------------------------
  enable(c: Client, redirect: number, options: number, prefixes: string[]): void {
    if ((c.flags & CLIENT_TRACKING) === 0) this.clients++;
    c.flags |= CLIENT_TRACKING;
    c.trackingFlags &= ~(
      TRACKING_BROKEN_REDIR |
      TRACKING_BCAST |
      TRACKING_OPTIN |
      TRACKING_OPTOUT |
      TRACKING_NOLOOP
    );
    c.trackingRedirect = redirect;
    if ((options & TRACKING_BCAST) !== 0) {
      c.trackingFlags |= TRACKING_BCAST;
      if (prefixes.length === 0) this.enableBcastPrefix(c, '');
      for (const p of prefixes) this.enableBcastPrefix(c, p);
    }
    c.trackingFlags |= options & (TRACKING_OPTIN | TRACKING_OPTOUT | TRACKING_NOLOOP);
  }

  private enableBcastPrefix(c: Client, prefix: string): void {
    let bs = this.prefixes.get(prefix);
    if (bs === undefined) {
      bs = { clients: new Set(), keys: new Map() };
      this.prefixes.set(prefix, bs);
    }
    if (!bs.clients.has(c)) {
      bs.clients.add(c);
      (c.trackingPrefixes ??= new Set()).add(prefix);
    }
  }

  disable(c: Client): void {
    if ((c.trackingFlags & TRACKING_BCAST) !== 0 && c.trackingPrefixes !== null) {
      for (const p of c.trackingPrefixes) {
        const bs = this.prefixes.get(p);
        if (bs === undefined) continue;
        bs.clients.delete(c);
        if (bs.clients.size === 0) this.prefixes.delete(p);
      }
      c.trackingPrefixes = null;
    }
    if ((c.flags & CLIENT_TRACKING) !== 0) {
      this.clients--;
      c.flags &= ~CLIENT_TRACKING;
      c.trackingFlags = 0;
    }
  }

  /**
   * checkPrefixCollisionsOrReply: the error text when a prefix overlaps one the client has
   * or another one given, else null.
   */
  prefixCollision(c: Client, prefixes: string[]): string | null {
    for (let i = 0; i < prefixes.length; i++) {
      const p = prefixes[i];
      if (c.trackingPrefixes !== null) {
        for (const q of [...c.trackingPrefixes].sort(byteOrder)) {
          if (overlaps(q, p))
            return `ERR Prefix '${cut(p)}' overlaps with an existing prefix '${cut(q)}'. Prefixes for a single client must not overlap.`;
        }
      }
      for (let j = i + 1; j < prefixes.length; j++) {
        if (overlaps(p, prefixes[j]))
          return `ERR Prefix '${cut(p)}' overlaps with another provided prefix '${cut(prefixes[j])}'. Prefixes for a single client must not overlap.`;
      }
    }
    return null;
  }

  // ---- Remembering keys ---------------------------------------------------------------------
  /**
   * trackingRememberKeys: after a read-only command of a tracking (non-BCAST) client, the
   * keys it read are remembered, unless OPTIN without CACHING yes / OPTOUT with CACHING no.
   */
  rememberKeys(c: Client, cmd: CommandSpec, argv: string[]): void {
    const tf = c.trackingFlags;
    if ((tf & TRACKING_BCAST) !== 0) return;
    const caching = (tf & TRACKING_CACHING) !== 0;
    if (((tf & TRACKING_OPTIN) !== 0 && !caching) || ((tf & TRACKING_OPTOUT) !== 0 && caching)) return;
    // Shard channels are keys to COMMAND only; they are not tracked.
    if (cmd.flags.includes('pubsub')) return;
    const keys = getKeysWithFlags(cmd, argv);
    for (const k of keys) {
      const key = argv[k.pos];
      let ids = this.table.get(key);
      if (ids === undefined) {
        ids = new Set();
        this.table.set(key, ids);
      }
      if (!ids.has(c.id)) {
        ids.add(c.id);
        this.totalItems++;
      }
    }
  }

  /** After every command (resetClient): CLIENT CACHING applies to the next command only. */
  afterCommand(c: Client): void {
    if ((c.trackingFlags & TRACKING_CACHING) === 0 || (c.flags & CLIENT_MULTI) !== 0) return;
    const cmd = c.lastCmd;
    if (cmd !== null && (cmd.parent ?? cmd).name === 'client') return;
    c.trackingFlags &= ~TRACKING_CACHING;
  }

  // ---- Invalidation ------------------------------------------------------------------------
  /** trackingInvalidateKey: `key` was modified (by the executing client, if any). */
  invalidateKey(key: string, bcast = true): void {
    const modifier = this.server.currentClient;
    if (bcast && this.prefixes.size !== 0) this.rememberKeyToBroadcast(modifier, key);
    const ids = this.table.get(key);
    if (ids === undefined) return;
    const current = this.server.currentClient;
    for (const id of ids) {
      const target = this.server.clients.get(id);
      if (
        target === undefined ||
        (target.flags & CLIENT_TRACKING) === 0 ||
        (target.trackingFlags & TRACKING_BCAST) !== 0
      )
        continue;
      if ((target.trackingFlags & TRACKING_NOLOOP) !== 0 && target === current) continue;
      if (target === this.server.executingClient) this.pending.push(key);
      else this.sendInvalidation(target, key, false);
    }
    this.totalItems -= ids.size;
    this.table.delete(key);
  }

  /**
   * trackingLimitUsedSlots (before each flush): over `tracking-table-max-keys`, keys are
   * invalidated (oldest first; Redis picks them at random) with an effort that grows while
   * the table stays over the limit.
   */
  limitUsedSlots(maxKeys: number): void {
    if (maxKeys === 0 || this.table.size <= maxKeys) {
      this.overLimitRuns = 0;
      return;
    }
    let effort = 100 * (this.overLimitRuns + 1);
    for (const key of this.table.keys()) {
      if (effort-- <= 0) break;
      this.invalidateKey(key, false);
      if (this.table.size <= maxKeys) {
        this.overLimitRuns = 0;
        return;
      }
    }
    this.overLimitRuns++;
  }
  private overLimitRuns = 0;

  private rememberKeyToBroadcast(c: Client | null, key: string): void {
    for (const [prefix, bs] of this.prefixes) {
      if (!key.startsWith(prefix)) continue;
      if (!bs.keys.has(key)) bs.keys.set(key, c);
    }
  }

  /** trackingInvalidateKeysOnFlush: every tracking client gets a null invalidation. */
  invalidateOnFlush(): void {
    if (this.clients !== 0) {
      for (const c of this.server.clients.values()) {
        if ((c.flags & CLIENT_TRACKING) === 0) continue;
        if (c === this.server.executingClient) this.pending.push(null);
        else this.sendInvalidation(c, null, false);
      }
    }
    this.table.clear();
    this.totalItems = 0;
  }

  /**
   * Sets aside the invalidations pending for the running command's client while other
   * clients' commands run in the middle of it (a busy script's service); returns them for
   * restorePending.
   */
  savePending(): (string | null)[] {
    const saved = this.pending;
    this.pending = [];
    return saved;
  }

  /** Puts back the invalidations set aside by savePending. */
  restorePending(saved: (string | null)[]): void {
    this.pending = saved;
  }

  /** Sends the invalidations held for the client whose command just ended. */
  releasePending(c: Client): void {
    if (this.pending.length === 0) return;
    const keys = this.pending;
    this.pending = [];
    if (c.closed) return;
    for (const k of keys) this.sendInvalidation(c, k, false);
  }

  /**
   * BCAST mode (trackingBroadcastInvalidationMessages, from beforeSleep): each prefix's
   * modified keys, in byte order, to each of its clients (without the keys a NOLOOP client
   * modified itself).
   */
  broadcast(): void {
    if (this.prefixes.size === 0) return;
    let pending = false;
    for (const bs of this.prefixes.values()) if (bs.keys.size !== 0) pending = true;
    if (!pending) return;
    // Prefixes in byte order, as Redis walks its radix tree.
    for (const prefix of [...this.prefixes.keys()].sort(byteOrder)) {
      const bs = this.prefixes.get(prefix)!;
      if (bs.keys.size === 0) continue;
      const keys = [...bs.keys.keys()].sort(byteOrder);
      for (const c of bs.clients) {
        let list = keys;
        if ((c.trackingFlags & TRACKING_NOLOOP) !== 0) {
          list = keys.filter((k) => bs.keys.get(k) !== c);
          if (list.length === 0) continue;
        }
        this.sendInvalidation(c, list, true);
      }
      bs.keys = new Map();
    }
  }

  /**
   * sendTrackingMessage: an invalidation for one key, a list of keys (BCAST), or null (a
   * flush), to c itself in RESP3 or to its redirection client.
   */
  sendInvalidation(c: Client, keys: string | string[] | null, _bcast: boolean): void {
    let target = c;
    let redirected = false;
    const nullProto = c.proto;
    if (c.trackingRedirect !== 0) {
      const redir = this.server.clients.get(c.trackingRedirect);
      if (redir === undefined || redir.closed) {
        c.trackingFlags |= TRACKING_BROKEN_REDIR;
        if (c.proto === 3) {
          const id = c.trackingRedirect;
          this.server.pubsub.pushTo(c, (out) => {
            out.push(2);
            out.bulk('tracking-redir-broken');
            out.integer(id);
          });
        }
        return;
      }
      target = redir;
      redirected = true;
    }
    let header: (out: ReplyWriter) => void;
    if (target.proto === 3) {
      header = (out) => {
        out.push(2);
        out.bulk('invalidate');
      };
    } else if (redirected && (target.flags & CLIENT_PUBSUB) !== 0) {
      header = (out) => {
        out.array(3);
        out.bulk('message');
        out.bulk(INVALIDATE_CHANNEL);
      };
    } else {
      return;
    }
    this.server.pubsub.pushTo(target, (out) => {
      header(out);
      if (keys === null) {
        out.raw(nullProto === 3 ? '_\r\n' : '$-1\r\n');
      } else if (typeof keys === 'string') {
        out.array(1);
        out.bulk(keys);
      } else {
        out.array(keys.length);
        for (const k of keys) out.bulk(k);
      }
    });
  }
}

/** stringCheckPrefix: one string is a prefix of the other. */
function overlaps(a: string, b: string): boolean {
  return a.length <= b.length ? b.startsWith(a) : a.startsWith(b);
}

/** `%s` of a C string: stops at the first NUL byte. */
function cut(s: string): string {
  const z = s.indexOf('\0');
  return z === -1 ? s : s.slice(0, z);
}

// RESET turns tracking off (clearClientConnectionState).
clientResetHooks.push((c) => c.server.tracking.disable(c));
