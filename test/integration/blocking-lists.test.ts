/**
 * Blocking list commands with several real connections. Each scenario runs on the oracle and
 * on Respite with raw clients and the transcripts of replies must be byte-identical: arrival
 * order, clients blocked on several keys, BLMOVE cascades, timeouts, CLIENT UNBLOCK,
 * disconnection while blocked, pipelines resumed after serving, RESP3, INFO counters and
 * command statistics. Respite-only checks cover propagation and the deny-blocking flag.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startOracle, startRespite, type ChildServer } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw-client.js';
import { Conns, infoField, onBothPorts, silent, waitBlocked, type Scenario } from '../helpers/transcripts.js';
import type { RespiteServer } from '../../src/index.js';
import { CLIENT_DENY_BLOCKING } from '../../src/server/client.js';
import type { BlockHandler } from '../../src/server/blocking.js';
import { ListValue } from '../../src/store/types/list.js';

let oracle: ChildServer;
let respite: RespiteServer;

before(async () => {
  [oracle, respite] = await Promise.all([startOracle(), startRespite()]);
});

after(async () => {
  await respite.close();
  await oracle.stop();
});

/** Runs a scenario on the oracle then on Respite; the transcripts must be identical. */
const onBoth = (scenario: Scenario): Promise<string[]> => onBothPorts([oracle.port, respite.port], scenario);

