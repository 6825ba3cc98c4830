/**
 * Pub/Sub under load, against a Respite server process: the fan-out scenario (1 publisher,
 * 200 subscribers on 50 channels and 10 patterns, 100,000 messages; every subscriber gets
 * exactly its messages, in publish order; RESPITE_FANOUT_MESSAGES scales the count) and the
 * slow-subscriber scenario (a subscriber that stops reading is disconnected at the
 * client-output-buffer-limit with Redis's log line, while 50 others receive everything and
 * the server's RSS stays bounded).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { startRespiteProcess } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw-client.js';

/**
 * A subscriber that parses message / pmessage frames incrementally and checks each payload
 * (a sequence number) against `wanted`: strictly increasing and wanted, so with the right
 * count it received exactly the wanted sequence in order.
 */
class Subscriber {
  received = 0;
  last = -1;
  error: string | null = null;
  private buf: Buffer = Buffer.alloc(0);
  readonly socket: net.Socket;
  private confirmations = 0;

  constructor(
    port: number,
    readonly wanted: (seq: number) => boolean,
  ) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.on('data', (d: Buffer) => this.onData(d));
    this.socket.on('error', () => {});
  }

  async subscribe(cmd: string, name: string): Promise<void> {
    this.socket.write(`*2\r\n$${cmd.length}\r\n${cmd}\r\n$${name.length}\r\n${name}\r\n`);
    const want = this.confirmations + 1;
    while (this.confirmations < want) await new Promise((r) => setTimeout(r, 5));
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    let p = 0;
    const b = this.buf;
    for (;;) {
      // *N\r\n then N bulk strings; the last one is the payload (or :count for confirmations).
      if (p + 4 > b.length) break;
      const n = b[p + 1] - 48;
      let q = p + 4;
      let last = '';
      let complete = true;
      for (let i = 0; i < n; i++) {
        const e = b.indexOf(13, q);
        if (e === -1) {
          complete = false;
          break;
        }
        if (b[q] === 0x3a) {
          last = ':';
          q = e + 2;
          continue;
        }
        const len = Number(b.latin1Slice(q + 1, e));
        if (e + 2 + len + 2 > b.length) {
          complete = false;
          break;
        }
        last = b.latin1Slice(e + 2, e + 2 + len);
        q = e + 2 + len + 2;
      }
      if (!complete) break;
      p = q;
      if (last === ':') {
        this.confirmations++;
        continue;
      }
      const seq = parseInt(last, 10);
      if (this.error === null && (!(seq > this.last) || !this.wanted(seq)))
        this.error = `got ${seq} after ${this.last}`;
      this.last = seq;
      this.received++;
    }
    this.buf = p === b.length ? Buffer.alloc(0) : b.subarray(p);
  }
}

async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timeout waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Publishes count messages through a pipeline of `window` commands; returns the receivers total. */
async function publishAll(
  pub: RawClient,
  count: number,
  channelOf: (seq: number) => string,
  payload: (seq: number) => string,
): Promise<number> {
  let receivers = 0;
  const window = 500;
  for (let start = 0; start < count; start += window) {
    const end = Math.min(count, start + window);
    let chunk = '';
    for (let s = start; s < end; s++) {
      const ch = channelOf(s);
      const msg = payload(s);
      chunk += `*3\r\n$7\r\nPUBLISH\r\n$${ch.length}\r\n${ch}\r\n$${msg.length}\r\n${msg}\r\n`;
    }
    pub.write(chunk);
    for (let s = start; s < end; s++) receivers += Number((await pub.read(30000)).slice(1, -2));
  }
  return receivers;
}

