/**
 * The gateway's coalesced fan-out (src/gateway/fanout.ts) with http-flush-interval > 0:
 * messages wait for the next flush, yet every session still gets exactly the messages
 * published while it was subscribed, in publish order, and ordered with its replies.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Redis as IORedis } from 'ioredis';
import WebSocket from 'ws';
import { startRespite, freePort } from '../helpers/servers.js';
import type { RespiteServer } from '../../src/index.js';
import { waitFor } from '../helpers/wait.js';

let srv: RespiteServer;
let base: string;
let rc: IORedis;

before(async () => {
  const httpPort = await freePort();
  srv = await startRespite({ config: { 'http-port': String(httpPort), 'http-flush-interval': '20' } });
  base = `http://127.0.0.1:${httpPort}`;
  rc = new IORedis({ port: srv.port, host: '127.0.0.1', lazyConnect: true });
  await rc.connect();
});

after(async () => {
  rc.disconnect();
  await srv.close();
});

interface WsClient {
  ws: WebSocket;
  /** Everything received, in order: replies ({id, result}) and pushes ({push}). */
  got: Record<string, unknown>[];
  send(id: number, ...cmd: string[]): void;
}

async function openWs(): Promise<WsClient> {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/ws`);
  const got: Record<string, unknown>[] = [];
  ws.on('message', (d: Buffer) => got.push(JSON.parse(d.toString('utf8')) as Record<string, unknown>));
  await new Promise((r, j) => {
    ws.once('open', r);
    ws.once('error', j);
  });
  return { ws, got, send: (id, ...cmd) => ws.send(JSON.stringify({ cmd, id })) };
}

function sseClient(path: string): { events: unknown[]; close(): void; ready: Promise<void> } {
  const events: unknown[] = [];
  let req: http.ClientRequest | null = null;
  const ready = new Promise<void>((resolve, reject) => {
    req = http.get(base + path, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        buf += d;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const ev = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (ev.startsWith('data: ')) events.push(JSON.parse(ev.slice(6)));
          else resolve(); // the `: subscribed ...` comment
        }
      });
    });
    req.on('error', reject);
  });
  return { events, ready, close: () => req?.destroy() };
}

const push = (ch: string, m: string): Record<string, unknown> => ({ push: ['message', ch, m] });

test('coalesced: channel, multi-channel and pattern subscribers get every message in publish order', async () => {
  const a = await openWs();
  const ab = await openWs();
  const pat = await openWs();
  a.send(1, 'SUBSCRIBE', 'c:a');
  ab.send(1, 'SUBSCRIBE', 'c:a', 'c:b');
  pat.send(1, 'PSUBSCRIBE', 'c:*');
  pat.send(2, 'SUBSCRIBE', 'c:b');
  const s = sseClient('/subscribe/c:a,c:b');
  await s.ready;
  await waitFor(() => a.got.length === 1 && ab.got.length === 1 && pat.got.length === 2, 'subscriptions');
  for (const c of [a, ab, pat]) c.got.length = 0;
  // Several batches, so messages span flushes and pipelined batches at once.
  const sent: [string, string][] = [];
  for (let batch = 0; batch < 4; batch++) {
    const p = rc.pipeline();
    for (let i = 0; i < 25; i++) {
      const ch = (batch * 25 + i) % 3 === 0 ? 'c:b' : 'c:a';
      const m = `m${batch}.${i} ✓`;
      sent.push([ch, m]);
      p.publish(ch, m);
    }
    await p.exec();
  }
  const onA = sent.filter(([ch]) => ch === 'c:a').map(([ch, m]) => push(ch, m));
  const all = sent.map(([ch, m]) => push(ch, m));
  const patExpect = sent.flatMap(([ch, m]) =>
    ch === 'c:b'
      ? [push(ch, m), { push: ['pmessage', 'c:*', ch, m] }]
      : [{ push: ['pmessage', 'c:*', ch, m] }],
  );
  await waitFor(
    () =>
      a.got.length >= onA.length &&
      ab.got.length >= all.length &&
      pat.got.length >= patExpect.length &&
      s.events.length >= sent.length,
    'every message',
  );
  assert.deepEqual(a.got, onA);
  assert.deepEqual(ab.got, all);
  assert.deepEqual(pat.got, patExpect);
  assert.deepEqual(
    s.events,
    sent.map(([channel, message]) => ({ channel, message })),
  );
  for (const c of [a, ab, pat]) c.ws.close();
  s.close();
});

test('coalesced: a subscriber joining before the flush gets only later messages; one leaving gets what came before its reply', async () => {
  await rc.config('SET', 'http-flush-interval', '500');
  try {
    const early = await openWs();
    early.send(1, 'SUBSCRIBE', 'j:x');
    await waitFor(() => early.got.length === 1, 'early subscription');
    early.got.length = 0;
    // The first message after a quiet period is flushed at once, the next one waits.
    await rc.publish('j:x', 'warm');
    await rc.publish('j:x', 'before');
    // Within the 500 ms window: a late subscriber joins, the early one leaves after one more.
    const late = await openWs();
    late.send(1, 'SUBSCRIBE', 'j:x');
    await waitFor(() => late.got.length === 1, 'late subscription');
    await rc.publish('j:x', 'after');
    early.send(2, 'UNSUBSCRIBE', 'j:x');
    await waitFor(() => early.got.length === 4, 'early: messages and unsubscribe reply');
    assert.deepEqual(early.got, [
      push('j:x', 'warm'),
      push('j:x', 'before'),
      push('j:x', 'after'),
      { id: 2, result: [['unsubscribe', 'j:x', 0]] },
    ]);
    await waitFor(() => late.got.length === 2, 'late: its message');
    assert.deepEqual(late.got, [{ id: 1, result: [['subscribe', 'j:x', 1]] }, push('j:x', 'after')]);
    await rc.publish('j:x', 'last');
    await waitFor(() => late.got.length === 3, 'late: the last message');
    assert.deepEqual(late.got[2], push('j:x', 'last'));
    assert.equal(early.got.length, 4);
    early.ws.close();
    late.ws.close();
  } finally {
    await rc.config('SET', 'http-flush-interval', '20');
  }
});

test('coalesced: a message published after a reply was queued for the subscriber comes after that reply', async () => {
  const w = await openWs();
  w.send(1, 'SUBSCRIBE', 'o:ch');
  await waitFor(() => w.got.length === 1, 'subscription');
  w.got.length = 0;
  w.send(2, 'BLPOP', 'o:q', '0');
  const end = Date.now() + 10000;
  while (!/cmd=blpop/.test((await rc.client('LIST')) as string)) {
    if (Date.now() > end) assert.fail('BLPOP never blocked');
    await new Promise((r) => setTimeout(r, 10));
  }
  // One batch: RPUSH serves the BLPOP (its reply is queued first), then the publish.
  const p = rc.pipeline();
  p.publish('o:ch', 'first');
  p.rpush('o:q', 'job');
  p.publish('o:ch', 'second');
  await p.exec();
  await waitFor(() => w.got.length === 3, 'messages and reply');
  assert.deepEqual(w.got, [push('o:ch', 'first'), { id: 2, result: ['o:q', 'job'] }, push('o:ch', 'second')]);
  w.ws.close();
});

test('coalesced: a subscriber that stops reading is disconnected without holding the others back', async () => {
  await rc.config('SET', 'client-output-buffer-limit', 'pubsub 1mb 0 0');
  try {
    let stalled: http.ClientRequest | null = null;
    await new Promise<void>((resolve, reject) => {
      stalled = http.get(`${base}/subscribe/s:fire`, (res) => {
        res.pause(); // never reads: the server's queue grows
        resolve();
      });
      stalled.on('error', reject);
    });
    const reader = await openWs();
    reader.send(1, 'SUBSCRIBE', 's:fire');
    await waitFor(() => reader.got.length === 1, 'subscription');
    const chunk = 'x'.repeat(32 * 1024);
    let sent = 0;
    let receivers: number;
    const end = Date.now() + 30000;
    // Publish until the stalled subscriber is gone (the kernel's socket buffers absorb the
    // first MBs); the reader, which keeps reading, stays. Each message reaches the reader
    // before the next is published: on a loaded machine an unpaced reader could fall 1 MB
    // behind as well and be disconnected too.
    while ((receivers = Number(await rc.publish('s:fire', chunk))) === 2) {
      sent++;
      await waitFor(() => reader.got.length === 1 + sent, 'the reader keeping up', 30000);
      if (Date.now() > end) assert.fail('slow SSE subscriber never disconnected');
    }
    sent++;
    assert.equal(receivers, 1);
    assert.doesNotMatch((await rc.client('LIST')) as string, /lib-name=sse/);
    await waitFor(() => reader.got.length === 1 + sent, 'every message at the reader', 30000);
    (stalled as http.ClientRequest | null)?.destroy();
    reader.ws.close();
  } finally {
    await rc.config('SET', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60');
  }
});

test('coalesced: a WebSocket subscriber that stops reading is disconnected by the pubsub limit', async () => {
  await rc.config('SET', 'client-output-buffer-limit', 'pubsub 1mb 0 0');
  try {
    const stalled = await openWs();
    stalled.send(1, 'SUBSCRIBE', 'w:fire');
    await waitFor(() => stalled.got.length === 1, 'subscription');
    stalled.ws.pause(); // never reads again: the batches queue in the server's socket
    const chunk = 'y'.repeat(32 * 1024);
    const end = Date.now() + 30000;
    // The batches go past ws's own buffer (straight to the socket): they must still count.
    while (Number(await rc.publish('w:fire', chunk)) === 1) {
      if (Date.now() > end) assert.fail('stalled WebSocket subscriber never disconnected');
      await new Promise((r) => setTimeout(r, 1));
    }
    // PUBLISH counts no receiver any more: the subscriber was freed.
    stalled.ws.terminate();
  } finally {
    await rc.config('SET', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60');
  }
});

test('coalesced: rounds larger than one slice give every subscriber each message once, in order, also when published mid-round', async () => {
  // 300 subscribers: a round writes them 128 at a time with the event loop running between
  // slices, so batches published meanwhile reach part of them in this round, the rest next.
  const subs = Array.from({ length: 300 }, () => sseClient('/subscribe/r:big'));
  await Promise.all(subs.map((s) => s.ready));
  const both = await openWs();
  both.send(1, 'SUBSCRIBE', 'r:big');
  both.send(2, 'PSUBSCRIBE', 'r:*');
  const leaver = await openWs();
  leaver.send(1, 'SUBSCRIBE', 'r:big');
  await waitFor(() => both.got.length === 2 && leaver.got.length === 1, 'ws subscriptions');
  both.got.length = 0;
  leaver.got.length = 0;
  const sent: string[] = [];
  const batches: Promise<unknown>[] = [];
  for (let batch = 0; batch < 8; batch++) {
    const p = rc.pipeline();
    for (let i = 0; i < 40; i++) {
      const m = `b${batch}.${i}`;
      sent.push(m);
      p.publish('r:big', m);
    }
    batches.push(p.exec());
    if (batch === 3) leaver.send(2, 'UNSUBSCRIBE', 'r:big');
    // Not awaited: the next batch is read while the round of this one is under way.
    await new Promise((r) => setImmediate(r));
  }
  await Promise.all(batches);
  const events = sent.map((message) => ({ channel: 'r:big', message }));
  await waitFor(
    () => subs.every((s) => s.events.length >= sent.length),
    'every SSE subscriber has every message',
  );
  for (const s of subs) assert.deepEqual(s.events, events);
  await waitFor(() => both.got.length >= 2 * sent.length, 'the channel-and-pattern subscriber');
  assert.deepEqual(
    both.got,
    sent.flatMap((m) => [push('r:big', m), { push: ['pmessage', 'r:*', 'r:big', m] }]),
  );
  // The leaver gets a prefix of the messages, then its reply, and nothing after it.
  await waitFor(() => leaver.got.some((g) => g.id === 2), 'the unsubscribe reply');
  await new Promise((r) => setTimeout(r, 100));
  const reply = leaver.got.findIndex((g) => g.id === 2);
  assert.equal(reply, leaver.got.length - 1);
  assert.deepEqual(
    leaver.got.slice(0, reply),
    sent.slice(0, reply).map((m) => push('r:big', m)),
  );
  for (const s of subs) s.close();
  both.ws.close();
  leaver.ws.close();
});
