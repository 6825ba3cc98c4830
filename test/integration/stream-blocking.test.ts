/**
 * Blocking XREAD / XREADGROUP with several real connections. Each scenario runs on the oracle
 * and on Respite with raw clients; the transcripts of replies must be byte-identical: arrival
 * order, `$` and `>`, RESP3, timeouts, and the errors blocked XREADGROUP clients get when their
 * group or stream goes away. Respite-only checks: propagation of the rewritten commands,
 * keyspace events (compared with the oracle's notifications), deny-blocking.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOracle, startRespite, type ChildServer } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw-client.js';
import { onBothPorts, silent, sleep, waitBlocked, type Scenario } from '../helpers/transcripts.js';
import type { RespiteServer } from '../../src/index.js';
import { CLIENT_DENY_BLOCKING } from '../../src/server/client.js';

let oracle: ChildServer;
let respite: RespiteServer;

before(async () => {
  [oracle, respite] = await Promise.all([startOracle(), startRespite()]);
});

after(async () => {
  await respite.close();
  await oracle.stop();
});

/** Runs a scenario on the oracle then on Respite (each flushed first); the transcripts must be identical. */
const onBoth = (scenario: Scenario): Promise<string[]> =>
  onBothPorts([oracle.port, respite.port], scenario, true);

