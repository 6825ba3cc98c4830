/**
 * Plain connections are read into one buffer shared by all of them (server.ts,
 * acceptWithSharedReads): whatever a connection's parser has not consumed must be copied out
 * before any other connection's next read overwrites it. These tests interleave partial
 * commands of many connections, and keep a blocked client's pipelined commands waiting while
 * other connections fill the buffer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startRespite } from '../helpers/servers.js';
import { prng } from '../helpers/prng.js';
import { resp } from '../helpers/wire.js';

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** Collects everything a socket receives; `until(n)` resolves once n bytes arrived. */
function collector(s: net.Socket): { until(n: number): Promise<Buffer> } {
  const chunks: Buffer[] = [];
  let got = 0;
  let want = -1;
  let done: ((b: Buffer) => void) | null = null;
  const check = () => {
    if (done !== null && got >= want) {
      const d = done;
      done = null;
      d(Buffer.concat(chunks));
    }
  };
  s.on('data', (d: Buffer) => {
    chunks.push(d);
    got += d.length;
    check();
  });
  return {
    until(n: number): Promise<Buffer> {
      want = n;
      return new Promise((resolve, reject) => {
        // Replies to garbled input never add up: fail instead of waiting forever.
        const timer = setTimeout(() => reject(new Error(`got ${got} of ${n} reply bytes`)), 20000);
        done = (b) => {
          clearTimeout(timer);
          resolve(b);
        };
        check();
      });
    },
  };
}

function bulk(v: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`$${v.length}\r\n`), v, Buffer.from('\r\n')]);
}

test('commands of many connections split into interleaved pieces are each parsed intact', async () => {
  const srv = await startRespite();
  const rnd = prng(20261126);
  const conns = 40;
  const sockets: net.Socket[] = [];
  try {
    const streams: Buffer[] = [];
    const expected: Buffer[] = [];
    const sizes = [0, 1, 7, 300, 5000, 65535, 70000, 200000];
    for (let i = 0; i < conns; i++) {
      const req: Buffer[] = [];
      const rep: Buffer[] = [];
      const values: Buffer[] = [];
      for (let j = 0; j < 6; j++) {
        const v = Buffer.alloc(sizes[rnd(sizes.length)]);
        for (let k = 0; k < v.length; k++) v[k] = rnd(256);
        values.push(v);
        req.push(resp('SET', `k${i}:${j}`, v));
        rep.push(Buffer.from('+OK\r\n'));
      }
      // Inline commands too: their line ends are searched across the pieces.
      req.push(Buffer.from(`PING inline${i}\r\n`));
      rep.push(bulk(Buffer.from(`inline${i}`)));
      for (let j = 0; j < 6; j++) {
        req.push(resp('GET', `k${i}:${j}`));
        rep.push(bulk(values[j]));
      }
      streams.push(Buffer.concat(req));
      expected.push(Buffer.concat(rep));
    }
    for (let i = 0; i < conns; i++) sockets.push(await connect(srv.port));
    const received = sockets.map((s, i) => collector(s).until(expected[i].length));
    // Round-robin pieces of 1..9000 bytes, yielding between rounds so that the server's
    // reads of different connections alternate.
    const offsets = new Array<number>(conns).fill(0);
    for (let left = conns; left > 0;) {
      left = 0;
      for (let i = 0; i < conns; i++) {
        const off = offsets[i];
        if (off >= streams[i].length) continue;
        const n = 1 + rnd(9000);
        sockets[i].write(streams[i].subarray(off, off + n));
        offsets[i] = off + n;
        if (offsets[i] < streams[i].length) left++;
      }
      await new Promise((r) => setImmediate(r));
    }
    const got = await Promise.all(received);
    for (let i = 0; i < conns; i++) {
      assert.equal(got[i].length, expected[i].length, `connection ${i}: reply length`);
      assert.ok(got[i].equals(expected[i]), `connection ${i}: replies differ`);
    }
  } finally {
    for (const s of sockets) s.destroy();
    await srv.close();
  }
});

test("a blocked client's pipelined commands survive other connections' reads", async () => {
  const srv = await startRespite();
  const sockets: net.Socket[] = [];
  try {
    const a = await connect(srv.port);
    sockets.push(a);
    const fromA = collector(a);
    // One write: the BLPOP blocks, the two commands behind it stay in A's parser.
    a.write(
      Buffer.concat([resp('BLPOP', 'q', '0'), resp('SET', 'after', 'x'.repeat(500)), resp('GET', 'after')]),
    );
    const deadline = Date.now() + 10000;
    while (srv.server.blocking.blockedClients === 0) {
      if (Date.now() > deadline) throw new Error('A never blocked');
      await new Promise((r) => setTimeout(r, 5));
    }
    // Ten other connections fill the shared buffer many times over.
    const value = 'v'.repeat(1000);
    const others: Promise<Buffer>[] = [];
    for (let i = 0; i < 10; i++) {
      const s = await connect(srv.port);
      sockets.push(s);
      const cmds: Buffer[] = [];
      for (let j = 0; j < 200; j++) cmds.push(resp('SET', `o${i}:${j}`, value));
      others.push(collector(s).until(200 * 5));
      s.write(Buffer.concat(cmds));
    }
    await Promise.all(others);
    const b = await connect(srv.port);
    sockets.push(b);
    const fromB = collector(b);
    b.write(resp('RPUSH', 'q', 'item'));
    assert.equal((await fromB.until(4)).toString(), ':1\r\n');
    const want = '*2\r\n$1\r\nq\r\n$4\r\nitem\r\n' + '+OK\r\n' + `$500\r\n${'x'.repeat(500)}\r\n`;
    assert.equal((await fromA.until(want.length)).toString('latin1'), want);
  } finally {
    for (const s of sockets) s.destroy();
    await srv.close();
  }
});

test('a connection streaming a big pipeline is read at most twice in a row per event-loop turn, and every reply arrives', async () => {
  const srv = await startRespite();
  // Count full 64 KB reads per turn of the loop: a setImmediate chain marks each turn.
  type OnData = (c: unknown, chunk: Buffer, n: number, shared: boolean) => void;
  const server = srv.server as unknown as { onData: OnData };
  const original = server.onData.bind(srv.server);
  let turn = 0;
  let running = true;
  const tick = () => {
    turn++;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  const perTurn = new Map<number, number>();
  let fullReads = 0;
  let most = 0;
  server.onData = (c, chunk, n, shared) => {
    if (shared && n === chunk.length) {
      fullReads++;
      const k = (perTurn.get(turn) ?? 0) + 1;
      perTurn.set(turn, k);
      if (k > most) most = k;
    }
    original(c, chunk, n, shared);
  };
  const s = await connect(srv.port);
  try {
    const n = 40000;
    const value = Buffer.alloc(100, 'v');
    const parts: Buffer[] = [];
    for (let i = 0; i < n; i++) parts.push(resp('SET', `key:${i}`, value));
    const replies = collector(s);
    s.write(Buffer.concat(parts));
    const got = await replies.until(5 * n);
    assert.equal(got.toString(), '+OK\r\n'.repeat(n));
    assert.ok(fullReads > 4, `the pipeline came in full reads (${fullReads})`);
    assert.ok(most <= 2, `at most 2 full reads of one connection per turn, saw ${most}`);
  } finally {
    running = false;
    s.destroy();
    await srv.close();
  }
});
