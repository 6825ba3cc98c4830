/**
 * Pub/Sub registry (Redis's pubsub.c): channel -> subscribers, pattern -> subscribers and
 * shard channel -> subscribers, plus message delivery and keyspace notifications
 * (notify.c). Channels are not keys: an entry exists only while someone is subscribed.
 *
 * A message is encoded once per publish and copied into each subscriber's reply buffer
 * (the RESP2 `*` header byte patched to the RESP3 push type `>` for RESP3 clients), then
 * the subscriber is flushed with the rest of the batch. Messages for the client whose
 * command is running are held aside and inserted before that command's reply when it ends
 * (where Redis 7.0 writes them for simple commands), so a push never lands inside a reply.
 */
import { ReplyWriter } from '../protocol/writer.js';
import { globMatch } from '../util/glob.js';
import { CLIENT_CLOSE_ASAP, CLIENT_PUBSUB, clientResetHooks, type Client } from './client.js';
import { NOTIFY_KEYEVENT, NOTIFY_KEYSPACE } from './notify.js';
import type { Server } from './server.js';

/** One client's subscriptions, in subscription order. */
export class ClientSubscriptions {
  readonly channels = new Set<string>();
  readonly patterns = new Set<string>();
  readonly shardChannels = new Set<string>();
}

const GT = 0x3e;

/**
 * One published message as handed to a transport that encodes messages itself (the
 * gateway's SSE and WebSocket sessions, src/gateway/fanout.ts): one object per publish (and
 * per matching pattern), shared by all its subscribers, so the transport encodes it once.
 */
export class PublishedMessage {
  /** The transport's per-message state (its encodings); the registry never reads it. */
  tag: unknown = undefined;
  constructor(
    readonly kind: 'message' | 'pmessage' | 'smessage',
    readonly pattern: string | null,
    readonly channel: string,
    readonly message: string,
  ) {}
}

/**
 * A transport's group of channel subscribers (the gateway's fan-out, src/gateway/fanout.ts):
 * publish() hands it each message once for all its members of the channel, instead of once
 * per member. Members stay in `channels` for every count, listing and unsubscription.
 */
export interface PubsubGroup {
  join(c: Client, channel: string): void;
  leave(c: Client, channel: string): void;
  /** The message, for every member subscribed to its channel. */
  take(m: PublishedMessage): void;
  /**
   * Member c has output queued (or is running a command): it gets m (and every later one
   * until that output is written) the RESP way, after that output; the group skips it.
   */
  divert(c: Client, m: PublishedMessage): void;
}

/** A channel with group members: the group, its members and the other subscribers. */
interface GroupedChannel {
  readonly group: PubsubGroup;
  readonly members: Set<Client>;
  readonly plain: Set<Client>;
}

export class PubSub {
  readonly channels = new Map<string, Set<Client>>();
  readonly patterns = new Map<string, Set<Client>>();
  readonly shardChannels = new Map<string, Set<Client>>();
  /** Scratch writer where each message frame is encoded once (RESP2 framing, see encode). */
  private readonly frame = new ReplyWriter();
  private frameView: Buffer = Buffer.alloc(0);
  private frameViewOf: Buffer | null = null;
  private headKind: PublishedMessage['kind'] | '' = '';
  private headPattern: string | null = null;
  private headChannel = '';
  private headLen = 0;
  /** Pushes for the client running a command, inserted before its reply afterwards. */
  private held = new ReplyWriter();
  /** An empty writer for saveHeld (reused: busy scripts call it every few ms). */
  private spareHeld: ReplyWriter | null = null;
  /**
   * The message being delivered, built on the first transport subscriber that takes it (from
   * the frame's header fields and the message text, which delivery passes along: storing
   * fresh strings in this long-lived object on every publish costs a write barrier each).
   */
  private msg: PublishedMessage | null = null;
  /** The last channel published to and its subscribers (pipelines repeat the channel). */
  private lastChannel = '';
  private lastClients: Set<Client> | undefined = undefined;
  /** Channels some of whose subscribers belong to a PubsubGroup (never shard channels). */
  private readonly grouped = new Map<string, GroupedChannel>();