describe('blocking stream reads on the oracle and Respite', () => {
  test('XREAD BLOCK clients on $ are served in arrival order with the new entries, RESP2 and RESP3', async () => {
    const t = await onBoth(async (cs) => {
      const ctl = await cs.open();
      await ctl.call('XADD', 's', '1-0', 'f', 'old');
      const clients = [await cs.open(), await cs.open(), await cs.open()];
      await clients[1].call('HELLO', '3');
      clients[0].send('XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
      await waitBlocked(ctl, 1);
      clients[1].send('XREAD', 'COUNT', '1', 'BLOCK', '0', 'STREAMS', 'other', 's', '$', '$');
      await waitBlocked(ctl, 2);
      clients[2].send('XREAD', 'BLOCK', '0', 'STREAMS', 's', '0-0');
      const out = [await clients[2].read()];
      clients[2].send('XREAD', 'BLOCK', '0', 'STREAMS', 'nokey', '$');
      await waitBlocked(ctl, 3);
      out.push(await ctl.call('XADD', 's', '2-0', 'f', 'new', 'g', 'x'));
      out.push(await clients[0].read(), await clients[1].read());
      await silent(clients[2]);
      out.push(await ctl.call('XADD', 'nokey', '5-5', 'a', 'b'), await clients[2].read());
      await waitBlocked(ctl, 0);
      return out;
    });
    assert.match(t[2], /^\*1\r\n\*2\r\n\$1\r\ns\r\n/);
  });

  test('XREAD BLOCK times out with a null reply and is not woken by other types', async () => {
    await onBoth(async (cs) => {
      const ctl = await cs.open();
      const c = await cs.open();
      const c3 = await cs.open();
      await c3.call('HELLO', '3');
      c.send('XREAD', 'BLOCK', '0', 'STREAMS', 'k', '$');
      await waitBlocked(ctl, 1);
      const out = [await ctl.call('LPUSH', 'k', 'x'), await ctl.call('DEL', 'k')];
      await silent(c);
      out.push(await ctl.call('XADD', 'k', '1-0', 'f', 'v'), await c.read());
      out.push(await c.call('XREAD', 'BLOCK', '30', 'STREAMS', 'k', '$'));
      out.push(await c3.call('XREAD', 'BLOCK', '30', 'STREAMS', 'k', '$'));
      out.push(await c.call('XREAD', 'BLOCK', '30', 'STREAMS', 'k', '0'));
      return out;
    });
  });

  test('XREADGROUP BLOCK on > delivers each new entry to one consumer, in arrival order', async () => {
    await onBoth(async (cs) => {
      const ctl = await cs.open();
      const [a, b] = [await cs.open(), await cs.open()];
      const out = [await ctl.call('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM')];
      a.send('XREADGROUP', 'GROUP', 'g', 'alice', 'BLOCK', '0', 'STREAMS', 's', '>');
      await waitBlocked(ctl, 1);
      b.send('XREADGROUP', 'GROUP', 'g', 'bob', 'COUNT', '10', 'BLOCK', '0', 'NOACK', 'STREAMS', 's', '>');
      await waitBlocked(ctl, 2);
      out.push(await ctl.call('XADD', 's', '1-0', 'f', 'v1'), await a.read());
      await silent(b);
      out.push(await ctl.call('XADD', 's', '2-0', 'f', 'v2'), await b.read());
      out.push(await ctl.call('XPENDING', 's', 'g'), await ctl.call('XINFO', 'GROUPS', 's'));
      return out;
    });
  });

  test('blocked XREADGROUP clients get NOGROUP or UNBLOCKED when their group or stream goes away', async () => {
    await onBoth(async (cs) => {
      const ctl = await cs.open();
      const c = await cs.open();
      const x = await cs.open();
      const out: string[] = [];
      const block = async (): Promise<void> => {
        out.push(await ctl.call('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM'));
        c.send('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>');
        await waitBlocked(ctl, 2);
      };
      // A plain XREAD on the same key keeps waiting through all of it.
      x.send('XREAD', 'BLOCK', '0', 'STREAMS', 's', '9-0');
      await waitBlocked(ctl, 1);
      await block();
      out.push(await ctl.call('XGROUP', 'DESTROY', 's', 'g'), await c.read());
      out.push(await ctl.call('XGROUP', 'DESTROY', 's', 'g0'));
      await block();
      out.push(await ctl.call('DEL', 's'), await c.read());
      await block();
      out.push(await ctl.call('SET', 's', 'str'), await c.read());
      out.push(await ctl.call('DEL', 's'));
      await block();
      out.push(await ctl.call('RENAME', 's', 't'), await c.read());
      // SWAPDB with a database that has no stream at the key, then with one that has a
      // string there: the stream is gone from the client's database either way.
      await block();
      out.push(await ctl.call('SWAPDB', '0', '1'), await c.read());
      out.push(await ctl.call('SELECT', '1'), await ctl.call('DEL', 's'));
      out.push(await ctl.call('SET', 's', 'str'), await ctl.call('SELECT', '0'));
      await block();
      out.push(await ctl.call('SWAPDB', '0', '1'), await c.read());
      out.push(await ctl.call('DEL', 's'));
      await block();
      out.push(await ctl.call('FLUSHALL'), await c.read());
      await waitBlocked(ctl, 1);
      await silent(x);
      out.push(await ctl.call('XADD', 's', '10-0', 'f', 'v'), await x.read());
      await waitBlocked(ctl, 0);
      return out;
    });
  });

  test('a blocked XREADGROUP is served from the history it asked for at once, and times out with null', async () => {
    await onBoth(async (cs) => {
      const c = await cs.open();
      return [
        await c.call('XADD', 's', '1-0', 'f', 'v'),
        await c.call('XGROUP', 'CREATE', 's', 'g', '0'),
        await c.call('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>'),
        await c.call('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '0'),
        await c.call('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '20', 'STREAMS', 's', '>'),
      ];
    });
  });
});

describe('streams on Respite: propagation, keyspace events, deny-blocking', () => {
  test('writes propagate in Redis rewritten forms (generated IDs, XCLAIM for deliveries, exact trims)', async () => {
    const server = respite.server;
    const propagated: string[] = [];
    const saved = server.propagate;
    server.propagate = (_dbid, argv) => void propagated.push(argv.join(' '));
    const c = await RawClient.connect(respite.port);
    try {
      await c.call('FLUSHALL');
      propagated.length = 0;
      const id = (await c.call('XADD', 's', '*', 'f', 'v')).split('\r\n')[1];
      await c.call('XADD', 's2', '5-*', 'f', 'v');
      await c.call('CONFIG', 'SET', 'stream-node-max-entries', '2');
      await c.call('XADD', 't', '1-0', 'f', 'v');
      await c.call('XADD', 't', '2-0', 'f', 'v');
      await c.call('XADD', 't', 'MAXLEN', '~', '1', '3-0', 'f', 'v');
      await c.call('CONFIG', 'SET', 'stream-node-max-entries', '100');
      await c.call('XGROUP', 'CREATE', 't', 'g', '0');
      await c.call('XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 't', '>');
      await c.call('XAUTOCLAIM', 't', 'g', 'bob', '0', '0', 'JUSTID');
      await c.call('XACK', 't', 'g', '3-0');
      const time = /TIME (\d+)/.exec(propagated.find((p) => p.startsWith('XCLAIM')) ?? '')?.[1];
      assert.deepEqual(
        propagated.map((p) => p.replace(/TIME \d+/, 'TIME <t>')),
        [
          `XADD s ${id} f v`,
          'XADD s2 5-0 f v',
          'XADD t 1-0 f v',
          'XADD t 2-0 f v',
          'XADD t MAXLEN = 1 3-0 f v',
          'XGROUP CREATE t g 0',
          'XCLAIM t g alice 0 3-0 TIME <t> RETRYCOUNT 1 FORCE JUSTID LASTID 3-0',
          'XGROUP SETID t g 3-0 ENTRIESREAD 3',
          'XCLAIM t g bob 0 3-0 TIME <t> RETRYCOUNT 1 FORCE JUSTID LASTID 3-0',
          'XACK t g 3-0',
        ],
      );
      assert.ok(time !== undefined && Number(time) > 1e12);
    } finally {
      server.propagate = saved;
      c.close();
    }
  });

  test('keyspace events of stream commands are the oracle notifications', async () => {
    const script: string[][] = [
      ['XADD', 's', '1-0', 'f', 'v'],
      ['XADD', 's', 'MAXLEN', '1', '2-0', 'f', 'v'],
      ['XADD', 's', '3-0', 'f', 'v'],
      ['XDEL', 's', '3-0'],
      ['XDEL', 's', '3-0'],
      ['XTRIM', 's', 'MAXLEN', '0'],
      ['XTRIM', 's', 'MAXLEN', '0'],
      ['XSETID', 's', '9-0'],
      ['XGROUP', 'CREATE', 's', 'g', '0'],
      ['XGROUP', 'CREATE', 'n', 'g', '0', 'MKSTREAM'],
      ['XGROUP', 'CREATECONSUMER', 's', 'g', 'c1'],
      ['XGROUP', 'CREATECONSUMER', 's', 'g', 'c1'],
      ['XGROUP', 'SETID', 's', 'g', '0'],
      ['XADD', 's', '10-0', 'f', 'v'],
      ['XREADGROUP', 'GROUP', 'g', 'c2', 'STREAMS', 's', '>'],
      ['XCLAIM', 's', 'g', 'c3', '0', '10-0'],
      ['XAUTOCLAIM', 's', 'g', 'c4', '0', '0'],
      ['XACK', 's', 'g', '10-0'],
      ['XGROUP', 'DELCONSUMER', 's', 'g', 'c1'],
      ['XGROUP', 'DELCONSUMER', 's', 'g', 'nobody'],
      ['XGROUP', 'DESTROY', 's', 'g'],
      ['DEL', 's'],
    ];
    // The oracle's notifications.
    const o = await RawClient.connect(oracle.port);
    const sub = await RawClient.connect(oracle.port);
    await o.call('FLUSHALL');
    await o.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
    await sub.call('PSUBSCRIBE', '__keyevent@0__:*');
    for (const cmd of script) await o.call(...cmd);
    await o.call('SET', 'end', '1');
    let text = '';
    const deadline = Date.now() + 5000;
    while (!text.includes('\r\nend\r\n') && Date.now() < deadline) {
      await sleep(10);
      text += sub.pending();
    }
    await o.call('CONFIG', 'SET', 'notify-keyspace-events', '');
    o.close();
    sub.close();
    const expected = [...text.matchAll(/__keyevent@0__:([a-z-]+)\r\n\$\d+\r\n([^\r]*)\r\n/g)]
      .map((m) => `${m[1]} ${m[2]}`)
      .filter((e) => e !== 'set end');
    // Respite's, through the notification hook.
    const server = respite.server;
    const events: string[] = [];
    const saved = server.notifyKeyspaceEvent;
    server.notifyKeyspaceEvent = (_type, event, key) => void events.push(`${event} ${key}`);
    const c = await RawClient.connect(respite.port);
    try {
      await c.call('FLUSHALL');
      events.length = 0;
      for (const cmd of script) await c.call(...cmd);
    } finally {
      server.notifyKeyspaceEvent = saved;
      c.close();
    }
    assert.deepEqual(
      events.filter((e) => !e.startsWith('keymiss')),
      expected,
    );
  });

  test('XREAD and XREADGROUP with BLOCK reply at once as on timeout when the client may not block', async () => {
    const c = await RawClient.connect(respite.port);
    try {
      await c.call('FLUSHALL');
      await c.call('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
      const id = Number(/:(\d+)/.exec(await c.call('CLIENT', 'ID'))![1]);
      respite.server.clients.get(id)!.flags |= CLIENT_DENY_BLOCKING;
      assert.equal(await c.call('XREAD', 'BLOCK', '0', 'STREAMS', 's', '$'), '*-1\r\n');
      assert.equal(
        await c.call('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>'),
        '*-1\r\n',
      );
    } finally {
      c.close();
    }
  });
});
