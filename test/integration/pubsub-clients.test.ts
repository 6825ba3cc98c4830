/**
 * Real clients' Pub/Sub against Respite: ioredis and node-redis (RESP2 and RESP3)
 * subscribers receiving channel, pattern and shard messages, keyspace notifications and
 * client-side caching invalidations; and a Python subscriber (Debian's python3-redis) in
 * another process receiving what a Node publisher sends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startRespite } from '../helpers/servers.js';
import { waitFor as until } from '../helpers/wait.js';

test('ioredis subscribers get channel and pattern messages in publish order, binary included', async () => {
  const server = await startRespite();
  const sub = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true });
  const pub = new Redis({ port: server.port, host: '127.0.0.1', lazyConnect: true });
  try {
    await sub.connect();
    await pub.connect();
    const got: string[] = [];
    const bin: Buffer[] = [];
    sub.on('message', (ch: string, msg: string) => {
      if (ch !== 'bin') got.push(`${ch}:${msg}`);
    });
    sub.on('pmessage', (pat: string, ch: string, msg: string) => got.push(`${pat}|${ch}:${msg}`));
    sub.on('messageBuffer', (ch: Buffer, msg: Buffer) => {
      if (ch.toString() === 'bin') bin.push(msg);
    });
    assert.equal(await sub.subscribe('orders', 'bin'), 2);
    assert.equal(await sub.psubscribe('ord*'), 3);
    for (let i = 0; i < 100; i++) assert.equal(await pub.publish('orders', `o${i}`), 2);
    assert.equal(await pub.publish('ordinal', 'x'), 1);
    const payload = Buffer.from([0, 255, 13, 10, 1]);
    assert.equal(await pub.publish('bin', payload), 1);
    await until(() => got.length === 201 && bin.length === 1, 'the messages');
    const expected: string[] = [];
    for (let i = 0; i < 100; i++) expected.push(`orders:o${i}`, `ord*|orders:o${i}`);
    expected.push('ord*|ordinal:x');
    assert.deepEqual(got, expected);
    assert.deepEqual(bin[0], payload);
    assert.deepEqual(await pub.pubsub('NUMSUB', 'orders'), ['orders', 1]);
    await sub.unsubscribe('orders', 'bin');
    await sub.punsubscribe('ord*');
    assert.equal(await pub.publish('orders', 'late'), 0);
  } finally {
    sub.disconnect();
    pub.disconnect();
    await server.close();
  }
});

test('ioredis receives keyspace notifications for its writes from another connection', async () => {
  const server = await startRespite();
  const sub = new Redis({ port: server.port, host: '127.0.0.1' });
  const cmd = new Redis({ port: server.port, host: '127.0.0.1' });
  try {
    await cmd.config('SET', 'notify-keyspace-events', 'KEA');
    const events: string[] = [];
    sub.on('pmessage', (_p: string, ch: string, msg: string) => events.push(`${ch} ${msg}`));
    await sub.psubscribe('__key*@0__:*');
    await cmd.set('user:1', 'ann');
    await cmd.expire('user:1', 100);
    await cmd.lpush('queue', 'job');
    await cmd.del('user:1');
    await until(() => events.length === 8, 'the events');
    assert.deepEqual(events, [
      '__keyspace@0__:user:1 set',
      '__keyevent@0__:set user:1',
      '__keyspace@0__:user:1 expire',
      '__keyevent@0__:expire user:1',
      '__keyspace@0__:queue lpush',
      '__keyevent@0__:lpush queue',
      '__keyspace@0__:user:1 del',
      '__keyevent@0__:del user:1',
    ]);
  } finally {
    sub.disconnect();
    cmd.disconnect();
    await server.close();
  }
});

test('node-redis subscribers (RESP2 and RESP3) get channel, pattern and shard messages', async () => {
  const server = await startRespite();
  for (const RESP of [2, 3] as const) {
    const pub = createClient({ socket: { port: server.port, host: '127.0.0.1' }, RESP });
    const sub = pub.duplicate();
    await pub.connect();
    await sub.connect();
    try {
      const got: string[] = [];
      await sub.subscribe('news', (msg, ch) => got.push(`${ch}:${msg}`));
      await sub.pSubscribe('n*', (msg, ch) => got.push(`n*|${ch}:${msg}`));
      await sub.sSubscribe('shard', (msg, ch) => got.push(`s|${ch}:${msg}`));
      assert.equal(await pub.publish('news', 'hello'), 2);
      assert.equal(await pub.sPublish('shard', 'piece'), 1);
      assert.equal(await pub.publish('nothing', 'x'), 1);
      await until(() => got.length === 4, `RESP${RESP} messages`);
      assert.deepEqual(got, ['news:hello', 'n*|news:hello', 's|shard:piece', 'n*|nothing:x']);
      assert.deepEqual({ ...(await pub.pubSubNumSub(['news'])) }, { news: 1 });
      assert.equal(await pub.pubSubNumPat(), 1);
      assert.deepEqual(await pub.pubSubShardChannels(), ['shard']);
      await sub.unsubscribe('news');
      await sub.pUnsubscribe('n*');
      await sub.sUnsubscribe('shard');
      assert.equal(await pub.publish('news', 'gone'), 0);
    } finally {
      await sub.quit().catch(() => undefined);
      await pub.quit().catch(() => undefined);
    }
  }
  await server.close();
});

test('node-redis client-side caching (RESP3) is invalidated when another client writes', async () => {
  const server = await startRespite();
  const writer = createClient({ socket: { port: server.port, host: '127.0.0.1' } });
  const reader = createClient({
    socket: { port: server.port, host: '127.0.0.1' },
    RESP: 3,
    clientSideCache: { ttl: 0, maxEntries: 0 },
  });
  try {
    await writer.connect();
    await reader.connect();
    await writer.set('cached', 'v1');
    assert.equal(await reader.get('cached'), 'v1');
    assert.equal(await reader.get('cached'), 'v1');
    await writer.set('cached', 'v2');
    const deadline = Date.now() + 5000;
    let v = await reader.get('cached');
    while (v !== 'v2' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
      v = await reader.get('cached');
    }
    assert.equal(v, 'v2');
  } finally {
    await reader.quit().catch(() => undefined);
    await writer.quit().catch(() => undefined);
    await server.close();
  }
});

/** A python3 that can `import redis` (Debian's /usr/bin/python3 when a pyenv shim shadows it). */
function findPython(): string | null {
  for (const exe of ['python3', '/usr/bin/python3']) {
    if (spawnSync(exe, ['-c', 'import redis'], { stdio: 'ignore' }).status === 0) return exe;
  }
  return null;
}

