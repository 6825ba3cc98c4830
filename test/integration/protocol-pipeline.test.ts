/**
 * Pipelining and framing over real sockets: many commands per read, commands split across
 * reads at every byte, large bulks arriving in pieces, and input that merely promises data.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createHash } from 'node:crypto';
import { startRespite } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw-client.js';
import { resp } from '../helpers/wire.js';
import type { RespiteServer } from '../../src/index.js';
import type { Client } from '../../src/server/client.js';
import { queuedBytes } from '../../src/server/socket-io.js';
import { waitFor as until } from '../helpers/wait.js';

const B = (s: string) => Buffer.from(s, 'latin1');

/** Connects and returns the connection with its server-side Client. */
async function connect(srv: RespiteServer): Promise<[RawClient, Client]> {
  const before = new Set(srv.server.clients.keys());
  const c = await RawClient.connect(srv.port);
  let found: Client | undefined;
  await until(() => {
    for (const [id, client] of srv.server.clients) if (!before.has(id)) found = client;
    return found !== undefined;
  }, 'the server to accept');
  return [c, found!];
}

/** Reads exactly n bytes from a socket, collecting chunks (no quadratic concatenation). */
function readBytes(socket: net.Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const onData = (d: Buffer) => {
      chunks.push(d);
      got += d.length;
      if (got >= n) {
        socket.off('data', onData);
        const all = Buffer.concat(chunks);
        if (all.length > n) socket.unshift(all.subarray(n));
        resolve(all.subarray(0, n));
      }
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`closed after ${got} of ${n} bytes`)));
  });
}

test('ten thousand pipelined commands in one write get their replies in order', async () => {
  const srv = await startRespite();
  const c = await RawClient.connect(srv.port);
  try {
    const parts: Buffer[] = [];
    let expected = '';
    for (let i = 0; i < 10000; i++) {
      if (i % 4 === 0) {
        parts.push(resp('SET', `key:${i}`, `value:${i}`));
        expected += '+OK\r\n';
      } else if (i % 4 === 1) {
        parts.push(resp('GET', `key:${i - 1}`));
        expected += `$${`value:${i - 1}`.length}\r\nvalue:${i - 1}\r\n`;
      } else if (i % 4 === 2) {
        parts.push(B(`ECHO e${i}\r\n`));
        expected += `$${`e${i}`.length}\r\ne${i}\r\n`;
      } else {
        parts.push(resp('PING'));
        expected += '+PONG\r\n';
      }
    }
    c.write(Buffer.concat(parts));
    let got = '';
    while (got.length < expected.length) got += await c.read();
    assert.equal(got, expected);
  } finally {
    c.close();
    await srv.close();
  }
});

test('a pipeline split at every byte boundary between two reads gets the same replies', async () => {
  const srv = await startRespite();
  try {
    const stream = Buffer.concat([
      resp('SET', 'k', 'a\r\nb'),
      B('ECHO "x y"\r\n'),
      B('\r\n'),
      resp('GET', 'k'),
      B('*0\r\n'),
      B('PING\n'),
      resp('ECHO', ''),
    ]);
    const expected = '+OK\r\n$3\r\nx y\r\n$4\r\na\r\nb\r\n+PONG\r\n$0\r\n\r\n';
    for (let k = 1; k < stream.length; k++) {
      const [c, client] = await connect(srv);
      c.write(stream.subarray(0, k));
      // Wait until the server has read the first piece, so the split is real.
      await until(() => client.netInput >= k, `first ${k} bytes`);
      c.write(stream.subarray(k));
      let got = '';
      while (got.length < expected.length) got += await c.read();
      assert.equal(got, expected, `split at byte ${k}`);
      c.close();
    }
  } finally {
    await srv.close();
  }
});

test('a pipeline written one byte per read gets the same replies', async () => {
  const srv = await startRespite();
  const [c, client] = await connect(srv);
  try {
    const stream = Buffer.concat([resp('SET', 'key', 'v'), B('GET key\r\n'), resp('ECHO', '\0\xff\r\n')]);
    for (let i = 0; i < stream.length; i++) {
      c.write(stream.subarray(i, i + 1));
      await until(() => client.netInput >= i + 1, `byte ${i}`);
    }
    assert.equal(await c.read(), '+OK\r\n');
    assert.equal(await c.read(), '$1\r\nv\r\n');
    assert.equal(await c.read(), '$4\r\n\0\xff\r\n\r\n');
  } finally {
    c.close();
    await srv.close();
  }
});

