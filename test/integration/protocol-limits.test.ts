/**
 * Protocol errors and limits as they affect a running server: only the offending connection
 * is closed, limits follow configuration changes and authentication, and the server carries on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startRespite } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw-client.js';
import { resp } from '../helpers/wire.js';
import type { RespiteServer } from '../../src/index.js';
import type { Client } from '../../src/server/client.js';
import { waitFor as until } from '../helpers/wait.js';

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

test('a protocol error closes only the offending connection', async () => {
  const srv = await startRespite();
  const good = await RawClient.connect(srv.port);
  const bad = await RawClient.connect(srv.port);
  try {
    assert.equal(await good.call('SET', 'k', 'v'), '+OK\r\n');
    bad.write('PING\r\n*1\r\n$-5\r\nPING\r\n');
    assert.equal(await bad.read(), '+PONG\r\n');
    assert.equal(await bad.read(), '-ERR Protocol error: invalid bulk length\r\n');
    assert.equal(await bad.waitClosed(), '', 'nothing after the error');
    assert.equal(await good.call('GET', 'k'), '$1\r\nv\r\n');
    await until(() => srv.server.clients.size === 1, 'the closed client to be freed');
  } finally {
    good.close();
    bad.close();
    await srv.close();
  }
});

test('unauthenticated limits apply until the client is authenticated', async () => {
  const srv = await startRespite({ config: { requirepass: 'secret' } });
  try {
    const [c, client] = await connect(srv);
    c.send('PING', ...Array<string>(9).fill('x'));
    assert.equal(await c.read(), '-NOAUTH Authentication required.\r\n');
    // What AUTH does to the connection (AUTH itself lives in the connection commands).
    client.setAuthenticated(true);
    c.send('ECHO', 'y'.repeat(20000));
    assert.equal(await c.read(), `$20000\r\n${'y'.repeat(20000)}\r\n`);
    c.send('PING', ...Array<string>(20).fill('x'));
    assert.equal(await c.read(), "-ERR wrong number of arguments for 'ping' command\r\n");
    c.close();

    const other = await RawClient.connect(srv.port);
    other.write('*11\r\n');
    assert.equal(await other.read(), '-ERR Protocol error: unauthenticated multibulk length\r\n');
    await other.waitClosed();
  } finally {
    await srv.close();
  }
});

test('proto-max-bulk-len changes apply to connected clients', async () => {
  const srv = await startRespite({ config: { 'proto-max-bulk-len': '1mb' } });
  const c = await RawClient.connect(srv.port);
  try {
    const value = 'z'.repeat(1500000);
    assert.equal(srv.server.config.set('proto-max-bulk-len', ['2mb']), null);
    c.send('ECHO', value);
    assert.equal(await c.read(), `$${value.length}\r\n${value}\r\n`);
    assert.equal(srv.server.config.set('proto-max-bulk-len', ['1mb']), null);
    c.send('ECHO', value);
    assert.equal(await c.read(), '-ERR Protocol error: invalid bulk length\r\n');
    await c.waitClosed();
  } finally {
    c.close();
    await srv.close();
  }
});

test('client-query-buffer-limit closes a client whose unparsed input exceeds it, and only that client', async () => {
  const srv = await startRespite({ config: { 'client-query-buffer-limit': '1mb' } });
  const bystander = await RawClient.connect(srv.port);
  try {
    const [c, client] = await connect(srv);
    // 900 KB of an unfinished 3 MB argument is under the limit...
    c.write(
      Buffer.concat([
        resp('PING'),
        Buffer.from('*2\r\n$4\r\nECHO\r\n$3000000\r\n'),
        Buffer.alloc(900000, 97),
      ]),
    );
    assert.equal(await c.read(), '+PONG\r\n');
    await until(() => client.netInput >= 900000, 'the first part');
    assert.equal(c.closed, false);
    // ... 200 KB more is not: the connection is dropped without a reply.
    c.write(Buffer.alloc(200000, 98));
    assert.equal(await c.waitClosed(), '');
    assert.equal(await bystander.call('PING'), '+PONG\r\n');
    // The limit can be raised at runtime.
    assert.equal(srv.server.config.set('client-query-buffer-limit', ['4mb']), null);
    const [d] = await connect(srv);
    const value = Buffer.alloc(3000000, 99);
    d.send('ECHO', value);
    assert.equal((await d.read(10000)).length, 3000000 + 12);
    d.close();
  } finally {
    bystander.close();
    await srv.close();
  }
});

test('a garbage flood from many connections leaves the server serving', async () => {
  const srv = await startRespite();
  try {
    const floods = await Promise.all(Array.from({ length: 20 }, () => RawClient.connect(srv.port)));
    floods.forEach((f, i) => f.write(Buffer.alloc(70000 + i * 1000, 0x41 + i)));
    await Promise.all(floods.map((f) => f.waitClosed()));
    for (const f of floods) f.close();
    const c = await RawClient.connect(srv.port);
    assert.equal(await c.call('PING'), '+PONG\r\n');
    c.close();
    await until(() => srv.server.clients.size === 0, 'every flood client to be freed');
  } finally {
    await srv.close();
  }
});

test('a failure inside the request parser costs that connection only', async () => {
  const srv = await startRespite();
  const bystander = await RawClient.connect(srv.port);
  try {
    const [c, client] = await connect(srv);
    client.parser.next = () => {
      throw new TypeError('simulated parser bug');
    };
    c.write('PING\r\n');
    assert.equal(await c.read(), '-ERR Protocol error: unexpected failure parsing the request\r\n');
    await c.waitClosed();
    assert.equal(await bystander.call('PING'), '+PONG\r\n');
    assert.equal(srv.server.stats.unexpectedErrorReplies, 1);
  } finally {
    bystander.close();
    await srv.close();
  }
});
