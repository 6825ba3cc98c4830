/**
 * Several connections to each of the oracle and Respite, driven in lockstep, for protocol
 * exchanges between clients (Pub/Sub, tracking): `m.same(1, 'PUBLISH', 'ch', 'x')` sends a
 * command on connection 1 of both servers and compares the replies byte for byte;
 * `m.next(0)` compares the next frame each connection 0 received (a message, a push).
 */
import assert from 'node:assert/strict';
import { fmt, type Cmd, type Pair } from './compat.js';
import { RawClient } from './raw-client.js';

/** HELLO's map with the connection id masked (the servers number connections differently). */
export function maskHelloId(reply: string): string {
  return reply.replace(/(\$2\r\nid\r\n):\d+\r\n/, '$1:<id>\r\n');
}

export class MultiPair {
  readonly o: RawClient[] = [];
  readonly r: RawClient[] = [];

  private constructor(readonly pair: Pair) {}

  static async open(pair: Pair, n: number): Promise<MultiPair> {
    const m = new MultiPair(pair);
    for (let i = 0; i < n; i++) {
      m.o.push(await RawClient.connect(pair.oracle.port));
      m.r.push(await RawClient.connect(pair.respite.port));
    }
    return m;
  }

  send(i: number, ...cmd: Cmd): void {
    this.o[i].send(...cmd);
    this.r[i].send(...cmd);
  }

  /** The next frame on connection i of both servers (asserted identical), returned. */
  async next(i: number, what = 'frame'): Promise<string> {
    const [a, b] = await Promise.all([this.o[i].read(), this.r[i].read()]);
    assert.equal(b, a, `${what} on connection ${i} differs`);
    return a;
  }

  /** Sends cmd on connection i and compares its reply (and `extra` frames after it). */
  async same(i: number, ...cmd: Cmd): Promise<string> {
    this.send(i, ...cmd);
    return this.next(i, `reply to ${fmt(cmd)}`);
  }

  /** Sends cmd and compares `frames` frames (a multi-channel SUBSCRIBE's confirmations, ...). */
  async sameFrames(i: number, frames: number, ...cmd: Cmd): Promise<string[]> {
    this.send(i, ...cmd);
    const out: string[] = [];
    for (let k = 0; k < frames; k++) out.push(await this.next(i, `frame ${k} after ${fmt(cmd)}`));
    return out;
  }

  /** HELLO on connection i, compared with the id masked. */
  async hello(i: number, proto: 2 | 3): Promise<void> {
    this.send(i, 'HELLO', String(proto));
    const [a, b] = await Promise.all([this.o[i].read(), this.r[i].read()]);
    assert.equal(maskHelloId(b), maskHelloId(a), `HELLO ${proto} differs`);
  }

  /** Asserts that nothing more arrived on connection i (after a round trip on it). */
  async nothingPending(i: number): Promise<void> {
    await this.same(i, 'ECHO', '__sync__');
    assert.equal(this.r[i].pending(), '');
    assert.equal(this.o[i].pending(), '');
  }

  /** Both servers' CLIENT ID of connection i. */
  async ids(i: number): Promise<[string, string]> {
    this.send(i, 'CLIENT', 'ID');
    const [a, b] = await Promise.all([this.o[i].read(), this.r[i].read()]);
    return [a.slice(1, -2), b.slice(1, -2)];
  }

  close(): void {
    for (const c of [...this.o, ...this.r]) c.close();
  }
}
