/**
 * Resource limits seen from outside the process (a Respite child process, its RSS read from
 * /proc): 10,000 connections opened and dropped leave no leak, and unauthenticated clients
 * sending huge or malformed frames are cut off without the server's memory following them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { startRespiteProcess, type ChildServer } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw-client.js';

function rss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** Opens `n` connections, `parallel` at a time; each sends `payload` and waits for the close or a reply. */
async function churn(port: number, n: number, parallel: number, payload: Buffer | string): Promise<string[]> {
  const replies: string[] = [];
  let next = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => s.write(payload));
      let got = '';
      s.on('data', (d: Buffer) => {
        got += d.toString('latin1');
        if (got.endsWith('\r\n')) s.end();
      });
      s.on('error', () => {});
      s.on('close', () => {
        replies.push(got);
        resolve();
      });
    });
  const worker = async () => {
    while (next < n) {
      next++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return replies;
}

async function connectedClients(s: ChildServer): Promise<number> {
  const c = await RawClient.connect(s.port);
  const info = await c.call('INFO', 'clients');
  c.close();
  return Number(/connected_clients:(\d+)/.exec(info)?.[1]);
}

async function settle(s: ChildServer, want: number): Promise<void> {
  const deadline = Date.now() + 10000;
  while ((await connectedClients(s)) !== want && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
}

test('10,000 connections opened and dropped leave no clients and no memory behind', async () => {
  const s = await startRespiteProcess();
  try {
    const pid = s.proc.pid!;
    await churn(s.port, 2000, 100, 'PING\r\n'); // warm-up: buffers, JIT, heap growth
    await settle(s, 1);
    const before = rss(pid);
    const replies = await churn(s.port, 10000, 200, 'PING\r\n');
    assert.equal(replies.filter((r) => r === '+PONG\r\n').length, 10000);
    await settle(s, 1);
    assert.equal(await connectedClients(s), 1);
    const after = rss(pid);
    // A leak of even 3 KB per connection would show as 30 MB here.
    assert.ok(after - before < 24 << 20, `RSS grew by ${((after - before) / 1048576).toFixed(1)} MB`);
  } finally {
    await s.stop();
  }
});

test('unauthenticated clients sending huge or malformed frames are cut off with bounded memory', async () => {
  const s = await startRespiteProcess(['--requirepass', 'secret']);
  try {
    const pid = s.proc.pid!;
    const before = rss(pid);
    const big = Buffer.alloc(1 << 20, 'x');
    const cases: [Buffer | string, RegExp][] = [
      ['*100000\r\n', /unauthenticated multibulk length/],
      ['*1\r\n$100000000\r\n', /unauthenticated bulk length/],
      [Buffer.concat([Buffer.from('*1\r\n$16384\r\n'), big]), /Protocol error|NOAUTH/],
      // An empty multibulk is skipped; the inline `$x` that follows is looked up first, as in Redis.
      ['*-5\r\n$x\r\n', /unknown command '\$x'/],
      [big, /Protocol error|NOAUTH/],
    ];
    for (const [payload, expected] of cases) {
      const replies = await churn(s.port, 100, 50, payload);
      for (const r of replies) assert.match(r, expected);
    }
    await settle(s, 1);
    const after = rss(pid);
    // 500 clients each sent up to 1 MB: the server did not keep any of it.
    assert.ok(after - before < 64 << 20, `RSS grew by ${((after - before) / 1048576).toFixed(1)} MB`);
    const c = await RawClient.connect(s.port);
    assert.equal(await c.call('AUTH', 'secret'), '+OK\r\n');
    assert.equal(await c.call('PING'), '+PONG\r\n');
    c.close();
  } finally {
    await s.stop();
  }
});
