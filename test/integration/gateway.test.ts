/**
 * The browser gateway over real HTTP: Upstash REST shapes (checked with @upstash/redis against
 * the same commands over RESP), auth, malformed and oversized requests, SSE and WebSocket
 * Pub/Sub fed by ioredis publishers, and the Prometheus metrics.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Redis as Upstash } from '@upstash/redis';
import { Redis as IORedis } from 'ioredis';
import WebSocket from 'ws';
import { startRespite, freePort } from '../helpers/servers.js';
import type { RespiteServer } from '../../src/index.js';
import { waitFor } from '../helpers/wait.js';

let srv: RespiteServer;
let base: string;
let rc: IORedis;
const PASS = 's3cret';

before(async () => {
  const httpPort = await freePort();
  srv = await startRespite({ config: { 'http-port': String(httpPort), requirepass: PASS } });
  base = `http://127.0.0.1:${httpPort}`;
  rc = new IORedis({ port: srv.port, host: '127.0.0.1', password: PASS, lazyConnect: true });
  await rc.connect();
});

after(async () => {
  rc.disconnect();
  await srv.close();
});

async function post(
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<[number, unknown]> {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { Authorization: `Bearer ${PASS}`, 'Content-Type': 'application/json', ...headers },
    body,
  });
  return [res.status, await res.json()];
}

test('@upstash/redis gets the same results as ioredis over RESP, with base64 responses', async () => {
  const up = new Upstash({ url: base, token: PASS, enableTelemetry: false });
  await rc.del('u:s', 'u:h', 'u:l', 'u:z', 'u:n');
  assert.equal(await up.set('u:s', 'héllo wörld'), 'OK');
  assert.equal(await up.get('u:s'), await rc.get('u:s'));
  assert.equal(await up.incr('u:n'), 1);
  assert.equal(await up.incrby('u:n', 41), 42);
  assert.equal(await rc.get('u:n'), '42');
  assert.equal(await up.hset('u:h', { a: 'x', b: 'y' }), 2);
  assert.deepEqual(await up.hgetall('u:h'), await rc.hgetall('u:h'));
  assert.equal(await up.rpush('u:l', 'a', 'b', 'c'), 3);
  assert.deepEqual(await up.lrange('u:l', 0, -1), await rc.lrange('u:l', 0, -1));
  assert.equal(await up.zadd('u:z', { score: 1.5, member: 'm' }), 1);
  assert.equal(await up.zscore('u:z', 'm'), Number(await rc.zscore('u:z', 'm')));
  assert.equal(await up.get('u:missing'), null);
  assert.equal(await up.exists('u:s', 'u:h', 'u:none'), 2);
  await assert.rejects(up.incr('u:s'), /ERR value is not an integer or out of range/);

  const p = up.pipeline();
  p.set('u:p', 'v1');
  p.get('u:p');
  p.incr('u:p2');
  p.lrange('u:l', 0, 1);
  assert.deepEqual(await p.exec(), ['OK', 'v1', 1, ['a', 'b']]);

  const m = up.multi();
  m.set('u:m', '1');
  m.incr('u:m');
  assert.deepEqual(await m.exec(), ['OK', 2]);
  assert.equal(await rc.get('u:m'), '2');
});

test('REST shapes: result/error, pipeline errors in place, binary values with Upstash-Encoding', async () => {
  assert.deepEqual(await post('/', '["SET","r:k","v"]'), [200, { result: 'OK' }]);
  assert.deepEqual(await post('/', '["GET","r:k"]'), [200, { result: 'v' }]);
  assert.deepEqual(await post('/', '["INCR","r:k"]'), [
    400,
    { error: 'ERR value is not an integer or out of range' },
  ]);
  assert.deepEqual(await post('/', '["NOSUCH"]'), [
    400,
    { error: "ERR unknown command 'NOSUCH', with args beginning with: " },
  ]);
  assert.deepEqual(await post('/pipeline', '[["SET","r:a","1"],["INCR","r:k"],["INCR","r:a"]]'), [
    200,
    [{ result: 'OK' }, { error: 'ERR value is not an integer or out of range' }, { result: 2 }],
  ]);
  // Non-UTF-8 bytes: set from base64, read back base64-encoded (status replies stay plain).
  await rc.set(Buffer.from('r:bin'), Buffer.from([0xff, 0x00, 0xfe]));
  assert.deepEqual(await post('/', '["GET","r:bin"]', { 'Upstash-Encoding': 'base64' }), [
    200,
    { result: '/wD+' },
  ]);
  assert.deepEqual(await post('/', '["SET","r:bin2",{"base64":"/wD+"}]', { 'Upstash-Encoding': 'base64' }), [
    200,
    { result: 'OK' },
  ]);
  assert.deepEqual(await rc.getBuffer('r:bin2'), Buffer.from([0xff, 0x00, 0xfe]));
  assert.deepEqual(await post('/', '["GET","r:k"]', { 'Upstash-Encoding': 'base64' }), [
    200,
    { result: 'dg==' },
  ]);
  // SUBSCRIBE needs a stream: refused over plain HTTP.
  const [st] = await post('/', '["SUBSCRIBE","x"]');
  assert.equal(st, 400);
});

test('auth: 401 without or with a wrong token, Basic against ACL users, 403 for forbidden commands', async () => {
  const noAuth = await fetch(base + '/', { method: 'POST', body: '["PING"]' });
  assert.equal(noAuth.status, 401);
  assert.deepEqual(await noAuth.json(), { error: 'NOAUTH Authentication required.' });
  const [st, body] = await post('/', '["PING"]', { Authorization: 'Bearer nope' });
  assert.equal(st, 401);
  assert.match((body as { error: string }).error, /^WRONGPASS/);
  await rc.call('ACL', 'SETUSER', 'reader', 'on', '>pw', '~r:*', '&news', '+get', '+ping');
  const basic = `Basic ${Buffer.from('reader:pw').toString('base64')}`;
  assert.deepEqual(await post('/', '["GET","r:k"]', { Authorization: basic }), [200, { result: 'v' }]);
  const [st2, b2] = await post('/', '["SET","r:k","x"]', { Authorization: basic });
  assert.equal(st2, 403);
  assert.match((b2 as { error: string }).error, /^NOPERM/);
  const [st3] = await post('/', '["PING"]', {
    Authorization: `Basic ${Buffer.from('reader:bad').toString('base64')}`,
  });
  assert.equal(st3, 401);
  // SSE on a channel the user may not use.
  const sse = await fetch(`${base}/subscribe/secret`, { headers: { Authorization: basic } });
  assert.equal(sse.status, 403);
  assert.match(((await sse.json()) as { error: string }).error, /^NOPERM/);
});

test('malformed JSON, bad shapes and oversized bodies are rejected without affecting other requests', async () => {
  assert.deepEqual(await post('/', '["SET",'), [400, { error: 'ERR malformed JSON request body' }]);
  const [st1] = await post('/', '{"cmd":1}');
  assert.equal(st1, 400);
  const [st2] = await post('/pipeline', '[]');
  assert.equal(st2, 400);
  const [st3] = await post('/', '[["nested"]]');
  assert.equal(st3, 400);
  await rc.config('SET', 'client-query-buffer-limit', '1mb');
  const big = JSON.stringify(['SET', 'r:big', 'x'.repeat(2 * 1024 * 1024)]);
  const status = await new Promise<number>((resolve, reject) => {
    const req = http.request(
      base + '/',
      { method: 'POST', headers: { Authorization: `Bearer ${PASS}` } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end(big);
  });
  assert.equal(status, 413);
  await rc.config('SET', 'client-query-buffer-limit', '1gb');
  assert.deepEqual(await post('/', '["PING"]'), [200, { result: 'PONG' }]);
  assert.equal(await rc.exists('r:big'), 0);
  const nf = await fetch(base + '/nope', { headers: { Authorization: `Bearer ${PASS}` } });
  assert.equal(nf.status, 404);
});

test('a blocking command over HTTP answers when served, and an aborted request frees its client', async () => {
  const pending = post('/', '["BLPOP","h:q","0"]');
  await waitFor(() => true, 'start');
  const end = Date.now() + 5000;
  while (!/cmd=blpop.*lib-name=http/.test((await rc.client('LIST')) as string)) {
    if (Date.now() > end) assert.fail('BLPOP never blocked');
    await new Promise((r) => setTimeout(r, 10));
  }
  await rc.rpush('h:q', 'job');
  assert.deepEqual(await pending, [200, { result: ['h:q', 'job'] }]);
  const ac = new AbortController();
  const aborted = fetch(base + '/', {
    method: 'POST',
    headers: { Authorization: `Bearer ${PASS}` },
    body: '["BLPOP","h:q2","0"]',
    signal: ac.signal,
  }).catch(() => 'aborted');
  while (!/cmd=blpop/.test((await rc.client('LIST')) as string)) await new Promise((r) => setTimeout(r, 10));
  ac.abort();
  assert.equal(await aborted, 'aborted');
  const end2 = Date.now() + 5000;
  while (/cmd=blpop/.test((await rc.client('LIST')) as string)) {
    if (Date.now() > end2) assert.fail('aborted HTTP client not freed');
    await new Promise((r) => setTimeout(r, 10));
  }
});

/** Reads SSE events from a GET stream until `n` data events arrived. */
function sseClient(path: string): {
  events: unknown[];
  comments: string[];
  close(): void;
  ready: Promise<number>;
} {
  const events: unknown[] = [];
  const comments: string[] = [];
  let reqRef: http.ClientRequest | null = null;
  const ready = new Promise<number>((resolve, reject) => {
    reqRef = http.get(base + path, (res) => {
      resolve(res.statusCode ?? 0);
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        buf += d;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const ev = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (ev.startsWith('data: ')) events.push(JSON.parse(ev.slice(6)));
          else if (ev.startsWith(':')) comments.push(ev);
        }
      });
      res.on('error', () => {});
    });
    reqRef.on('error', reject);
  });
  return { events, comments, ready, close: () => reqRef?.destroy() };
}