test('fan-out: 200 subscribers on 50 channels and 10 patterns each get exactly their messages in publish order', async () => {
  const server = await startRespiteProcess();
  const subs: Subscriber[] = [];
  const pub = await RawClient.connect(server.port);
  try {
    const N = Number(process.env.RESPITE_FANOUT_MESSAGES ?? 100000);
    // Message s goes to channel ch:<s % 50>; pattern ch:<k>* matches the channels whose
    // number starts with digit k.
    const channelOf = (s: number) => `ch:${s % 50}`;
    for (let i = 0; i < 180; i++) {
      const c = i % 50;
      const sub = new Subscriber(server.port, (s) => s % 50 === c);
      await sub.subscribe('SUBSCRIBE', `ch:${c}`);
      subs.push(sub);
    }
    for (let i = 0; i < 20; i++) {
      const k = String(i % 10);
      const sub = new Subscriber(server.port, (s) => String(s % 50)[0] === k);
      await sub.subscribe('PSUBSCRIBE', `ch:${k}*`);
      subs.push(sub);
    }
    const receivers = await publishAll(pub, N, channelOf, (s) => String(s));
    let expectedTotal = 0;
    const expected = subs.map((sub) => {
      let n = 0;
      for (let s = 0; s < N; s++) if (sub.wanted(s)) n++;
      expectedTotal += n;
      return n;
    });
    assert.equal(receivers, expectedTotal, 'PUBLISH replies count every receiver');
    await until(() => subs.every((s, i) => s.received >= expected[i]), 'every delivery', 60000);
    for (let i = 0; i < subs.length; i++) {
      assert.equal(subs[i].error, null, `subscriber ${i}: ${subs[i].error}`);
      assert.equal(subs[i].received, expected[i], `subscriber ${i} count`);
    }
  } finally {
    for (const s of subs) s.socket.destroy();
    pub.close();
    await server.stop();
  }
});

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  return m ? Number(m[1]) * 1024 : 0;
}

test('a subscriber that stops reading is disconnected at the output buffer limit; 50 others keep receiving; RSS stays bounded', async () => {
  const server = await startRespiteProcess([
    '--client-output-buffer-limit',
    'pubsub 8mb 4mb 2',
    '--loglevel',
    'notice',
  ]);
  const subs: Subscriber[] = [];
  const pub = await RawClient.connect(server.port);
  const admin = await RawClient.connect(server.port);
  try {
    for (let i = 0; i < 50; i++) {
      const sub = new Subscriber(server.port, () => true);
      await sub.subscribe('SUBSCRIBE', 'feed');
      subs.push(sub);
    }
    const slow = new Subscriber(server.port, () => true);
    await slow.subscribe('SUBSCRIBE', 'feed');
    await slow.subscribe('SUBSCRIBE', 'slow-only');
    slow.socket.pause();
    const rssBefore = rssOf(server.proc.pid!);
    const payload = 'x'.repeat(1000);
    let sent = 0;
    // Publish until the slow subscriber is gone (its kernel buffers fill first), then as
    // much again: the others get everything, the server does not keep the slow one's backlog.
    const numsubSlow = async () => (await admin.call('PUBSUB', 'NUMSUB', 'slow-only')).endsWith(':0\r\n');
    while (!(await numsubSlow())) {
      await publishAll(
        pub,
        2000,
        () => 'feed',
        (s) => String(sent + s).padStart(8, '0') + payload,
      );
      sent += 2000;
      assert.ok(sent < 400000, 'the slow subscriber was never disconnected');
    }
    await publishAll(
      pub,
      20000,
      () => 'feed',
      (s) => String(sent + s).padStart(8, '0') + payload,
    );
    sent += 20000;
    await until(() => subs.every((s) => s.received === sent), 'the 50 readers to get everything', 60000);
    for (const s of subs) assert.equal(s.error, null);
    const rssAfter = rssOf(server.proc.pid!);
    // Every message also went to the slow subscriber's connection, bounded at 8 MB + kernel buffers.
    assert.ok(rssAfter - rssBefore < 150 * 1024 * 1024, `RSS grew by ${rssAfter - rssBefore} bytes`);
    await until(
      () => server.output().includes('scheduled to be closed ASAP for overcoming of output buffer limits.'),
      'the log line',
      5000,
    );
    assert.match(server.output(), /Client id=\d+ addr=127\.0\.0\.1:\d+ .* scheduled to be closed ASAP/);
  } finally {
    for (const s of subs) s.socket.destroy();
    pub.close();
    admin.close();
    await server.stop();
  }
});
