/**
 * Connection limits: `timeout` closes idle clients (not blocked or paused ones), and
 * `maxclients` refuses connections beyond the limit with Redis's error, like the oracle.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { RawClient } from '../helpers/raw-client.js';
import { startOracle, startRespite } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

test('timeout closes clients idle for more than that many seconds, and only those', async () => {
  let now = Date.now();
  const srv = await startRespite({ clock: () => now, config: { timeout: 10 } });
  try {
    const [idle, busy, held, admin] = await Promise.all([1, 2, 3, 4].map(() => RawClient.connect(srv.port)));
    for (const c of [idle, busy, held, admin]) assert.equal(await c.call('PING'), '+PONG\r\n');
    assert.equal(await admin.call('CLIENT', 'PAUSE', '600000', 'WRITE'), '+OK\r\n');
    held.send('SET', 'k', 'v');
    now += 6000;
    assert.equal(await busy.call('PING'), '+PONG\r\n');
    assert.equal(await admin.call('PING'), '+PONG\r\n');
    now += 5000;
    srv.server.cron();
    await idle.waitClosed();
    // busy and admin were idle 5 s, held is blocked by the pause: all still there.
    assert.equal(await busy.call('PING'), '+PONG\r\n');
    assert.equal(srv.server.clients.size, 3);
    now += 20000;
    assert.equal(await admin.call('CLIENT', 'UNPAUSE'), '+OK\r\n');
    assert.equal(await held.read(), '+OK\r\n');
    srv.server.cron();
    await busy.waitClosed();
    // The held client's reply, written when the pause ended, counts as activity.
    assert.equal(await held.call('PING'), '+PONG\r\n');
    assert.equal(await admin.call('PING'), '+PONG\r\n');
    for (const c of [held, admin]) c.close();
  } finally {
    await srv.close();
  }
});

test('timeout 0 never closes idle clients', async () => {
  let now = Date.now();
  const srv = await startRespite({ clock: () => now });
  try {
    const c = await RawClient.connect(srv.port);
    now += 365 * 24 * 3600 * 1000;
    srv.server.cron();
    assert.equal(await c.call('PING'), '+PONG\r\n');
    c.close();
  } finally {
    await srv.close();
  }
});

/** Connects until one is refused; returns the accepted clients and the refused one's bytes. */
async function fillUp(port: number, limit: number, first?: RawClient): Promise<[RawClient[], string]> {
  const accepted: RawClient[] = first ? [first] : [];
  while (accepted.length < limit) {
    const c = await RawClient.connect(port);
    assert.equal(await c.call('PING'), '+PONG\r\n');
    accepted.push(c);
  }
  const refused = await RawClient.connect(port);
  const bytes = await refused.waitClosed();
  return [accepted, bytes];
}

test('maxclients refuses the connection beyond the limit with the same error as redis', async () => {
  const oracle = await startOracle(['--maxclients', '3']);
  const srv = await startRespite({ config: { maxclients: 3 } });
  try {
    // Wait until the oracle has noticed that its start-up probe connection is gone.
    const first = await RawClient.connect(oracle.port);
    for (let i = 0; i < 50; i++) {
      if ((await first.call('CLIENT', 'LIST')).split('id=').length === 2) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const [oAccepted, oRefused] = await fillUp(oracle.port, 3, first);
    const [rAccepted, rRefused] = await fillUp(srv.port, 3);
    assert.equal(oRefused, '-ERR max number of clients reached\r\n');
    assert.equal(rRefused, oRefused);
    assert.equal(srv.server.stats.rejectedConnections, 1);
    // Once a client leaves, a new one is accepted again.
    rAccepted[0].close();
    for (let i = 0; i < 100 && srv.server.clients.size > 2; i++) await new Promise((r) => setTimeout(r, 10));
    const again = await RawClient.connect(srv.port);
    assert.equal(await again.call('PING'), '+PONG\r\n');
    again.close();
    for (const c of [...oAccepted, ...rAccepted]) c.close();
  } finally {
    await srv.close();
    await oracle.stop();
  }
});

test('the soft output buffer limit closes a client only after it stayed over it for the seconds given; dropping under it restarts the count', async () => {
  let now = Date.now();
  const srv = await startRespite({ clock: () => now });
  try {
    const sub = await RawClient.connect(srv.port);
    assert.match(await sub.call('SUBSCRIBE', 'ch'), /subscribe/);
    const admin = await RawClient.connect(srv.port);
    assert.equal(
      await admin.call('CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 0 1kb 10'),
      '+OK\r\n',
    );
    const c = [...srv.server.clients.values()].find((x) => x.subscriptions === 1)!;
    // Pending output is simulated in the reply buffer: the check sees it as unsent bytes.
    const over = () => {
      c.out.pos = 0;
      c.out.raw('x'.repeat(2000));
      return srv.server.checkOutputBufferLimits(c);
    };
    const under = () => {
      c.out.pos = 0;
      c.out.raw('x'.repeat(100));
      return srv.server.checkOutputBufferLimits(c);
    };
    assert.equal(over(), false, 'the count starts');
    now += 6000;
    assert.equal(over(), false, '6 s over the soft limit');
    assert.equal(under(), false, 'under the limit: the count is reset');
    now += 6000;
    assert.equal(over(), false, 'over again: a new count starts');
    now += 6000;
    assert.equal(over(), false, '6 s into the new count');
    now += 5000;
    assert.equal(over(), true, '11 s over the soft limit');
    c.out.pos = 0;
    await sub.waitClosed();
    admin.close();
  } finally {
    await srv.close();
  }
});

test('a normal client that stops reading shows its queued replies as omem and is closed at the hard output limit', async () => {
  const srv = await startRespite();
  const socket = net.connect({ port: srv.port, host: '127.0.0.1' });
  try {
    await new Promise((r) => socket.once('connect', r));
    const admin = await RawClient.connect(srv.port);
    assert.equal(await admin.call('CLIENT', 'SETNAME', 'admin'), '+OK\r\n');
    assert.equal(await admin.call('SET', 'big', 'v'.repeat(100_000)), '+OK\r\n');
    socket.pause();
    // ~15 MB of replies the client does not read: the kernel takes a few MB, the rest queues.
    socket.write('GET big\r\n'.repeat(150));
    const omemOfReader = async () => {
      const list = await admin.call('CLIENT', 'LIST');
      const line = list.split('\n').find((l) => !l.includes('name=admin') && l.includes('id='))!;
      return Number(/ omem=(\d+)/.exec(line)![1]);
    };
    let omem = 0;
    for (let i = 0; i < 200 && omem === 0; i++) {
      omem = await omemOfReader();
      if (omem === 0) await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(omem > 0, 'the replies the kernel did not take are counted as omem');
    assert.equal(
      await admin.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 64kb 0 0'),
      '+OK\r\n',
    );
    let received = 0;
    socket.on('data', (d: Buffer) => (received += d.length));
    const closed = new Promise((r) => socket.once('close', r));
    socket.write('GET big\r\n');
    await waitFor(() => srv.server.clients.size === 1, 'the reader to be dropped');
    // The connection is gone: the client reads what the kernel had taken, then the close.
    socket.resume();
    await closed;
    assert.ok(received < 151 * 100_000, `the queued replies were dropped (${received} bytes read)`);
    assert.match(await admin.call('INFO', 'clients'), /connected_clients:1\r\n/);
    admin.close();
  } finally {
    socket.destroy();
    await srv.close();
  }
});