test('SSE streams messages published over RESP, and the session shows in CLIENT LIST', async () => {
  const a = sseClient(`/subscribe/news,sport?token=${PASS}`);
  const b = sseClient(`/psubscribe/n*?token=${PASS}`);
  assert.equal(await a.ready, 200);
  assert.equal(await b.ready, 200);
  await waitFor(() => a.comments.length > 0 && b.comments.length > 0, 'subscription comments');
  const list = (await rc.client('LIST')) as string;
  assert.match(list, /lib-name=sse/);
  assert.match(list, /sub=2 psub=0/);
  assert.equal(await rc.publish('news', 'héllo'), 2);
  assert.equal(await rc.publish('sport', 'goal'), 1);
  await waitFor(() => a.events.length === 2 && b.events.length === 1, 'SSE events');
  assert.deepEqual(a.events, [
    { channel: 'news', message: 'héllo' },
    { channel: 'sport', message: 'goal' },
  ]);
  assert.deepEqual(b.events, [{ pattern: 'n*', channel: 'news', message: 'héllo' }]);
  a.close();
  b.close();
  // Closing the stream frees the client: the channel has no subscribers left.
  const gone = async (): Promise<boolean> => Number(await rc.publish('news', 'x')) === 0;
  const end = Date.now() + 5000;
  while (!(await gone())) {
    if (Date.now() > end) assert.fail('SSE client not freed');
    await new Promise((r) => setTimeout(r, 20));
  }
  const unauth = sseClient('/subscribe/news');
  assert.equal(await unauth.ready, 401);
  unauth.close();
});