  constructor(private readonly server: Server) {}

  // ---- Subscriptions ----------------------------------------------------------------------
  private subsOf(c: Client): ClientSubscriptions {
    let s = c.pubsubState;
    if (s === null) {
      s = new ClientSubscriptions();
      c.pubsubState = s;
    }
    return s;
  }

  /** pubsubSubscribeChannel: true when c was not subscribed yet. */
  subscribeChannel(c: Client, channel: string, shard: boolean): boolean {
    const s = this.subsOf(c);
    const mine = shard ? s.shardChannels : s.channels;
    if (mine.has(channel)) return false;
    mine.add(channel);
    const table = shard ? this.shardChannels : this.channels;
    let clients = table.get(channel);
    if (clients === undefined) {
      clients = new Set();
      table.set(channel, clients);
    }
    clients.add(c);
    if (!shard) this.groupSubscribe(c, channel, clients);
    if (shard) c.shardSubscriptions++;
    else c.subscriptions++;
    return true;
  }

  /** pubsubUnsubscribeChannel: true when c was subscribed. */
  unsubscribeChannel(c: Client, channel: string, shard: boolean): boolean {
    const s = c.pubsubState;
    if (s === null) return false;
    const mine = shard ? s.shardChannels : s.channels;
    if (!mine.delete(channel)) return false;
    const table = shard ? this.shardChannels : this.channels;
    const clients = table.get(channel);
    if (clients !== undefined) {
      clients.delete(c);
      if (clients.size === 0) {
        table.delete(channel);
        if (clients === this.lastClients) this.lastClients = undefined;
      }
    }
    if (!shard && this.grouped.size !== 0) this.groupUnsubscribe(c, channel);
    if (shard) c.shardSubscriptions--;
    else c.subscriptions--;
    return true;
  }

  private groupSubscribe(c: Client, channel: string, clients: Set<Client>): void {
    const g = c.transport?.pubsubGroup;
    let e = this.grouped.get(channel);
    if (g !== undefined && (e === undefined || e.group === g)) {
      if (e === undefined) {
        const plain = new Set(clients);
        plain.delete(c);
        e = { group: g, members: new Set(), plain };
        this.grouped.set(channel, e);
      }
      e.members.add(c);
      g.join(c, channel);
    } else if (e !== undefined) e.plain.add(c);
  }

  private groupUnsubscribe(c: Client, channel: string): void {
    const e = this.grouped.get(channel);
    if (e === undefined) return;
    if (e.members.delete(c)) {
      e.group.leave(c, channel);
      if (e.members.size === 0) this.grouped.delete(channel);
    } else e.plain.delete(c);
  }

  subscribePattern(c: Client, pattern: string): boolean {
    const s = this.subsOf(c);
    if (s.patterns.has(pattern)) return false;
    s.patterns.add(pattern);
    let clients = this.patterns.get(pattern);
    if (clients === undefined) {
      clients = new Set();
      this.patterns.set(pattern, clients);
    }
    clients.add(c);
    c.patterns++;
    return true;
  }

  unsubscribePattern(c: Client, pattern: string): boolean {
    const s = c.pubsubState;
    if (s === null || !s.patterns.delete(pattern)) return false;
    const clients = this.patterns.get(pattern);
    if (clients !== undefined) {
      clients.delete(c);
      if (clients.size === 0) this.patterns.delete(pattern);
    }
    c.patterns--;
    return true;
  }

  /** Drops every subscription of c silently (RESET, connection close). */
  unsubscribeAll(c: Client): void {
    const s = c.pubsubState;
    if (s === null) return;
    for (const ch of [...s.channels]) this.unsubscribeChannel(c, ch, false);
    for (const ch of [...s.shardChannels]) this.unsubscribeChannel(c, ch, true);
    for (const p of [...s.patterns]) this.unsubscribePattern(c, p);
    c.pubsubState = null;
    c.flags &= ~CLIENT_PUBSUB;
  }

