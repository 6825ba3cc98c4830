/**
 * CLIENT KILL with every filter (ID, ADDR, LADDR, TYPE, USER, SKIPME and combinations) and
 * the old `CLIENT KILL ip:port` form, checked on real connections.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { RawClient } from '../helpers/raw-client.js';
import { startRespite } from '../helpers/servers.js';
import type { RespiteServer } from '../../src/index.js';

interface Conn {
  c: RawClient;
  id: string;
  addr: string;
  laddr: string;
}

async function connect(srv: RespiteServer): Promise<Conn> {
  const c = await RawClient.connect(srv.port);
  const info = await c.call('CLIENT', 'INFO');
  const field = (k: string) => new RegExp(`(?:^|\\s)${k}=(\\S*)`).exec(info)![1];
  return { c, id: field('id'), addr: field('addr'), laddr: field('laddr') };
}

async function withServer(fn: (srv: RespiteServer) => Promise<void>): Promise<void> {
  const srv = await startRespite();
  try {
    await fn(srv);
  } finally {
    await srv.close();
  }
}

/** True when the connection is still served (a PING gets PONG). */
async function alive(x: Conn): Promise<boolean> {
  if (x.c.closed) return false;
  try {
    return (await x.c.call('PING')) === '+PONG\r\n';
  } catch {
    return false;
  }
}

test('CLIENT KILL ID closes exactly that client and replies 1', async () => {
  await withServer(async (srv) => {
    const [me, a, b] = [await connect(srv), await connect(srv), await connect(srv)];
    assert.equal(await me.c.call('CLIENT', 'KILL', 'ID', a.id), ':1\r\n');
    assert.equal(await a.c.waitClosed(), '');
    assert.ok(await alive(b));
    assert.ok(await alive(me));
    assert.equal(await me.c.call('CLIENT', 'KILL', 'ID', a.id), ':0\r\n');
    assert.equal(srv.server.clients.size, 2);
    for (const x of [me, b]) x.c.close();
  });
});

test('CLIENT KILL ADDR closes the client connected from that address', async () => {
  await withServer(async (srv) => {
    const [me, a, b] = [await connect(srv), await connect(srv), await connect(srv)];
    assert.equal(await me.c.call('CLIENT', 'KILL', 'ADDR', b.addr), ':1\r\n');
    await b.c.waitClosed();
    assert.ok(await alive(a));
    assert.equal(await me.c.call('CLIENT', 'KILL', 'addr', '127.0.0.1:1'), ':0\r\n');
    for (const x of [me, a]) x.c.close();
  });
});

test('CLIENT KILL LADDR closes every other client connected to that local address', async () => {
  await withServer(async (srv) => {
    const [me, a, b] = [await connect(srv), await connect(srv), await connect(srv)];
    assert.equal(me.laddr, `127.0.0.1:${srv.port}`);
    assert.equal(await me.c.call('CLIENT', 'KILL', 'LADDR', me.laddr), ':2\r\n');
    await a.c.waitClosed();
    await b.c.waitClosed();
    assert.ok(await alive(me));
    assert.equal(await me.c.call('CLIENT', 'KILL', 'LADDR', '127.0.0.1:1'), ':0\r\n');
    me.c.close();
  });
});

test('CLIENT KILL TYPE kills clients of that type only', async () => {
  await withServer(async (srv) => {
    const [me, a] = [await connect(srv), await connect(srv)];
    for (const t of ['pubsub', 'master', 'replica', 'slave'])
      assert.equal(await me.c.call('CLIENT', 'KILL', 'TYPE', t), ':0\r\n');
    assert.ok(await alive(a));
    assert.equal(await me.c.call('CLIENT', 'KILL', 'TYPE', 'NORMAL'), ':1\r\n');
    await a.c.waitClosed();
    assert.ok(await alive(me));
    me.c.close();
  });
});

test('CLIENT KILL USER kills the clients logged in as that user', async () => {
  await withServer(async (srv) => {
    const [me, a, b] = [await connect(srv), await connect(srv), await connect(srv)];
    assert.equal(await me.c.call('CLIENT', 'KILL', 'USER', 'nobody'), "-ERR No such user 'nobody'\r\n");
    assert.equal(await me.c.call('CLIENT', 'KILL', 'USER', 'default'), ':2\r\n');
    await a.c.waitClosed();
    await b.c.waitClosed();
    assert.ok(await alive(me));
    me.c.close();
  });
});

