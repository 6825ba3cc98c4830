/**
 * Pub/Sub fan-out to the gateway's SSE and WebSocket subscribers.
 *
 * - Each published message is encoded once per transport format (an SSE event, a WebSocket
 *   text frame carrying the JSON push), never per subscriber.
 * - Channel subscriptions of the sessions form a PubsubGroup (src/server/pubsub.ts): PUBLISH
 *   appends the message once to the channel's log instead of handing it to each subscriber.
 * - Deliveries are coalesced in rounds: a round starts right after the publishing batch, but
 *   at most once every `http-flush-interval` ms, and gives each session with new messages one
 *   write. A round writes its sessions SLICE at a time and lets the event loop run between
 *   slices: other clients are served meanwhile, and messages published during a round reach
 *   the sessions it has not visited yet, so under load a message waits for its session's next
 *   turn rather than for the next round. Sessions that follow one channel (the common case)
 *   and were last written at the same moment get the same Buffer: the channel's messages
 *   since then, concatenated once per format (ChannelLog.bytesFrom).
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
  /** The round that last visited it. */
  flushEpoch: number;
  /** Writes a batch of messages (bytes of format `fmt`). */
  writeMessages(b: Buffer): void;
}

/**
 * One channel's recent messages (those some member has not been written yet), and the
 * sessions that follow it.
 */
export class ChannelLog {
  /** Ascending sequence numbers. */
  readonly msgs: PublishedMessage[] = [];
  readonly members = new Set<FanoutMember>();
  /** In the group's dirtyLogs (it has messages for the next round). */
  dirty = false;
  /** The last bytes built per format: the messages from `cacheFrom[fmt]` to `cacheTo[fmt]`. */
  private readonly cache: (Buffer | undefined)[] = [undefined, undefined];
  private readonly cacheFrom = [0, 0];
  private readonly cacheTo = [0, 0];
  constructor(readonly channel: string) {}

  lastSeq(): number {
    return this.msgs.length === 0 ? 0 : seqOf(this.msgs[this.msgs.length - 1]);
  }

  /**
   * The messages from sequence number `from` to the last one in format `fmt`, concatenated:
   * built once for every member written since the same message (all those of a round's slice,
   * most of the time).
   */
  bytesFrom(fmt: number, from: number): Buffer {
    const to = this.lastSeq();
    const hit = this.cache[fmt];
    if (hit !== undefined && this.cacheFrom[fmt] === from && this.cacheTo[fmt] === to) return hit;
    let i = this.msgs.length - 1;
    while (i > 0 && seqOf(this.msgs[i - 1]) >= from) i--;
    const b =
      i === this.msgs.length - 1
        ? encoded(this.msgs[i], fmt)
        : Buffer.concat(this.msgs.slice(i).map((m) => encoded(m, fmt)));
    this.cache[fmt] = b;
    this.cacheFrom[fmt] = from;
    this.cacheTo[fmt] = to;
    return b;
  }

  /** Drops the messages below sequence number `from` (every member has them). */
  trim(from: number): void {
    let n = 0;
    while (n < this.msgs.length && seqOf(this.msgs[n]) < from) n++;
    if (n === 0) return;
    this.msgs.splice(0, n);
    this.cache[0] = this.cache[1] = undefined;
  }
}

/** Members written per slice of a round; the event loop runs between slices. */
const SLICE = 128;

/** The gateway's group (one per server): channel logs, scheduling and rounds of writes. */
export class FanoutGroup implements PubsubGroup {
  private readonly logs = new Map<string, ChannelLog>();
  /** Logs with messages for the next round. */
  private dirtyLogs: ChannelLog[] = [];
  /** Sessions with messages of their own for the next round. */
  private dirtyMembers: FanoutMember[] = [];
  private scheduled = false;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private epoch = 0;
  /** When the last round started (performance.now()). */
  private lastRound = -Infinity;
  /** The current round: its logs, the members it visits, and the next one to visit. */
  private roundLogs: ChannelLog[] = [];
  private roundMembers: FanoutMember[] = [];
  private roundPos = 0;
  private inRound = false;
  /** The highest sequence number taken by any log. */
  private lastTaken = 0;
  private readonly flushBound = (): void => this.flush();
  private readonly stepBound = (): void => this.step();

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
    if (log.members.size === 0) {
      // Nobody needs its messages; a dirty log goes when its round finds it empty.
      log.trim(Infinity);
      if (!log.dirty) this.logs.delete(channel);
    }
  }

  take(m: PublishedMessage): void {
    const log = this.logs.get(m.channel);
    if (log === undefined) return;
    if (!log.dirty) {
      log.dirty = true;
      this.dirtyLogs.push(log);
    }
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
   * The first message after a quiet period is written right after the publishing batch; then
   * rounds start at least `http-flush-interval` ms apart, so under load each session gets at
   * most 1000/interval writes per second, however many batches publish.
   */
  private schedule(): void {
    if (this.scheduled || this.inRound) return;
    this.scheduled = true;
    const wait = this.lastRound + this.intervalMs() - performance.now();
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

  /**
   * Starts a round: every member of the logs and sessions with new messages is written
   * everything it has pending, SLICE members at a time with the event loop running in
   * between, so messages published meanwhile reach the members not visited yet in this round
   * (and the rest in the next one), and other clients are served during a large round.
   */
  private flush(): void {
    this.scheduled = false;
    this.timer = null;
    this.lastRound = performance.now();
    const epoch = ++this.epoch;
    const logs = this.dirtyLogs;
    const members: FanoutMember[] = [];
    this.dirtyLogs = [];
    for (const log of logs) {
      log.dirty = false;
      for (const s of log.members)
        if (s.flushEpoch !== epoch) {
          s.flushEpoch = epoch;
          members.push(s);
        }
    }
    for (const s of this.dirtyMembers)
      if (s.flushEpoch !== epoch) {
        s.flushEpoch = epoch;
        members.push(s);
      }
    this.dirtyMembers = [];
    this.roundLogs = logs;
    this.roundMembers = members;
    this.roundPos = 0;
    this.inRound = true;
    this.step();
  }

  /** Writes the round's next slice of members; ends the round after the last one. */
  private step(): void {
    this.immediate = null;
    const members = this.roundMembers;
    const end = Math.min(members.length, this.roundPos + SLICE);
    for (let i = this.roundPos; i < end; i++) {
      const s = members[i];
      if (s.logs.length === 1 && s.own.length === 0) {
        // The common case: one channel, nothing else.
        const log = s.logs[0];
        const last = log.lastSeq();
        if (s.fromSeq > last) continue;
        if (s.divertSeq > last) {
          const b = log.bytesFrom(s.fmt, s.fromSeq);
          s.fromSeq = last + 1;
          this.write(s, b);
          continue;
        }
      }
      this.settle(s, s.divertSeq);
    }
    this.roundPos = end;
    if (end < members.length) {
      this.immediate = setImmediate(this.stepBound);
      return;
    }
    this.inRound = false;
    this.roundMembers = [];
    // What every member has now leaves the logs. Messages published during the round made
    // their log dirty again: the members visited before them get them in the next round.
    for (const log of this.roundLogs) {
      let from = Infinity;
      for (const s of log.members) if (s.fromSeq < from) from = s.fromSeq;
      log.trim(from);
      if (log.members.size === 0 && log.msgs.length === 0 && !log.dirty && this.logs.get(log.channel) === log)
        this.logs.delete(log.channel);
    }
    this.roundLogs = [];
    if (this.dirtyLogs.length !== 0 || this.dirtyMembers.length !== 0) this.schedule();
  }

  close(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.immediate !== null) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
  }
}
