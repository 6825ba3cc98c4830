/**
 * Pub/Sub fan-out to the gateway's SSE and WebSocket subscribers: each published message is
 * encoded once per transport format (an SSE event, a WebSocket text frame carrying the JSON
 * push), never per subscriber, and each subscriber gets one write per batch.
 *
 * Messages delivered to a session between two flushes form a sequence; sessions that
 * received the same sequence (the common case: same subscriptions) share one node of a
 * small trie built on the fly, so the bytes of the whole batch are concatenated once and
 * the same Buffer is written to each of them. Flushes happen in a microtask after the
 * publishing batch, and before any reply the session writes (so order is kept).
 */
import type { PublishedMessage } from '../server/pubsub.js';

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

/** What the fan-out keeps on a message (PublishedMessage.tag). */
class MessageState {
  readonly enc: (Buffer | undefined)[] = [undefined, undefined];
  readonly root: Run;
  constructor(m: PublishedMessage) {
    this.root = new Run(null, m);
  }
}

function stateOf(m: PublishedMessage): MessageState {
  let st = m.tag as MessageState | undefined;
  if (st === undefined) {
    st = new MessageState(m);
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

/** A sequence of messages (this one after its parent's), shared by the sessions that got it. */
export class Run {
  private nextMsg: PublishedMessage | null = null;
  private next: Run | null = null;
  private more: Map<PublishedMessage, Run> | null = null;
  private readonly bytes: (Buffer | undefined)[] = [undefined, undefined];

  constructor(
    readonly parent: Run | null,
    readonly msg: PublishedMessage,
  ) {}

  static start(m: PublishedMessage): Run {
    return stateOf(m).root;
  }

  /** This sequence followed by m. */
  append(m: PublishedMessage): Run {
    if (this.nextMsg === m) return this.next!;
    if (this.nextMsg === null) {
      this.nextMsg = m;
      this.next = new Run(this, m);
      return this.next;
    }
    this.more ??= new Map();
    let r = this.more.get(m);
    if (r === undefined) {
      r = new Run(this, m);
      this.more.set(m, r);
    }
    return r;
  }

  /** The whole sequence encoded in `fmt`, built once and shared. */
  encode(fmt: number): Buffer {
    let b = this.bytes[fmt];
    if (b === undefined) {
      if (this.parent === null) b = encoded(this.msg, fmt);
      else {
        const parts: Buffer[] = [encoded(this.msg, fmt)];
        for (let r: Run | null = this.parent; r !== null; r = r.parent) parts.push(encoded(r.msg, fmt));
        parts.reverse();
        b = Buffer.concat(parts);
      }
      this.bytes[fmt] = b;
    }
    return b;
  }
}

/** A session that takes messages through the fan-out. */
export interface FanoutSink {
  flushMessages(): void;
}

let dirty: FanoutSink[] = [];
let scheduled = false;

function flushAll(): void {
  scheduled = false;
  const list = dirty;
  dirty = [];
  for (let i = 0; i < list.length; i++) list[i].flushMessages();
}

/** Schedules s's flush after the current batch (called on its first message of a batch). */
export function markDirty(s: FanoutSink): void {
  dirty.push(s);
  if (!scheduled) {
    scheduled = true;
    queueMicrotask(flushAll);
  }
}