test('a 16 MB value written in 64 KB pieces is stored and read back intact', async () => {
  const srv = await startRespite();
  const socket = net.connect({ port: srv.port, host: '127.0.0.1' });
  await new Promise((r) => socket.once('connect', r));
  try {
    const size = 16 * 1024 * 1024;
    const head = B(`*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$${size}\r\n`);
    const frame = Buffer.allocUnsafe(head.length + size + 2);
    head.copy(frame);
    for (let i = 0; i < size; i++) frame[head.length + i] = (i * 131) >>> 3;
    frame.write('\r\n', head.length + size, 'latin1');
    const value = frame.subarray(head.length, head.length + size);
    const digest = createHash('sha1').update(value).digest('hex');
    const ok = readBytes(socket, 5);
    for (let off = 0; off < frame.length; off += 65536) {
      if (!socket.write(frame.subarray(off, off + 65536))) await new Promise((r) => socket.once('drain', r));
    }
    assert.equal((await ok).latin1Slice(), '+OK\r\n');
    const header = `$${size}\r\n`;
    const reply = readBytes(socket, header.length + size + 2);
    socket.write(resp('GET', 'big'));
    const got = await reply;
    assert.equal(got.latin1Slice(0, header.length), header);
    assert.equal(
      createHash('sha1')
        .update(got.subarray(header.length, header.length + size))
        .digest('hex'),
      digest,
    );
    assert.equal(got.latin1Slice(header.length + size), '\r\n');
  } finally {
    socket.destroy();
    await srv.close();
  }
});

test('a huge declared bulk length with little data holds little memory and blocks nobody', async () => {
  const srv = await startRespite();
  const [promiser, client] = await connect(srv);
  const other = await RawClient.connect(srv.port);
  try {
    promiser.write('*2\r\n$4\r\nECHO\r\n$500000000\r\n');
    for (let i = 0; i < 50; i++) promiser.write(Buffer.alloc(1000, 0x62));
    await until(() => client.netInput >= 50000 + 24, 'the promised data');
    assert.ok(client.parser.capacity < 1024 * 1024, `parser holds ${client.parser.capacity} bytes`);
    assert.equal(await other.call('PING'), '+PONG\r\n');
    assert.equal(promiser.pending(), '', 'no reply while the bulk is incomplete');
  } finally {
    promiser.close();
    other.close();
    await srv.close();
  }
});

test('a large reply written before a protocol error is delivered in full before the close', async () => {
  const srv = await startRespite();
  const c = await RawClient.connect(srv.port);
  try {
    const big = 'z'.repeat(300000);
    c.write(Buffer.concat([resp('ECHO', big), B('*1\r\n$x\r\n'), resp('PING')]));
    assert.equal(await c.read(), `$${big.length}\r\n${big}\r\n`);
    assert.equal(await c.read(), '-ERR Protocol error: invalid bulk length\r\n');
    assert.equal(await c.waitClosed(), '');
  } finally {
    c.close();
    await srv.close();
  }
});

test('replies to a client that stops reading stay intact and in order once it reads again', async () => {
  // Each batch is flushed with one write; once the kernel's buffers are full the socket keeps
  // the reply buffer, and later batches must neither overwrite it nor be lost.
  const srv = await startRespite();
  const socket = net.connect({ port: srv.port, host: '127.0.0.1' });
  await new Promise((r) => socket.once('connect', r));
  const [client] = [...srv.server.clients.values()];
  socket.pause();
  try {
    const hash = createHash('sha1');
    let total = 0;
    for (let batch = 0; batch < 200; batch++) {
      const parts: Buffer[] = [];
      for (let j = 0; j < 20; j++) {
        const payload = `${batch}:${j}:`.padEnd(3000, String.fromCharCode(97 + ((batch + j) % 26)));
        parts.push(resp('ECHO', payload));
        const reply = `$${payload.length}\r\n${payload}\r\n`;
        hash.update(reply, 'latin1');
        total += reply.length;
      }
      const before = client.netOutput;
      socket.write(Buffer.concat(parts));
      await until(() => client.netOutput > before, `batch ${batch} to be answered`);
    }
    assert.ok(queuedBytes(client.socket!) > 0, 'the server had to queue replies');
    const all = readBytes(socket, total);
    socket.resume();
    assert.equal(
      createHash('sha1')
        .update(await all)
        .digest('hex'),
      hash.digest('hex'),
    );
  } finally {
    socket.destroy();
    await srv.close();
  }
});