test('CLIENT KILL SKIPME no includes the caller, which gets its reply and is then closed', async () => {
  await withServer(async (srv) => {
    const [me, a] = [await connect(srv), await connect(srv)];
    me.c.send('CLIENT', 'KILL', 'USER', 'default', 'SKIPME', 'no');
    me.c.send('PING');
    assert.equal(await me.c.read(), ':2\r\n');
    // Nothing after the killing command is executed.
    assert.equal(await me.c.waitClosed(), '');
    await a.c.waitClosed();
    assert.equal(srv.server.clients.size, 0);
  });
});

test('CLIENT KILL SKIPME yes (the default) never kills the caller', async () => {
  await withServer(async (srv) => {
    const me = await connect(srv);
    assert.equal(await me.c.call('CLIENT', 'KILL', 'ID', me.id), ':0\r\n');
    assert.equal(await me.c.call('CLIENT', 'KILL', 'ID', me.id, 'SKIPME', 'yes'), ':0\r\n');
    assert.equal(await me.c.call('CLIENT', 'KILL', 'ADDR', me.addr, 'SKIPME', 'YES'), ':0\r\n');
    assert.ok(await alive(me));
    me.c.close();
  });
});

test('CLIENT KILL filters combine: a client must match all of them', async () => {
  await withServer(async (srv) => {
    const [me, a, b] = [await connect(srv), await connect(srv), await connect(srv)];
    assert.equal(await me.c.call('CLIENT', 'KILL', 'ID', a.id, 'ADDR', b.addr), ':0\r\n');
    assert.equal(await me.c.call('CLIENT', 'KILL', 'ID', a.id, 'TYPE', 'pubsub'), ':0\r\n');
    assert.ok(await alive(a));
    assert.equal(
      await me.c.call(
        'CLIENT',
        'KILL',
        'ID',
        a.id,
        'ADDR',
        a.addr,
        'LADDR',
        a.laddr,
        'TYPE',
        'normal',
        'USER',
        'default',
      ),
      ':1\r\n',
    );
    await a.c.waitClosed();
    assert.ok(await alive(b));
    for (const x of [me, b]) x.c.close();
  });
});

test('old form CLIENT KILL ip:port replies OK or "No such client", and may kill the caller', async () => {
  await withServer(async (srv) => {
    const [me, a] = [await connect(srv), await connect(srv)];
    assert.equal(await me.c.call('CLIENT', 'KILL', a.addr), '+OK\r\n');
    await a.c.waitClosed();
    assert.equal(await me.c.call('CLIENT', 'KILL', a.addr), '-ERR No such client\r\n');
    me.c.send('CLIENT', 'KILL', me.addr);
    me.c.send('PING');
    assert.equal(await me.c.read(), '+OK\r\n');
    assert.equal(await me.c.waitClosed(), '');
  });
});

test('node-redis CLIENT KILL with filters kills the matching connection', async () => {
  await withServer(async (srv) => {
    const victim = await connect(srv);
    const c = createClient({ socket: { port: srv.port, host: '127.0.0.1' } });
    try {
      await c.connect();
      const killed = await c.sendCommand(['CLIENT', 'KILL', 'ID', victim.id, 'SKIPME', 'yes']);
      assert.equal(killed, 1);
      await victim.c.waitClosed();
      assert.equal(await c.ping(), 'PONG');
    } finally {
      await c.disconnect();
    }
  });
});

test('CLIENT KILL MAXAGE (Redis 7.4) closes the clients connected for at least that many seconds', async () => {
  await withServer(async (srv) => {
    const old = await connect(srv);
    await new Promise((r) => setTimeout(r, 2100));
    const [me, fresh] = [await connect(srv), await connect(srv)];
    assert.equal(
      await me.c.call('CLIENT', 'KILL', 'MAXAGE', 'x'),
      '-ERR maxage is not an integer or out of range\r\n',
    );
    assert.equal(
      await me.c.call('CLIENT', 'KILL', 'MAXAGE', '0'),
      '-ERR maxage should be greater than 0\r\n',
    );
    assert.equal(await me.c.call('CLIENT', 'KILL', 'MAXAGE', '2'), ':1\r\n');
    await old.c.waitClosed();
    assert.ok(await alive(fresh));
    assert.equal(await me.c.call('CLIENT', 'KILL', 'MAXAGE', '2', 'SKIPME', 'no'), ':0\r\n');
    for (const x of [me, fresh]) x.c.close();
  });
});