test('a browser that stops reading its SSE stream is disconnected by the pubsub output buffer limit', async () => {
  await rc.config('SET', 'client-output-buffer-limit', 'pubsub 256kb 0 0');
  let req: http.ClientRequest | null = null;
  const status = await new Promise<number>((resolve, reject) => {
    req = http.get(`${base}/subscribe/firehose?token=${PASS}`, (res) => {
      res.pause(); // never reads: the server's queue grows
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });
  assert.equal(status, 200);
  const chunk = 'x'.repeat(64 * 1024);
  const end = Date.now() + 10000;
  // Publish until the subscriber is gone (the kernel's socket buffers absorb the first MBs).
  while (Number(await rc.publish('firehose', chunk)) !== 0) {
    if (Date.now() > end) assert.fail('slow SSE subscriber never disconnected');
  }
  assert.doesNotMatch((await rc.client('LIST')) as string, /lib-name=sse/);
  (req as http.ClientRequest | null)?.destroy();
  await rc.config('SET', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60');
});

test('WebSocket: JSON commands with ids, subscribe pushes, blocking commands in order', async () => {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/ws?token=${PASS}`);
  const got: Record<string, unknown>[] = [];
  ws.on('message', (d: Buffer) => got.push(JSON.parse(d.toString('utf8')) as Record<string, unknown>));
  await new Promise((r, j) => {
    ws.once('open', r);
    ws.once('error', j);
  });
  ws.send(JSON.stringify({ cmd: ['SET', 'w:k', 'v'], id: 1 }));
  ws.send(JSON.stringify({ cmd: ['GET', 'w:k'], id: 2 }));
  ws.send(JSON.stringify({ cmd: ['INCR', 'w:k'], id: 3 }));
  ws.send('not json');
  await waitFor(() => got.length === 4, 'replies');
  // Replies are sent as soon as they are written, so they come in request order.
  assert.deepEqual(got.splice(0), [
    { id: 1, result: 'OK' },
    { id: 2, result: 'v' },
    { id: 3, error: 'ERR value is not an integer or out of range' },
    { error: 'ERR malformed JSON message' },
  ]);
  ws.send(JSON.stringify({ cmd: ['SUBSCRIBE', 'room1', 'room2'], id: 4 }));
  await waitFor(() => got.length === 1, 'subscribe reply');
  assert.deepEqual(got.splice(0), [
    {
      id: 4,
      result: [
        ['subscribe', 'room1', 1],
        ['subscribe', 'room2', 2],
      ],
    },
  ]);
  await rc.publish('room1', 'hi');
  await waitFor(() => got.length === 1, 'push');
  assert.deepEqual(got.splice(0), [{ push: ['message', 'room1', 'hi'] }]);
  // RESP3 session: commands still work while subscribed.
  ws.send(JSON.stringify({ cmd: ['PUBLISH', 'room2', 'self'], id: 5 }));
  await waitFor(() => got.length === 2, 'self publish');
  assert.deepEqual(
    got.splice(0).sort((x) => ('push' in x ? 1 : -1)),
    [{ id: 5, result: 1 }, { push: ['message', 'room2', 'self'] }],
  );
  // A blocking command answers when the list is pushed; the next command waits its turn.
  ws.send(JSON.stringify({ cmd: ['BLPOP', 'w:q', '0'], id: 6 }));
  ws.send(JSON.stringify({ cmd: ['PING'], id: 7 }));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(got.length, 0);
  await rc.rpush('w:q', 'job');
  await waitFor(() => got.length === 2, 'blpop');
  assert.deepEqual(got.splice(0), [
    { id: 6, result: ['w:q', 'job'] },
    { id: 7, result: 'PONG' },
  ]);
  ws.close();
  const bad = new WebSocket(`${base.replace('http', 'ws')}/ws?token=wrong`);
  const status = await new Promise<number>((resolve) => {
    bad.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    bad.on('error', () => resolve(-1));
  });
  assert.equal(status, 401);
});

test('WebSocket /resp carries raw RESP frames; the client authenticates with AUTH', async () => {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/resp`);
  let got = '';
  ws.on('message', (d: Buffer) => (got += d.toString('latin1')));
  await new Promise((r, j) => {
    ws.once('open', r);
    ws.once('error', j);
  });
  ws.send(Buffer.from('*1\r\n$4\r\nPING\r\n'));
  await waitFor(() => got.length > 0, 'NOAUTH');
  assert.equal(got, '-NOAUTH Authentication required.\r\n');
  got = '';
  ws.send(Buffer.from(`*2\r\n$4\r\nAUTH\r\n$${PASS.length}\r\n${PASS}\r\n*2\r\n$3\r\nGET\r\n$3\r\nr:k\r\n`));
  await waitFor(() => got.length >= 12, 'replies');
  assert.equal(got, '+OK\r\n$1\r\nv\r\n');
  assert.match((await rc.client('LIST')) as string, /lib-name=ws-resp/);
  ws.close();
});

test('GET /metrics is Prometheus text with redis_exporter names', async () => {
  await rc.set('m:k', '1');
  await rc.get('m:k');
  const res = await fetch(`${base}/metrics`, { headers: { Authorization: `Bearer ${PASS}` } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  const text = await res.text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    assert.ok(m, `bad sample line: ${line}`);
    samples.set(m[1], Number(m[2]));
    assert.ok(!Number.isNaN(Number(m[2])), line);
  }
  for (const name of [
    'redis_up',
    'redis_commands_processed_total',
    'redis_connected_clients',
    'redis_memory_used_bytes',
    'redis_evicted_keys_total',
    'redis_pubsub_channels',
    'redis_keyspace_hits_total',
  ])
    assert.ok(samples.has(name), name);
  assert.ok(samples.get('redis_db_keys{db="db0"}')! >= 1);
  assert.ok(samples.get('redis_commands_total{cmd="get"}')! >= 1);
  assert.ok(samples.has('redis_commands_duration_seconds_total{cmd="get"}'));
  const unauth = await fetch(`${base}/metrics`);
  assert.equal(unauth.status, 401);
});

test('CORS: only the origins in http-cors-origins are allowed, preflight included', async () => {
  const origin = 'http://app.example';
  let res = await fetch(base + '/', { method: 'OPTIONS', headers: { Origin: origin } });
  assert.equal(res.status, 204);
  assert.equal(res.headers.get('access-control-allow-origin'), null);
  await rc.config('SET', 'http-cors-origins', `${origin} http://other.example`);
  res = await fetch(base + '/', { method: 'OPTIONS', headers: { Origin: origin } });
  assert.equal(res.headers.get('access-control-allow-origin'), origin);
  assert.match(res.headers.get('access-control-allow-headers') ?? '', /Authorization/);
  res = await fetch(base + '/', { method: 'OPTIONS', headers: { Origin: 'http://evil.example' } });
  assert.equal(res.headers.get('access-control-allow-origin'), null);
  await rc.config('SET', 'http-cors-origins', '');
});

test('CONFIG GET lists the gateway options', async () => {
  assert.deepEqual(await rc.config('GET', 'http-*'), [
    'http-port',
    base.split(':')[2],
    'http-bind',
    '127.0.0.1',
    'http-cors-origins',
    '',
    'http-tls',
    'no',
    'http-flush-interval',
    '10',
  ]);
});

test('fan-out: SSE and WebSocket subscribers with different subscriptions each get exactly their messages, in order', async () => {
  const wsUrl = `${base.replace('http', 'ws')}/ws?token=${PASS}`;
  const openWs = async (cmds: string[][]): Promise<{ ws: WebSocket; pushes: unknown[] }> => {
    const ws = new WebSocket(wsUrl);
    const pushes: unknown[] = [];
    let acks = 0;
    ws.on('message', (d: Buffer) => {
      const m = JSON.parse(d.toString('utf8')) as { push?: unknown; id?: number };
      if (m.push !== undefined) pushes.push(m.push);
      else acks++;
    });
    await new Promise((r, j) => {
      ws.once('open', r);
      ws.once('error', j);
    });
    cmds.forEach((cmd, id) => ws.send(JSON.stringify({ cmd, id })));
    await waitFor(() => acks === cmds.length, 'subscriptions');
    return { ws, pushes };
  };
  const w1 = await openWs([['SUBSCRIBE', 'f:a']]);
  const w2 = await openWs([['SUBSCRIBE', 'f:a']]);
  const w3 = await openWs([['SUBSCRIBE', 'f:a', 'f:b']]);
  const w4 = await openWs([
    ['PSUBSCRIBE', 'f:*'],
    ['SUBSCRIBE', 'f:b'],
  ]);
  const s1 = sseClient(`/subscribe/f:a?token=${PASS}`);
  const s2 = sseClient(`/psubscribe/f:*?token=${PASS}`);
  assert.equal(await s1.ready, 200);
  assert.equal(await s2.ready, 200);
  await waitFor(() => s1.comments.length > 0 && s2.comments.length > 0, 'SSE streams');
  // One pipelined batch: the subscribers share encoded batches where their sequences agree.
  const p = rc.pipeline();
  const sent: [string, string][] = [];
  for (let i = 0; i < 50; i++) {
    const ch = i % 3 === 0 ? 'f:b' : 'f:a';
    const msg = `m${i} ✓`;
    sent.push([ch, msg]);
    p.publish(ch, msg);
  }
  await p.exec();
  // A later single message, published after the batch was flushed.
  await rc.publish('f:a', 'last');
  sent.push(['f:a', 'last']);
  const onA = sent.filter(([ch]) => ch === 'f:a');
  const expectA = onA.map(([ch, m]) => ['message', ch, m]);
  const expectAB = sent.map(([ch, m]) => ['message', ch, m]);
  const expect4 = sent.flatMap(([ch, m]) =>
    ch === 'f:b'
      ? [
          ['message', ch, m],
          ['pmessage', 'f:*', ch, m],
        ]
      : [['pmessage', 'f:*', ch, m]],
  );
  await waitFor(
    () =>
      w1.pushes.length === expectA.length &&
      w2.pushes.length === expectA.length &&
      w3.pushes.length === expectAB.length &&
      w4.pushes.length === expect4.length &&
      s1.events.length === onA.length &&
      s2.events.length === sent.length,
    'every message',
  );
  assert.deepEqual(w1.pushes, expectA);
  assert.deepEqual(w2.pushes, expectA);
  assert.deepEqual(w3.pushes, expectAB);
  assert.deepEqual(w4.pushes, expect4);
  assert.deepEqual(
    s1.events,
    onA.map(([channel, message]) => ({ channel, message })),
  );
  assert.deepEqual(
    s2.events,
    sent.map(([channel, message]) => ({ pattern: 'f:*', channel, message })),
  );
  for (const w of [w1, w2, w3, w4]) w.ws.close();
  s1.close();
  s2.close();
});

test('fan-out: a WebSocket client publishing to its own channel gets the push before the reply', async () => {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/ws?token=${PASS}`);
  const got: Record<string, unknown>[] = [];
  ws.on('message', (d: Buffer) => got.push(JSON.parse(d.toString('utf8')) as Record<string, unknown>));
  await new Promise((r, j) => {
    ws.once('open', r);
    ws.once('error', j);
  });
  ws.send(JSON.stringify({ cmd: ['SUBSCRIBE', 'self'], id: 1 }));
  ws.send(JSON.stringify({ cmd: ['PUBLISH', 'self', 'hi'], id: 2 }));
  await waitFor(() => got.length === 3, 'the replies');
  assert.deepEqual(got, [
    { id: 1, result: [['subscribe', 'self', 1]] },
    { push: ['message', 'self', 'hi'] },
    { id: 2, result: 1 },
  ]);
  ws.close();
});