describe('blocking list commands on the oracle and Respite', () => {
  test('clients blocked on one key are served in arrival order', async () => {
    const t = await onBoth(async (cs) => {
      const ctl = await cs.open();
      const clients = [await cs.open(), await cs.open(), await cs.open()];
      for (let i = 0; i < clients.length; i++) {
        clients[i].send(i === 1 ? 'BRPOP' : 'BLPOP', 'order', '0');
        await waitBlocked(ctl, i + 1);
      }
      const out = [await ctl.call('RPUSH', 'order', 'a', 'b', 'c', 'd')];
      for (const c of clients) out.push(await c.read());
      out.push(await ctl.call('LRANGE', 'order', '0', '-1'));
      await waitBlocked(ctl, 0);
      return out;
    });
    assert.deepEqual(t.slice(1, 4), [
      '*2\r\n$5\r\norder\r\n$1\r\na\r\n',
      '*2\r\n$5\r\norder\r\n$1\r\nd\r\n',
      '*2\r\n$5\r\norder\r\n$1\r\nb\r\n',
    ]);
  });

  test('clients blocked on several keys are served from the key that became ready, in order', async () => {
    await onBoth(async (cs) => {
      const ctl = await cs.open();
      const [c1, c2, c3] = [await cs.open(), await cs.open(), await cs.open()];
      c1.send('BLPOP', 'mk1', 'mk2', '0');
      await waitBlocked(ctl, 1);
      c2.send('BLPOP', 'mk2', 'mk1', '0');
      await waitBlocked(ctl, 2);
      c3.send('BRPOP', 'mk2', '0');
      await waitBlocked(ctl, 3);
      const out = [await ctl.call('RPUSH', 'mk2', 'x', 'y'), await c1.read(), await c2.read()];
      await silent(c3);
      out.push(await ctl.call('RPUSH', 'mk1', 'z'), await ctl.call('LLEN', 'mk1'));
      out.push(await ctl.call('RPUSH', 'mk2', 'w'), await c3.read(), await ctl.call('LPOP', 'mk1'));
      await waitBlocked(ctl, 0);
      return out;
    });
  });

  test('BLPOP with several keys takes the first non-empty one in argument order', async () => {
    await onBoth(async (cs) => {
      const c = await cs.open();
      return [
        await c.call('RPUSH', 'ne3', 'three', '3', 'drei'),
        await c.call('RPUSH', 'ne2', 'two'),
        await c.call('BLPOP', 'ne1', 'ne2', 'ne3', '0'),
        await c.call('BRPOP', 'ne1', 'ne2', 'ne3', '0'),
        await c.call('BLMPOP', '0', '3', 'ne1', 'ne2', 'ne3', 'LEFT', 'COUNT', '5'),
      ];
    });
  });

  test('timeout 0 waits until a push; a fractional timeout replies the null array after it', async () => {
    for (const port of [oracle.port, respite.port]) {
      const cs = new Conns(port);
      try {
        const ctl = await cs.open();
        const c = await cs.open();
        c.send('BLPOP', 'forever', '0');
        await waitBlocked(ctl, 1);
        await silent(c, 200);
        await ctl.call('RPUSH', 'forever', 'v');
        assert.equal(await c.read(), '*2\r\n$7\r\nforever\r\n$1\r\nv\r\n');
        const t0 = Date.now();
        assert.equal(await c.call('BLPOP', 'fraction', '0.1'), '*-1\r\n');
        assert.ok(Date.now() - t0 >= 95, 'the timeout is not cut short');
        assert.equal(await c.call('BLMOVE', 'fraction', 'd', 'LEFT', 'LEFT', '0.05'), '*-1\r\n');
        assert.equal(await c.call('BLMPOP', '0.05', '1', 'fraction', 'LEFT'), '*-1\r\n');
        await waitBlocked(ctl, 0);
      } finally {
        cs.close();
      }
    }
  });

  test('a BLMOVE served by a push wakes the clients blocked on its destination, in a chain', async () => {
    await onBoth(async (cs) => {
      const ctl = await cs.open();
      const [c1, c2, c3, c4] = [await cs.open(), await cs.open(), await cs.open(), await cs.open()];
      c1.send('BLMOVE', 'chain-src', 'chain-mid', 'LEFT', 'RIGHT', '0');
      await waitBlocked(ctl, 1);
      c2.send('BRPOPLPUSH', 'chain-mid', 'chain-out', '0');
      await waitBlocked(ctl, 2);
      c3.send('BLPOP', 'chain-out', '0');
      await waitBlocked(ctl, 3);
      c4.send('BLMPOP', '0', '1', 'chain-out', 'LEFT', 'COUNT', '3');
      await waitBlocked(ctl, 4);
      const out = [await ctl.call('RPUSH', 'chain-src', 'job1', 'job2')];
      out.push(await c1.read(), await c2.read(), await c3.read());
      await silent(c4);
      out.push(await ctl.call('LRANGE', 'chain-src', '0', '-1'), await ctl.call('LLEN', 'chain-mid'));
      out.push(await ctl.call('RPOPLPUSH', 'chain-src', 'chain-out'), await c4.read());
      out.push(await ctl.call('LLEN', 'chain-out'));
      await waitBlocked(ctl, 0);
      return out;
    });
  });

  test('a BLMOVE whose destination turned into a string gets WRONGTYPE and pops nothing', async () => {
    await onBoth(async (cs) => {
      const ctl = await cs.open();
      const c = await cs.open();
      c.send('BLMOVE', 'wt-src', 'wt-dst', 'LEFT', 'LEFT', '0');
      await waitBlocked(ctl, 1);
      const out = [
        await ctl.call('SET', 'wt-dst', 'str'),
        await ctl.call('RPUSH', 'wt-src', 'a', 'b'),
        await c.read(),
      ];
      out.push(await ctl.call('LRANGE', 'wt-src', '0', '-1'), await ctl.call('LPOP', 'wt-src', '2'));
      await waitBlocked(ctl, 0);
      return out;
    });
  });

  test('a client killed while blocked leaves no trace: the others are served and counters return to 0', async () => {
    await onBoth(async (cs) => {
      const ctl = await cs.open();
      const [c1, c2] = [await cs.open(), await cs.open()];
      c1.send('BLPOP', 'kill-k', 'kill-j', '100');
      await waitBlocked(ctl, 1);
      c2.send('BLPOP', 'kill-k', '0');
      await waitBlocked(ctl, 2);
      const info = await ctl.call('INFO', 'clients');
      const out = [`timeout table ${infoField(info, 'clients_in_timeout_table')}`];
      c1.close();
      await waitBlocked(ctl, 1);
      out.push(`timeout table ${infoField(await ctl.call('INFO', 'clients'), 'clients_in_timeout_table')}`);
      out.push(await ctl.call('RPUSH', 'kill-k', 'v'), await c2.read(), await ctl.call('LLEN', 'kill-k'));
      out.push(await ctl.call('RPUSH', 'kill-j', 'v'), await ctl.call('LPOP', 'kill-j'));
      await waitBlocked(ctl, 0);
      return out;
    });
  });

  test('CLIENT UNBLOCK ends a wait with the timeout reply or the UNBLOCKED error, and counts it', async () => {
    await onBoth(async (cs) => {
      const ctl = await cs.open();
      const c = await cs.open();
      const id = /:(\d+)/.exec(await c.call('CLIENT', 'ID'))![1];
      // calls and failed_calls per command (INFO lists them in its own order)
      const stats = async () => {
        const m = new Map<string, number[]>();
        for (const l of (await ctl.call('INFO', 'commandstats')).split('\r\n')) {
          const f = /^cmdstat_(blpop|blmove|client\|unblock):calls=(\d+),.*failed_calls=(\d+)/.exec(l);
          if (f) m.set(f[1], [Number(f[2]), Number(f[3])]);
        }
        return m;
      };
      const before = await stats();
      const out = [await ctl.call('CLIENT', 'UNBLOCK', id)];
      c.send('BLPOP', 'ub', '0');
      await waitBlocked(ctl, 1);
      out.push(await ctl.call('CLIENT', 'UNBLOCK', id, 'TIMEOUT'), await c.read());
      c.send('BLPOP', 'ub', '0');
      await waitBlocked(ctl, 1);
      out.push(await ctl.call('CLIENT', 'UNBLOCK', id, 'ERROR'), await c.read());
      c.send('BLMOVE', 'ub', 'ub2', 'LEFT', 'LEFT', '10');
      await waitBlocked(ctl, 1);
      out.push(await ctl.call('CLIENT', 'UNBLOCK', id, 'error'), await c.read());
      out.push(
        await ctl.call('CLIENT', 'UNBLOCK', id, 'TIMEOUT'),
        await ctl.call('CLIENT', 'UNBLOCK', id, 'MAYBE'),
      );
      out.push(await c.call('PING'));
      await waitBlocked(ctl, 0);
      const after = await stats();
      for (const name of ['blpop', 'blmove', 'client|unblock']) {
        const [c0, f0] = before.get(name) ?? [0, 0];
        const [c1, f1] = after.get(name) ?? [0, 0];
        out.push(`${name}: +${c1 - c0} calls, +${f1 - f0} failed`);
      }
      return out;
    });
  });

  test('a served client runs the commands it pipelined behind the blocking one, in order', async () => {
    await onBoth(async (cs) => {
      const ctl = await cs.open();
      const c = await cs.open();
      c.write(
        '*3\r\n$5\r\nBLPOP\r\n$4\r\npipe\r\n$1\r\n0\r\n' +
          '*1\r\n$4\r\nPING\r\n' +
          '*2\r\n$4\r\nLLEN\r\n$4\r\npipe\r\n' +
          '*3\r\n$5\r\nBRPOP\r\n$4\r\npipe\r\n$1\r\n0\r\n' +
          '*2\r\n$4\r\nECHO\r\n$4\r\ndone\r\n',
      );
      await waitBlocked(ctl, 1);
      await silent(c);
      const out = [await ctl.call('RPUSH', 'pipe', '1')];
      out.push(await c.read(), await c.read(), await c.read());
      await waitBlocked(ctl, 1);
      await silent(c);
      out.push(await ctl.call('RPUSH', 'pipe', '2', '3'), await c.read(), await c.read());
      out.push(await ctl.call('LRANGE', 'pipe', '0', '-1'));
      await waitBlocked(ctl, 0);
      return out;
    });
  });

  test('CLIENT REPLY SKIP silences the served reply; RESP3 clients time out with a null', async () => {
    await onBoth(async (cs) => {
      const ctl = await cs.open();
      const c = await cs.open();
      c.send('CLIENT', 'REPLY', 'SKIP');
      c.send('BLPOP', 'skip', '0');
      await waitBlocked(ctl, 1);
      const out = [
        await ctl.call('RPUSH', 'skip', 'a', 'b'),
        await c.call('PING'),
        await ctl.call('LRANGE', 'skip', '0', '-1'),
      ];
      await c.call('HELLO', '3');
      out.push(
        await c.call('BLPOP', 'r3', '0.02'),
        await c.call('BLMOVE', 'r3', 'x', 'LEFT', 'LEFT', '0.02'),
      );
      c.send('BLMPOP', '0', '1', 'r3', 'RIGHT', 'COUNT', '2');
      await waitBlocked(ctl, 1);
      out.push(await ctl.call('RPUSH', 'r3', 'a', 'b', 'c'), await c.read());
      return out;
    });
  });

  test('clients blocked in another database, on a duplicated key, or twice in a pipeline', async () => {
    await onBoth(async (cs) => {
      const ctl = await cs.open();
      const c = await cs.open();
      const out = [await c.call('SELECT', '1')];
      c.send('BLPOP', 'dbk', 'dbk', '0');
      await waitBlocked(ctl, 1);
      out.push(await ctl.call('RPUSH', 'dbk', 'db0'));
      await silent(c);
      out.push(await ctl.call('SELECT', '1'), await ctl.call('RPUSH', 'dbk', 'x', 'y'), await c.read());
      out.push(await ctl.call('LRANGE', 'dbk', '0', '-1'), await ctl.call('LPOP', 'dbk'));
      out.push(await ctl.call('SELECT', '0'), await ctl.call('LPOP', 'dbk'));
      c.write('*3\r\n$5\r\nBLPOP\r\n$2\r\ntw\r\n$1\r\n0\r\n*3\r\n$5\r\nBLPOP\r\n$2\r\ntw\r\n$1\r\n0\r\n');
      await waitBlocked(ctl, 1);
      out.push(await ctl.call('SELECT', '1'), await ctl.call('RPUSH', 'tw', '1'), await c.read());
      await waitBlocked(ctl, 1);
      out.push(await ctl.call('RPUSH', 'tw', '2'), await c.read());
      await waitBlocked(ctl, 0);
      return out;
    });
  });

  test('served pops add to rdb_changes_since_last_save as in 7.0 (only BLMPOP counts its pops)', async () => {
    await onBoth(async (cs) => {
      const ctl = await cs.open();
      const c = await cs.open();
      const dirty = async () =>
        infoField(await ctl.call('INFO', 'persistence'), 'rdb_changes_since_last_save');
      const out: string[] = [];
      for (const [block, push] of [
        [
          ['BLPOP', 'dk', '0'],
          ['RPUSH', 'dk', 'x', 'y'],
        ],
        [
          ['BRPOP', 'dk', '0'],
          ['RPUSH', 'dk', 'x'],
        ],
        [
          ['BLMOVE', 'dk', 'dd', 'LEFT', 'LEFT', '0'],
          ['RPUSH', 'dk', 'x', 'y'],
        ],
        [
          ['BRPOPLPUSH', 'dk', 'dd', '0'],
          ['RPUSH', 'dk', 'x'],
        ],
        [
          ['BLMPOP', '0', '1', 'dk', 'LEFT', 'COUNT', '5'],
          ['RPUSH', 'dk', 'x', 'y'],
        ],
      ]) {
        c.send(...block);
        await waitBlocked(ctl, 1);
        const d0 = await dirty();
        out.push(await ctl.call(...push), await c.read());
        out.push(`${block[0]} +${(await dirty()) - d0}`);
        out.push(await ctl.call('LPOP', 'dk', '10'), await ctl.call('LPOP', 'dd', '10'));
      }
      return out;
    });
  });

  test('served pops emit the keyspace events of 7.0, in order', async () => {
    const sub = await RawClient.connect(oracle.port);
    const server = respite.server;
    const events: string[] = [];
    const saved = server.notifyKeyspaceEvent;
    server.notifyKeyspaceEvent = (_type, event, key, dbid) => void events.push(`${dbid}:${event}:${key}`);
    try {
      const setup = await RawClient.connect(oracle.port);
      assert.equal(await setup.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA'), '+OK\r\n');
      setup.close();
      await sub.call('PSUBSCRIBE', '__keyevent@*');
      const scenario: Scenario = async (cs) => {
        const ctl = await cs.open();
        const c = await cs.open();
        const out: string[] = [];
        for (const [block, push] of [
          [
            ['BLPOP', 'ek', '0'],
            ['RPUSH', 'ek', 'x'],
          ],
          [
            ['BRPOP', 'ek', '0'],
            ['RPUSH', 'ek', 'x', 'y'],
          ],
          [
            ['BLMOVE', 'ek', 'ed', 'LEFT', 'RIGHT', '0'],
            ['RPUSH', 'ek', 'x'],
          ],
          [
            ['BRPOPLPUSH', 'ek', 'ed', '0'],
            ['RPUSH', 'ek', 'x'],
          ],
          [
            ['BLMPOP', '0', '1', 'ek', 'RIGHT', 'COUNT', '2'],
            ['RPUSH', 'ek', 'x', 'y', 'z'],
          ],
          [
            ['BLMPOP', '0', '1', 'ek', 'LEFT', 'COUNT', '1'],
            ['RPUSH', 'ek', 'x'],
          ],
        ]) {
          c.send(...block);
          await waitBlocked(ctl, 1);
          out.push(await ctl.call(...push), await c.read(), await ctl.call('LPOP', 'ek', '10'));
        }
        out.push(await ctl.call('LPOP', 'ed', '10'));
        return out;
      };
      await onBoth(scenario);
      await sub.send('PING');
      const oracleEvents: string[] = [];
      for (;;) {
        const msg = await sub.read();
        const parts = msg.split('\r\n');
        if (parts[2] === 'pong' || parts[1] === '+PONG') break;
        if (parts[2] !== 'pmessage') continue;
        const m = /^__keyevent@(\d+)__:(.*)$/.exec(parts[6])!;
        oracleEvents.push(`${m[1]}:${m[2]}:${parts[8]}`);
      }
      assert.deepEqual(events, oracleEvents);
    } finally {
      server.notifyKeyspaceEvent = saved;
      sub.close();
      const setup = await RawClient.connect(oracle.port);
      await setup.call('CONFIG', 'SET', 'notify-keyspace-events', '');
      setup.close();
    }
  });

  test('INFO counts blocked clients and those with a deadline', async () => {
    await onBoth(async (cs) => {
      const ctl = await cs.open();
      const [c1, c2] = [await cs.open(), await cs.open()];
      c1.send('BLPOP', 'info-a', '0');
      c2.send('BLMOVE', 'info-b', 'info-c', 'RIGHT', 'LEFT', '50');
      await waitBlocked(ctl, 2);
      const fields = (info: string) =>
        `${infoField(info, 'blocked_clients')}/${infoField(info, 'clients_in_timeout_table')}`;
      const out = [fields(await ctl.call('INFO', 'clients'))];
      out.push(
        await ctl.call('RPUSH', 'info-b', 'v'),
        await c2.read(),
        fields(await ctl.call('INFO', 'clients')),
      );
      out.push(
        await ctl.call('RPUSH', 'info-a', 'v'),
        await c1.read(),
        fields(await ctl.call('INFO', 'clients')),
      );
      out.push(await ctl.call('LPOP', 'info-c'));
      return out;
    });
  });
});

describe('blocking on Respite: propagation, deny-blocking, timeouts', () => {
  test('served and immediate blocking pops propagate as their non-blocking forms', async () => {
    const server = respite.server;
    const propagated: string[] = [];
    const saved = server.propagate;
    server.propagate = (dbid, argv) => void propagated.push(`${dbid} ${argv.join(' ')}`);
    const cs = new Conns(respite.port);
    try {
      const ctl = await cs.open();
      const c = await cs.open();
      const expectServed = async (cmd: string[], push: string[]) => {
        c.send(...cmd);
        await waitBlocked(ctl, 1);
        await ctl.call(...push);
        await c.read();
      };
      await expectServed(['BLPOP', 'pa', '0'], ['RPUSH', 'pa', '1']);
      await expectServed(['BRPOP', 'pa', '0'], ['RPUSH', 'pa', '1']);
      await expectServed(['BLMOVE', 'pa', 'pb', 'LEFT', 'RIGHT', '0'], ['RPUSH', 'pa', '1']);
      await expectServed(['BRPOPLPUSH', 'pa', 'pb', '0'], ['RPUSH', 'pa', '1']);
      await expectServed(['BLMPOP', '0', '1', 'pa', 'RIGHT', 'COUNT', '5'], ['RPUSH', 'pa', '1', '2']);
      await c.call('RPUSH', 'pa', '1', '2', '3', '4', '5', '6');
      await c.call('BLPOP', 'pa', '0');
      await c.call('BRPOP', 'pa', '0');
      await c.call('BLMOVE', 'pa', 'pb', 'RIGHT', 'LEFT', '0');
      await c.call('BRPOPLPUSH', 'pa', 'pb', '0');
      await c.call('BLMPOP', '0', '1', 'pa', 'LEFT', 'COUNT', '5');
      await c.call('LMPOP', '1', 'pb', 'LEFT', 'COUNT', '2');
      assert.deepEqual(propagated, [
        '0 LPOP pa',
        '0 RPOP pa',
        // Served after blocking, 7.0 spells the sides in lowercase (see compat/propagation.test.ts).
        '0 LMOVE pa pb left right',
        '0 RPOPLPUSH pa pb',
        '0 RPOP pa 2',
        '0 LPOP pa',
        '0 RPOP pa',
        '0 LMOVE pa pb RIGHT LEFT',
        '0 RPOPLPUSH pa pb',
        '0 LPOP pa 2',
        '0 LPOP pb 2',
      ]);
    } finally {
      server.propagate = saved;
      cs.close();
    }
  });

  test('a client that may not block (MULTI, scripts) answers at once as on timeout, as EXEC on the oracle', async () => {
    const o = await RawClient.connect(oracle.port);
    const cs = new Conns(respite.port);
    try {
      await o.call('MULTI');
      for (const cmd of [
        ['BLPOP', 'deny', '0'],
        ['BRPOP', 'deny', '0'],
        ['BLMPOP', '0', '1', 'deny', 'LEFT'],
        ['BLMOVE', 'deny', 'x', 'LEFT', 'LEFT', '0'],
        ['BRPOPLPUSH', 'deny', 'x', '0'],
      ])
        await o.call(...cmd);
      const exec = await o.call('EXEC');
      const c = await cs.open();
      const id = Number(/:(\d+)/.exec(await c.call('CLIENT', 'ID'))![1]);
      const client = respite.server.clients.get(id)!;
      client.flags |= CLIENT_DENY_BLOCKING;
      const replies = [
        await c.call('BLPOP', 'deny', '0'),
        await c.call('BRPOP', 'deny', '0'),
        await c.call('BLMPOP', '0', '1', 'deny', 'LEFT'),
        await c.call('BLMOVE', 'deny', 'x', 'LEFT', 'LEFT', '0'),
        await c.call('BRPOPLPUSH', 'deny', 'x', '0'),
      ];
      assert.equal(`*${replies.length}\r\n${replies.join('')}`, exec);
    } finally {
      o.close();
      cs.close();
    }
  });

  test('only waiters for the type a key now holds are served; other creations and SWAPDB scans wake them', async () => {
    const server = respite.server;
    const cs = new Conns(respite.port);
    try {
      const ctl = await cs.open();
      const [listWaiter, zsetWaiter] = [await cs.open(), await cs.open()];
      const zid = Number(/:(\d+)/.exec(await zsetWaiter.call('CLIENT', 'ID'))![1]);
      // A waiter for sorted sets, parked the way BZPOPMIN will park its clients.
      let zsetServed = 0;
      const ZSET: BlockHandler = {
        type: 'zset',
        serve: () => {
          zsetServed++;
          return true;
        },
      };
      const zc = server.clients.get(zid)!;
      server.blocking.blockForKeys(zc, ['mixed'], 0, ZSET, null);
      listWaiter.send('BLPOP', 'mixed', '0');
      await waitBlocked(ctl, 2);
      // A string on the key wakes nobody.
      await ctl.call('SET', 'mixed', 'str');
      await silent(listWaiter);
      server.dbs[0].delete('mixed');
      assert.equal(await ctl.call('RPUSH', 'mixed', 'v'), ':1\r\n');
      assert.equal(await listWaiter.read(), '*2\r\n$5\r\nmixed\r\n$1\r\nv\r\n');
      assert.equal(zsetServed, 0);
      assert.equal(await ctl.call('CLIENT', 'UNBLOCK', String(zid)), ':1\r\n');
      assert.equal(await zsetWaiter.read(), '*-1\r\n');

      // A handler that throws costs its client an error reply, not the server; the next
      // waiter is still served.
      const BROKEN: BlockHandler = {
        type: 'list',
        serve: () => {
          throw new Error('broken handler');
        },
      };
      server.blocking.blockForKeys(zc, ['broken'], 0, BROKEN, null);
      listWaiter.send('BLPOP', 'broken', '0');
      await waitBlocked(ctl, 2);
      assert.equal(await ctl.call('RPUSH', 'broken', 'v'), ':1\r\n');
      assert.match(
        await zsetWaiter.read(),
        /^-ERR internal error executing 'client\|id': broken handler\r\n$/,
      );
      assert.equal(await listWaiter.read(), '*2\r\n$6\r\nbroken\r\n$1\r\nv\r\n');
      assert.equal(await zsetWaiter.call('PING'), '+PONG\r\n');

      // A list added by any code path through Database.add (RENAME, MOVE, COPY...) wakes waiters.
      listWaiter.send('BRPOP', 'added', '0');
      await waitBlocked(ctl, 1);
      server.dbs[0].add('added', ListValue.fromArray(['a', 'b']));
      server.blocking.handleClientsBlockedOnKeys();
      assert.equal(await listWaiter.read(), '*2\r\n$5\r\nadded\r\n$1\r\nb\r\n');

      // Contents replaced behind the keyspace's back (SWAPDB) are found by a scan.
      listWaiter.send('BLPOP', 'swapped', '0');
      await waitBlocked(ctl, 1);
      server.dbs[0].dict.add('swapped', ListValue.fromArray(['s']));
      server.blocking.scanDatabaseForReadyKeys(server.dbs[0]);
      server.blocking.handleClientsBlockedOnKeys();
      assert.equal(await listWaiter.read(), '*2\r\n$7\r\nswapped\r\n$1\r\ns\r\n');
      assert.equal(server.dbs[0].dict.has('swapped'), false);
      await waitBlocked(ctl, 0);
    } finally {
      cs.close();
    }
  });

  test('deadlines fire in order with one timer, and an earlier one re-arms it', async () => {
    const cs = new Conns(respite.port);
    try {
      const ctl = await cs.open();
      const order: number[] = [];
      const clients = await Promise.all([0, 1, 2, 3].map(() => cs.open()));
      const timeouts = ['0.4', '0.3', '0.05', '0.2'];
      const done = clients.map((c, i) => {
        c.send('BLPOP', `deadline${i}`, timeouts[i]);
        return c.read().then((r) => {
          assert.equal(r, '*-1\r\n');
          order.push(i);
        });
      });
      await Promise.all(done);
      assert.deepEqual(order, [2, 3, 1, 0]);
      await waitBlocked(ctl, 0);
      assert.equal(infoField(await ctl.call('INFO', 'clients'), 'clients_in_timeout_table'), 0);
    } finally {
      cs.close();
    }
  });
});