  /** Channels + patterns (the count SUBSCRIBE / PSUBSCRIBE replies show). */
  static subscriptionCount(c: Client): number {
    return c.subscriptions + c.patterns;
  }

  // ---- Publishing -------------------------------------------------------------------------
  /**
   * pubsubPublishMessage: delivers to the channel's subscribers (in subscription order),
   * then, for a non-shard channel, to the subscribers of every matching pattern (in the
   * order the patterns were first subscribed). Returns the number of receivers.
   */
  publish(channel: string, message: string, shard: boolean): number {
    let receivers = 0;
    let clients: Set<Client> | undefined;
    if (shard) clients = this.shardChannels.get(channel);
    else if (channel === this.lastChannel && this.lastClients !== undefined) clients = this.lastClients;
    else {
      clients = this.channels.get(channel);
      if (clients !== undefined) {
        this.lastChannel = channel;
        this.lastClients = clients;
      }
    }
    if (clients !== undefined) {
      const frame = this.encode(shard ? 'smessage' : 'message', null, channel, message);
      this.msg = null;
      const e = shard || this.grouped.size === 0 ? undefined : this.grouped.get(channel);
      if (e === undefined)
        for (const c of clients) {
          this.deliver(c, frame, message);
          receivers++;
        }
      else receivers += this.deliverGrouped(e, frame, message);
    }
    if (shard || this.patterns.size === 0) return receivers;
    for (const [pattern, pclients] of this.patterns) {
      if (!globMatch(pattern, channel)) continue;
      const frame = this.encode('pmessage', pattern, channel, message);
      this.msg = null;
      for (const c of pclients) {
        this.deliver(c, frame, message);
        receivers++;
      }
    }
    return receivers;
  }

  /**
   * Encodes a message frame (RESP2 framing) once for all its receivers and returns a view of
   * exactly its bytes, which TypedArray#set copies into each receiver's buffer (Buffer#copy
   * of a range makes a view per call, which costs several times the copy). The header before
   * the message's bulk is kept when the next publish goes to the same channel, and so is the
   * view when the frame's length is the same.
   */
  private encode(
    kind: PublishedMessage['kind'],
    pattern: string | null,
    channel: string,
    message: string,
  ): Buffer {
    const f = this.frame;
    if (kind === this.headKind && pattern === this.headPattern && channel === this.headChannel) {
      f.pos = this.headLen;
    } else {
      f.pos = 0;
      f.array(pattern === null ? 3 : 4);
      f.bulk(kind);
      if (pattern !== null) f.bulk(pattern);
      f.bulk(channel);
      this.headKind = kind;
      this.headPattern = pattern;
      this.headChannel = channel;
      this.headLen = f.pos;
    }
    f.bulk(message);
    let view = this.frameView;
    if (view.length !== f.pos || this.frameViewOf !== f.buf) {
      view = this.frameView = f.buf.subarray(0, f.pos);
      this.frameViewOf = f.buf;
    }
    return view;
  }

  /**
   * A channel message to a channel with group members: the plain subscribers one by one, the
   * group once; members with output queued (all are in clientsPendingWrite) or running a
   * command get it the RESP way, after that output. Returns the number of receivers.
   */
  private deliverGrouped(e: GroupedChannel, frame: Buffer, message: string): number {
    for (const c of e.plain) this.deliver(c, frame, message);
    const m = this.published(message);
    e.group.take(m);
    const ex = this.server.executingClient;
    if (ex !== null && e.members.has(ex)) this.divert(e, ex, m, frame);
    const pending = this.server.clientsPendingWrite;
    for (let i = 0; i < pending.length; i++) {
      const c = pending[i];
      if (c !== ex && c.out.pos !== 0 && e.members.has(c)) this.divert(e, c, m, frame);
    }
    return e.plain.size + e.members.size;
  }

  private divert(e: GroupedChannel, c: Client, m: PublishedMessage, frame: Buffer): void {
    if ((c.flags & CLIENT_CLOSE_ASAP) !== 0 || c.closed) return;
    e.group.divert(c, m);
    this.deliverResp(c, frame);
  }

