/**
 * Pub/Sub fan-out to the gateway's SSE and WebSocket subscribers.
 *
 * - Each published message is encoded once per transport format (an SSE event, a WebSocket
 *   text frame carrying the JSON push), never per subscriber.
 * - Channel subscriptions of the sessions form a PubsubGroup (src/server/pubsub.ts): PUBLISH
 *   appends the message once to the channel's log instead of handing it to each subscriber.
 * - Deliveries are coalesced: the logs are flushed right after the publishing batch, but at
 *   most once every `http-flush-interval` ms, and each session gets one write per flush. Sessions that
 *   follow one channel (the common case) all get the same Buffer: the channel's messages
 *   since the last flush, concatenated once per format.
 * - Order per session is the publish order: every message has a sequence number; a session
 *   with several sources (channels, pattern messages taken one by one) gets them merged by
 *   it, and its pending messages are written before any reply or push of its RESP output
 *   (Session.write), or diverted to that output when it was queued first (PubsubGroup.divert).
 */
import { CLIENT_CLOSE_ASAP, type Client } from '../server/client.js';
import type { PublishedMessage, PubsubGroup } from '../server/pubsub.js';

/** `data: {"channel": ..., "message": ...}\n\n` (plus "pattern"). */
export const FMT_SSE = 0;
/** A WebSocket text frame (unmasked, server to client) of `{"push": ["message", ...]}`. */
export const FMT_WS = 1;

function text(s: string): string {
  return Buffer.from(s, 'latin1').toString('utf8');
}

function encodeSse(m: PublishedMessage): Buffer {
  const ev =
    m.pattern === null
      ? { channel: text(m.channel), message: text(m.message) }
      : { pattern: text(m.pattern), channel: text(m.channel), message: text(m.message) };
  return Buffer.from(`data: ${JSON.stringify(ev)}\n\n`, 'utf8');
}

/** The JSON push the WebSocket protocol sends, as one complete text frame. */
export function wsTextFrame(json: string): Buffer {
  const n = Buffer.byteLength(json, 'utf8');
  const hlen = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const b = Buffer.allocUnsafe(hlen + n);
  b[0] = 0x81; // FIN + text
  if (n < 126) b[1] = n;
  else if (n < 65536) {
    b[1] = 126;
    b.writeUInt16BE(n, 2);
  } else {
    b[1] = 127;
    b.writeBigUInt64BE(BigInt(n), 2);
  }
  b.write(json, hlen, 'utf8');
  return b;
}

function encodeWs(m: PublishedMessage): Buffer {
  const items =
    m.pattern === null
      ? [m.kind, text(m.channel), text(m.message)]
      : [m.kind, text(m.pattern), text(m.channel), text(m.message)];
  return wsTextFrame(JSON.stringify({ push: items }));
}

/** Sequence numbers of messages, in the order they were published (per process). */
let nextSeq = 1;

/** What the fan-out keeps on a message (PublishedMessage.tag). */
class MessageState {
  readonly enc: (Buffer | undefined)[] = [undefined, undefined];
  readonly seq = nextSeq++;
}

function stateOf(m: PublishedMessage): MessageState {
  let st = m.tag as MessageState | undefined;
  if (st === undefined) {
    st = new MessageState();
    m.tag = st;
  }
  return st;
}

function encoded(m: PublishedMessage, fmt: number): Buffer {
  const st = stateOf(m);
  let b = st.enc[fmt];
  if (b === undefined) {
    b = fmt === FMT_SSE ? encodeSse(m) : encodeWs(m);
    st.enc[fmt] = b;
  }
  return b;
}

function seqOf(m: PublishedMessage): number {
  return stateOf(m).seq;
}

/** A session as the fan-out sees it (session.ts). */
export interface FanoutMember {
  readonly c: Client;
  readonly fmt: number;
  /** Messages with a lower sequence number were written (or are not for this session). */
  fromSeq: number;
  /** The first message diverted to its RESP output (Infinity: none). */
  divertSeq: number;
  /** Its grouped channels. */
  readonly logs: ChannelLog[];
  /** Messages taken one by one (pattern messages), in order. */
  own: PublishedMessage[];
  /** The flush that last wrote it. */
  flushEpoch: number;
  /** Writes a batch of messages (bytes of format `fmt`). */
  writeMessages(b: Buffer): void;
}

/** One channel's messages since the last flush, and the sessions that follow it. */
export class ChannelLog {
  readonly msgs: PublishedMessage[] = [];
  readonly members = new Set<FanoutMember>();
  private readonly all: (Buffer | undefined)[] = [undefined, undefined];
  constructor(readonly channel: string) {}

  /** Every message of the log in `fmt`, concatenated once per flush. */
  bytes(fmt: number): Buffer {
    let b = this.all[fmt];
    if (b === undefined) {
      b =
        this.msgs.length === 1
          ? encoded(this.msgs[0], fmt)
          : Buffer.concat(this.msgs.map((m) => encoded(m, fmt)));
      this.all[fmt] = b;
    }
    return b;
  }

  clear(): void {
    this.msgs.length = 0;
    this.all[0] = this.all[1] = undefined;
  }
}

/** The gateway's group (one per server): channel logs, scheduling and flushes. */
export class FanoutGroup implements PubsubGroup {
  private readonly logs = new Map<string, ChannelLog>();
  /** Logs with messages since the last flush. */
  private dirtyLogs: ChannelLog[] = [];
  /** Sessions with messages of their own since the last flush. */
  private dirtyMembers: FanoutMember[] = [];
  private scheduled = false;
  private timer: NodeJS.Timeout | null = null;
  private epoch = 0;
  /** When the last flush started (performance.now()). */
  private lastFlush = -Infinity;
  /** The highest sequence number taken by any log. */
  private lastTaken = 0;
  private readonly flushBound = (): void => this.flush();