const PY_SUBSCRIBER = String.raw`
import json, sys, redis
port, count = int(sys.argv[1]), int(sys.argv[2])
r = redis.Redis(host="127.0.0.1", port=port)
p = r.pubsub()
p.subscribe("py:events")
p.psubscribe("py:pat:*")
print("ready", flush=True)
got = []
while len(got) < count:
    m = p.get_message(timeout=10)
    if m is None:
        break
    if m["type"] in ("message", "pmessage"):
        got.append([m["type"], m["channel"].hex(), m["data"].hex()])
print(json.dumps(got), flush=True)
`;

test('a Python subscriber in another process receives what a Node publisher sends', async (t) => {
  const python = findPython();
  if (python === null) {
    t.skip('no python3 with the redis module (apt-get install python3-redis)');
    return;
  }
  const server = await startRespite();
  const pub = new Redis({ port: server.port, host: '127.0.0.1' });
  try {
    const N = 50;
    const proc = spawn(python, ['-c', PY_SUBSCRIBER, String(server.port), String(N + 1)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const done = new Promise<number | null>((r) => proc.on('close', r));
    await until(() => stdout.startsWith('ready'), 'the python subscriber', 15000);
    // Printed after subscribing; the PSUBSCRIBE may still be in flight.
    for (let i = 0; i < 100 && Number(await pub.call('PUBSUB', 'NUMPAT')) !== 1; i++)
      await new Promise((r) => setTimeout(r, 20));
    const sent: string[][] = [];
    for (let i = 0; i < N; i++) {
      const msg = Buffer.from(`event ${i} \u00e9\u2713`, 'utf8');
      assert.equal(await pub.publish('py:events', msg), 1);
      sent.push(['message', Buffer.from('py:events').toString('hex'), msg.toString('hex')]);
    }
    const bin = Buffer.from([0, 1, 2, 255, 13, 10]);
    await pub.publish('py:pat:x', bin);
    sent.push(['pmessage', Buffer.from('py:pat:x').toString('hex'), bin.toString('hex')]);
    assert.equal(await done, 0, stderr);
    const lines = stdout.trim().split('\n');
    assert.deepEqual(JSON.parse(lines[lines.length - 1]), sent);
  } finally {
    pub.disconnect();
    await server.close();
  }
});