  /** Appends one encoded push (RESP2 framing: `frame`, see encode) to c's output. */
  private deliver(c: Client, frame: Buffer, message: string): void {
    if ((c.flags & CLIENT_CLOSE_ASAP) !== 0 || c.closed) return;
    // A transport that encodes messages itself takes them directly, unless output is already
    // queued for the client (or it is running a command): then order requires the RESP path.
    const t = c.transport;
    if (t !== null && t.pubsubMessage !== undefined && c.out.pos === 0 && c !== this.server.executingClient) {
      t.pubsubMessage(this.published(message));
      return;
    }
    this.deliverResp(c, frame);
  }

  /** The message being delivered (the frame's header fields and the text) for transports. */
  private published(message: string): PublishedMessage {
    return (this.msg ??= new PublishedMessage(
      this.headKind as PublishedMessage['kind'],
      this.headPattern,
      this.headChannel,
      message,
    ));
  }

  private deliverResp(c: Client, frame: Buffer): void {
    const out = c === this.server.executingClient ? this.held : c.out;
    const start = out.pos;
    const len = frame.length;
    if (start + len > out.buf.length) out.ensure(len);
    out.buf.set(frame, start);
    out.pos = start + len;
    if (c.proto === 3) out.buf[start] = GT;
    if (out === c.out) {
      c.requestWrite();
      this.server.checkOutputBufferLimits(c);
    }
  }

  /**
   * Writes a push for c built by `write` (tracking invalidations, ...): into c's output, or
   * held aside when c is running a command.
   */
  pushTo(c: Client, write: (out: ReplyWriter) => void): void {
    if ((c.flags & CLIENT_CLOSE_ASAP) !== 0 || c.closed) return;
    if (c === this.server.executingClient) {
      this.held.proto = c.proto;
      write(this.held);
      return;
    }
    write(c.out);
    c.requestWrite();
    this.server.checkOutputBufferLimits(c);
  }

  /**
   * After c's command: inserts the pushes held for it at `mark`, the position where the
   * command's reply starts.
   */
  releaseHeld(c: Client, mark: number): void {
    const held = this.held;
    const n = held.pos;
    if (n === 0) return;
    held.pos = 0;
    if (c.closed) return;
    const out = c.out;
    if (mark > out.pos) mark = out.pos;
    out.ensure(n);
    out.buf.copy(out.buf, mark + n, mark, out.pos);
    held.buf.copy(out.buf, mark, 0, n);
    out.pos += n;
    c.requestWrite();
    this.server.checkOutputBufferLimits(c);
  }

  /**
   * Sets aside the pushes held for the running command's client while other clients'
   * commands run in the middle of it (a busy script's service, src/scripting/busy.ts);
   * returns them for restoreHeld.
   */
  saveHeld(): ReplyWriter {
    const saved = this.held;
    this.held = this.spareHeld ?? new ReplyWriter();
    this.spareHeld = null;
    return saved;
  }

  /** Puts back the pushes set aside by saveHeld. */
  restoreHeld(saved: ReplyWriter): void {
    // The nested commands released what was held for them after each one.
    this.held.pos = 0;
    this.spareHeld = this.held;
    this.held = saved;
  }

  /** notifyKeyspaceEvent's delivery part: `flags` already passed the class check. */
  notifyKeyspaceEvent(flags: number, event: string, key: string, dbid: number): void {
    if (this.channels.size === 0 && this.patterns.size === 0) return;
    if ((flags & NOTIFY_KEYSPACE) !== 0) this.publish(`__keyspace@${dbid}__:${key}`, event, false);
    if ((flags & NOTIFY_KEYEVENT) !== 0) this.publish(`__keyevent@${dbid}__:${event}`, key, false);
  }
}

// RESET drops every subscription silently (clearClientConnectionState).
clientResetHooks.push((c) => c.server.pubsub.unsubscribeAll(c));