  constructor(
    /** Of the member Client's transport (Session.ofClient). */
    private readonly memberOf: (c: Client) => FanoutMember | null,
    /** `http-flush-interval` in ms, read at each scheduling (0: after every publishing batch). */
    private readonly intervalMs: () => number,
  ) {}

  join(c: Client, channel: string): void {
    const s = this.memberOf(c);
    if (s === null) return;
    // What it has pending goes out first (before the SUBSCRIBE reply); messages published
    // before the subscription are not for it (those from divertSeq on are in its output).
    this.settle(s, s.divertSeq);
    s.fromSeq = nextSeq;
    let log = this.logs.get(channel);
    if (log === undefined) {
      log = new ChannelLog(channel);
      this.logs.set(channel, log);
    }
    log.members.add(s);
    s.logs.push(log);
  }

  leave(c: Client, channel: string): void {
    const s = this.memberOf(c);
    if (s === null) return;
    // Messages taken before the unsubscription are still delivered (before its reply).
    this.settle(s, s.divertSeq);
    const log = this.logs.get(channel);
    if (log === undefined) return;
    log.members.delete(s);
    const i = s.logs.indexOf(log);
    if (i >= 0) s.logs.splice(i, 1);
    if (log.members.size === 0 && log.msgs.length === 0) this.logs.delete(channel);
  }

  take(m: PublishedMessage): void {
    const log = this.logs.get(m.channel);
    if (log === undefined) return;
    if (log.msgs.length === 0) this.dirtyLogs.push(log);
    log.msgs.push(m);
    this.lastTaken = seqOf(m);
    this.schedule();
  }

  divert(c: Client, m: PublishedMessage): void {
    const s = this.memberOf(c);
    if (s !== null && s.divertSeq === Infinity) s.divertSeq = seqOf(m);
  }

  /** A message for s alone (a pattern message). */
  own(s: FanoutMember, m: PublishedMessage): void {
    seqOf(m);
    if (s.own.length === 0) this.dirtyMembers.push(s);
    s.own.push(m);
    this.schedule();
  }

  /**
   * Before s's RESP output (a reply or push) is written: its messages taken before that
   * output go first; those diverted into it are skipped from then on.
   */
  beforeOutput(s: FanoutMember): void {
    if (s.own.length !== 0 || (s.logs.length !== 0 && this.lastTaken >= s.fromSeq))
      this.settle(s, s.divertSeq);
    s.fromSeq = nextSeq;
    s.divertSeq = Infinity;
  }

  /**
   * The first message after a quiet period is flushed right after the publishing batch; then
   * flushes are at least `http-flush-interval` ms apart, so under load each session gets at
   * most 1000/interval writes per second, however many batches publish.
   */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const wait = this.lastFlush + this.intervalMs() - performance.now();
    if (wait <= 0) queueMicrotask(this.flushBound);
    else this.timer = setTimeout(this.flushBound, Math.ceil(wait));
  }

  /** Writes what s has pending below sequence number `limit`. */
  private settle(s: FanoutMember, limit: number): void {
    const lim = Math.min(limit, nextSeq);
    const parts: PublishedMessage[] = [];
    for (const log of s.logs)
      for (const m of log.msgs) {
        const q = seqOf(m);
        if (q >= s.fromSeq && q < lim) parts.push(m);
      }
    const merge = s.logs.length > 1 || (s.own.length !== 0 && parts.length !== 0);
    for (const m of s.own) parts.push(m);
    s.own = [];
    s.fromSeq = lim;
    if (parts.length === 0) return;
    if (merge) parts.sort((a, b) => seqOf(a) - seqOf(b));
    this.write(
      s,
      parts.length === 1 ? encoded(parts[0], s.fmt) : Buffer.concat(parts.map((m) => encoded(m, s.fmt))),
    );
  }

  private write(s: FanoutMember, b: Buffer): void {
    const c = s.c;
    if (c.closed || (c.flags & CLIENT_CLOSE_ASAP) !== 0) return;
    s.writeMessages(b);
  }

  /** Writes every session's messages since the last flush. */
  flush(): void {
    this.scheduled = false;
    this.timer = null;
    this.lastFlush = performance.now();
    const epoch = ++this.epoch;
    const logs = this.dirtyLogs;
    const members = this.dirtyMembers;
    this.dirtyLogs = [];
    this.dirtyMembers = [];
    for (const log of logs) {
      if (log.msgs.length === 0) continue;
      const first = seqOf(log.msgs[0]);
      const last = seqOf(log.msgs[log.msgs.length - 1]);
      for (const s of log.members) {
        if (s.flushEpoch === epoch) continue;
        s.flushEpoch = epoch;
        // The common case: one channel, nothing else, every message of the log is for it.
        if (s.logs.length === 1 && s.own.length === 0 && s.fromSeq <= first && s.divertSeq > last) {
          s.fromSeq = last + 1;
          this.write(s, log.bytes(s.fmt));
        } else this.settle(s, s.divertSeq);
      }
    }
    for (const s of members)
      if (s.flushEpoch !== epoch && s.own.length !== 0) {
        s.flushEpoch = epoch;
        this.settle(s, s.divertSeq);
      }
    for (const log of logs) {
      log.clear();
      if (log.members.size === 0) this.logs.delete(log.channel);
    }
  }

  close(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
