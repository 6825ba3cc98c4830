/**
 * A gateway session: a real Client (it counts in CLIENT LIST, INFO, maxclients, ACL and the
 * output buffer limits) whose transport decodes the RESP replies it is written instead of
 * sending them on a socket. Commands are fed as RESP through the server's normal input path,
 * so blocking, CLIENT PAUSE and MULTI behave exactly as on the RESP port.
 */
import type { Server } from '../server/server.js';
import type { Client, ClientTransport } from '../server/client.js';
import type { PublishedMessage } from '../server/pubsub.js';
import { Push, RespDecoder, RespError, encodeCommand, type RespValue } from './resp-decoder.js';
import type { ChannelLog, FanoutGroup, FanoutMember } from './fanout.js';

export class Session implements ClientTransport, FanoutMember {
  readonly c: Client;
  private readonly decoder = new RespDecoder();
  /** Replies awaited, oldest first (pushes never resolve them). */
  private readonly waiting: ((v: RespValue) => void)[] = [];
  /** Called with each push frame (RESP3 sessions). */
  onPush: ((p: Push) => void) | null = null;
  /** Called once when the server frees the client. */
  onEnd: (() => void) | null = null;
  /** Output the transport still queues (SSE response / WebSocket buffered amount). */
  pending: () => number = () => 0;
  ended = false;

  // ---- FanoutMember (fanout.ts): set once enableFanout() is called -----------------------
  fmt = 0;
  fromSeq = 0;
  divertSeq = Infinity;
  readonly logs: ChannelLog[] = [];
  own: PublishedMessage[] = [];
  flushEpoch = 0;
  private group: FanoutGroup | null = null;
  private directWrite: ((b: Buffer) => void) | null = null;

  private constructor(
    readonly server: Server,
    c: Client,
    private readonly proxy: ClientTransport,
  ) {
    this.c = c;
  }

  /** Null when maxclients is reached or the server is closing. */
  static open(server: Server, libName: string, addr: string, laddr: string, resp3: boolean): Session | null {
    let session: Session | null = null;
    const proxy: ClientTransport & { readonly session: Session | null } = {
      get session() {
        return session;
      },
      write: (b) => session?.write(b),
      end: () => session?.end(),
      get writableLength() {
        return session?.writableLength ?? 0;
      },
    };
    const c = server.attachClient(proxy, addr, laddr, libName);
    if (c === null) return null;
    if (resp3) c.out.proto = 3;
    session = new Session(server, c, proxy);
    return session;
  }

  /**
   * From now on (call it before subscribing) published messages bypass the RESP encoding:
   * the session's channels join the gateway's fan-out group, its pattern messages are taken
   * one by one, all encoded once per format for every subscriber (fanout.ts) and handed to
   * `write` in one buffer per flush.
   */
  enableFanout(group: FanoutGroup, fmt: number, write: (b: Buffer) => void): void {
    this.group = group;
    this.fmt = fmt;
    this.directWrite = write;
    this.proxy.pubsubGroup = group;
    this.proxy.pubsubMessage = (m: PublishedMessage) => group.own(this, m);
  }

  /** The session whose client is c, when its messages go through the fan-out. */
  static ofClient(c: Client): Session | null {
    const t = c.transport as { session?: Session } | null;
    const s = t?.session;
    return s !== undefined && s.group !== null ? s : null;
  }

  writeMessages(b: Buffer): void {
    if (this.ended || this.directWrite === null) return;
    this.c.netOutput += b.length;
    this.server.stats.netOutputBytes += b.length;
    this.server.stats.writesProcessed++;
    this.directWrite(b);
    if (this.writableLength !== 0) this.server.checkOutputBufferLimits(this.c);
  }

  get writableLength(): number {
    return this.pending();
  }

  /** While set, every frame goes here instead (see capture()). */
  private captured: RespValue[] | null = null;

  write(buf: Buffer): void {
    // Messages taken earlier go first.
    if (this.group !== null) this.group.beforeOutput(this);
    for (const v of this.decoder.feed(buf)) {
      if (this.captured !== null) this.captured.push(v);
      else if (v instanceof Push) this.onPush?.(v);
      else {
        const w = this.waiting.shift();
        if (w) w(v);
      }
    }
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.own = [];
    const err = new RespError('ERR connection closed');
    for (const w of this.waiting.splice(0)) w(err);
    this.onEnd?.();
  }

  /** Runs the commands (as one pipelined batch) and resolves with their replies in order. */
  run(cmds: string[][]): Promise<RespValue[]> {
    if (this.ended) return Promise.resolve(cmds.map(() => new RespError('ERR connection closed')));
    const replies = cmds.map(
      () =>
        new Promise<RespValue>((resolve) => {
          this.waiting.push(resolve);
        }),
    );
    const all = Promise.all(replies);
    this.server.feedClient(this.c, Buffer.concat(cmds.map(encodeCommand)));
    return all;
  }

  /** Runs one command; `done` gets its reply as soon as it is written (synchronously). */
  call(argv: string[], done: (v: RespValue) => void): void {
    if (this.ended) {
      done(new RespError('ERR connection closed'));
      return;
    }
    this.waiting.push(done);
    this.server.feedClient(this.c, encodeCommand(argv));
  }

  /**
   * Runs one command whose replies are pushes (SUBSCRIBE & co.) and returns every frame it
   * wrote: the server handles it synchronously, so they are all there when feeding returns.
   */
  capture(argv: string[]): RespValue[] {
    const got: RespValue[] = [];
    this.captured = got;
    try {
      this.server.feedClient(this.c, encodeCommand(argv));
    } finally {
      this.captured = null;
    }
    return got;
  }

  /** Frees the client (idempotent). */
  close(): void {
    if (!this.c.closed) this.server.freeClient(this.c);
    this.end();
  }
}
