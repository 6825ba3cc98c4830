/**
 * Transactions against the oracle, byte for byte, in RESP2 and RESP3: MULTI/EXEC/DISCARD
 * queuing and errors (EXECABORT), runtime errors inside EXEC, commands refused inside MULTI,
 * blocking commands inside MULTI, WATCH invalidated by other clients' writes (including
 * expiry, FLUSHDB/FLUSHALL, SWAPDB, RENAME, MOVE, COPY), UNWATCH, and the MULTI state in
 * CLIENT INFO. Several connections per server play the clients of each scenario.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPair, fmt, type Cmd, type Pair } from '../helpers/compat.js';
import net from 'node:net';
import { RawClient, encodeCommand } from '../helpers/raw-client.js';

let pair: Pair;
/** Connections to the oracle and to Respite; index 0 is the pair's own. */
const o: RawClient[] = [];
const r: RawClient[] = [];

before(async () => {
  pair = await startPair(['--enable-debug-command', 'yes']);
  o.push(pair.o);
  r.push(pair.r);
  for (let i = 1; i < 3; i++) {
    o.push(await RawClient.connect(pair.oracle.port));
    r.push(await RawClient.connect(pair.respite.port));
  }
});

after(async () => {
  for (let i = 1; i < o.length; i++) {
    o[i].close();
    r[i].close();
  }
  await pair.close();
});

/** A command sent by connection `who` (0, 1 or 2). */
type Step = [who: number, ...cmd: Cmd];

/** Runs the steps in order on both servers, comparing every reply. */
async function same(...steps: Step[]): Promise<void> {
  for (const [who, ...cmd] of steps) {
    o[who].send(...cmd);
    r[who].send(...cmd);
    const [a, b] = [await o[who].read(), await r[who].read()];
    assert.equal(
      b,
      a,
      `reply to ${fmt(cmd)} (client ${who}) differs:\n  redis:   ${JSON.stringify(a)}\n  respite: ${JSON.stringify(b)}`,
    );
  }
}

/** Runs a transaction on client 0 and compares every reply. */
function tx(...cmds: Cmd[]): Promise<void> {
  return same([0, 'MULTI'], ...cmds.map((c): Step => [0, ...c]), [0, 'EXEC']);
}

/** Waits until a connection's key has expired on both servers (by TTL, not by deletion). */
async function waitExpired(key: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const [a, b] = await Promise.all([o[2].call('PTTL', key), r[2].call('PTTL', key)]);
    if (a === ':-2\r\n' && b === ':-2\r\n') return;
    await new Promise((res) => setTimeout(res, 5));
  }
  throw new Error(`${key} did not expire`);
}

/** Switches connection `who` to RESP3 on both servers (HELLO's reply carries the id). */
async function hello3(who: number): Promise<void> {
  await Promise.all([o[who].call('HELLO', '3'), r[who].call('HELLO', '3')]);
}

/** The MULTI-related fields of CLIENT INFO lines (the rest are addresses, ids, memory). */
function clientState(reply: string): string {
  return (reply.match(/ (flags|multi|cmd)=\S+/g) ?? []).join('');
}

async function resetAll(): Promise<void> {
  for (let i = 0; i < 3; i++) await same([i, 'RESET']);
  await same([0, 'FLUSHALL']);
}

for (const proto of [2, 3] as const) {
  describe(`RESP${proto}`, () => {
    before(async () => {
      await resetAll();
      if (proto === 3) {
        for (let i = 0; i < 3; i++) await hello3(i);
      }
    });

    test('MULTI queues commands and EXEC returns their replies in order', async () => {
      await tx(['SET', 'k', 'v'], ['GET', 'k'], ['HSET', 'h', 'f', 'v'], ['HGETALL', 'h'], ['PING']);
      await tx();
      await tx(['ZADD', 'z', '1.5', 'a'], ['ZSCORE', 'z', 'a'], ['SMEMBERS', 'nosuch'], ['GET', 'nosuch']);
    });

    test('runtime errors inside EXEC do not stop the other commands', async () => {
      await same([0, 'SET', 'str', 'abc']);
      await tx(['INCR', 'str'], ['LPUSH', 'str', 'x'], ['SET', 'after', '1'], ['GET', 'after']);
    });

    test('nested MULTI, WATCH inside MULTI, EXEC and DISCARD without MULTI are errors', async () => {
      await same(
        [0, 'EXEC'],
        [0, 'DISCARD'],
        [0, 'MULTI'],
        [0, 'MULTI'],
        [0, 'WATCH', 'k'],
        [0, 'PING'],
        [0, 'EXEC'],
      );
      await same([0, 'MULTI'], [0, 'SET', 'd', '1'], [0, 'DISCARD'], [0, 'GET', 'd'], [0, 'EXEC']);
    });

    test('a command refused while queuing makes EXEC fail with EXECABORT', async () => {
      await same([0, 'MULTI'], [0, 'NOSUCHCOMMAND', 'a'], [0, 'SET', 'x', '1'], [0, 'EXEC'], [0, 'GET', 'x']);
      await same([0, 'MULTI'], [0, 'GET'], [0, 'EXEC']);
      await same([0, 'MULTI'], [0, 'CLIENT', 'NOSUCH'], [0, 'EXEC']);
      await same([0, 'MULTI'], [0, 'SET', 'x', '1'], [0, 'SET', 'x'], [0, 'DISCARD', 'extra'], [0, 'EXEC']);
    });

    test('commands flagged no-multi are refused inside MULTI', async () => {
      await same([0, 'MULTI'], [0, 'SHUTDOWN', 'NOSAVE'], [0, 'EXEC']);
    });

    test('EXEC with arguments discards the transaction with the reason, in MULTI or not', async () => {
      await same([0, 'MULTI'], [0, 'SET', 'y', '1'], [0, 'EXEC', 'extra'], [0, 'EXEC'], [0, 'GET', 'y']);
      await same([0, 'EXEC', 'extra']);
    });

    test('blocking commands inside MULTI answer at once as on timeout', async () => {
      await tx(
        ['BLPOP', 'nol', '0'],
        ['BRPOP', 'nol', '0'],
        ['BLMOVE', 'nol', 'dst', 'LEFT', 'RIGHT', '0'],
        ['BRPOPLPUSH', 'nol', 'dst', '0'],
        ['BLMPOP', '0', '1', 'nol', 'LEFT'],
        ['BZPOPMIN', 'noz', '0'],
        ['BZPOPMAX', 'noz', '0'],
        ['BZMPOP', '0', '1', 'noz', 'MIN'],
      );
      await same([0, 'RPUSH', 'l', 'a', 'b', 'c'], [0, 'ZADD', 'zz', '1', 'a', '2', 'b']);
      await tx(
        ['BLPOP', 'l', '0'],
        ['BRPOP', 'l', '0'],
        ['BLMOVE', 'l', 'dst', 'LEFT', 'RIGHT', '0'],
        ['BZPOPMIN', 'zz', '0'],
        ['BZMPOP', '0', '1', 'zz', 'MAX'],
        ['LRANGE', 'dst', '0', '-1'],
      );
    });

    test('clients blocked on keys are served after EXEC as a whole', async () => {
      o[1].send('BLPOP', 'q', '0');
      r[1].send('BLPOP', 'q', '0');
      await new Promise((res) => setTimeout(res, 50));
      // Pushed and popped inside the transaction: nothing is left to serve.
      await tx(['LPUSH', 'q', 'a'], ['LPOP', 'q']);
      await tx(['LPUSH', 'q', 'a'], ['LPUSH', 'q', 'b']);
      const [a, b] = [await o[1].read(), await r[1].read()];
      assert.equal(b, a);
      await same([0, 'LRANGE', 'q', '0', '-1']);
    });

    test('MONITOR inside EXEC is refused; failing SELECTs do not stop the transaction', async () => {
      await tx(['MONITOR'], ['PING']);
      await tx(['SELECT', '99'], ['SELECT', 'x'], ['PING']);
    });

    test('SELECT inside MULTI stays in effect after EXEC', async () => {
      await tx(['SELECT', '3'], ['SET', 'in3', 'v']);
      await same([0, 'GET', 'in3'], [0, 'SELECT', '0'], [0, 'GET', 'in3']);
    });

    test('a pipelined transaction gets its replies in one go', async () => {
      const cmds: Cmd[] = [
        ['MULTI'],
        ['INCR', 'p'],
        ['INCR', 'p'],
        ['NOPE'],
        ['EXEC'],
        ['MULTI'],
        ['INCR', 'p'],
        ['EXEC'],
      ];
      for (const c of cmds) {
        o[0].send(...c);
        r[0].send(...c);
      }
      for (const c of cmds) {
        const [a, b] = [await o[0].read(), await r[0].read()];
        assert.equal(b, a, `reply to ${fmt(c)}`);
      }
    });

    test('CLIENT INFO shows the x flag and the queued count while in MULTI, cleared by EXEC, DISCARD, RESET', async () => {
      const fields = async (): Promise<void> => {
        const [a, b] = await pair.both('CLIENT', 'INFO');
        assert.equal(clientState(b), clientState(a));
      };
      await fields();
      await same([0, 'MULTI'], [0, 'PING'], [0, 'CLIENT', 'INFO']);
      const [a, b] = await pair.both('EXEC');
      assert.equal(clientState(b), clientState(a));
      assert.match(a, / flags=x .* multi=2 /);
      await fields();
      await same([0, 'MULTI'], [0, 'PING'], [0, 'DISCARD']);
      await fields();
      await same([0, 'MULTI'], [0, 'PING'], [0, 'RESET']);
      await fields();
      if (proto === 3) await hello3(0);
    });

    describe('WATCH', () => {
      test('a write by another client makes EXEC return a null array', async () => {
        await same(
          [0, 'SET', 'w', '1'],
          [0, 'WATCH', 'w'],
          [1, 'SET', 'w', '2'],
          [0, 'MULTI'],
          [0, 'GET', 'w'],
          [0, 'EXEC'],
        );
        // Not touched: EXEC runs.
        await same([0, 'WATCH', 'w'], [1, 'GET', 'w'], [0, 'MULTI'], [0, 'GET', 'w'], [0, 'EXEC']);
        // A client's own write before MULTI counts too.
        await same([0, 'WATCH', 'w'], [0, 'SET', 'w', '3'], [0, 'MULTI'], [0, 'GET', 'w'], [0, 'EXEC']);
      });

      test('every kind of write touches the key; writes that change nothing do not', async () => {
        const writes: Cmd[] = [
          ['DEL', 'w'],
          ['EXPIRE', 'w', '100'],
          ['PERSIST', 'w'],
          ['APPEND', 'w', 'x'],
          ['INCR', 'w'],
          ['SETRANGE', 'w', '0', 'z'],
          ['RENAME', 'w', 'w2'],
          ['RENAME', 'w3', 'w'],
          ['MOVE', 'w', '5'],
          ['COPY', 'w3', 'w', 'REPLACE'],
          ['SET', 'w', 'x', 'NX'],
          ['SET', 'w', 'x', 'XX'],
          ['DEL', 'nosuch'],
          ['GETDEL', 'w'],
          ['GETEX', 'w', 'EX', '100'],
          ['GETEX', 'w'],
          ['UNLINK', 'w'],
          ['FLUSHDB'],
          ['SWAPDB', '0', '1'],
        ];
        for (const w of writes) {
          await same(
            [0, 'FLUSHALL'],
            [0, 'SET', 'w', '1'],
            [0, 'SET', 'w3', '3'],
            [0, 'SET', 'w', '1', 'EX', '1000'],
          );
          await same([0, 'WATCH', 'w'], [1, ...w], [0, 'MULTI'], [0, 'PING'], [0, 'EXEC']);
        }
        for (const w of [
          ['LPUSH', 'wl', 'a'],
          ['SADD', 'ws', 'a'],
          ['HSET', 'wh', 'f', 'v'],
          ['ZADD', 'wz', '1', 'a'],
        ]) {
          await same([0, 'WATCH', w[1]], [1, ...w], [0, 'MULTI'], [0, 'PING'], [0, 'EXEC']);
          // Adding an existing member changes nothing.
          await same([0, 'WATCH', w[1]], [1, ...w], [0, 'MULTI'], [0, 'PING'], [0, 'EXEC']);
        }
      });

      test('FLUSHDB, FLUSHALL and SWAPDB touch watched keys that exist on either side only', async () => {
        await same([0, 'FLUSHALL'], [0, 'SET', 'f', '1']);
        await same([0, 'WATCH', 'f', 'missing'], [1, 'FLUSHDB'], [0, 'MULTI'], [0, 'PING'], [0, 'EXEC']);
        await same([0, 'WATCH', 'missing'], [1, 'FLUSHDB'], [0, 'MULTI'], [0, 'PING'], [0, 'EXEC']);
        await same([0, 'WATCH', 'missing'], [1, 'FLUSHALL'], [0, 'MULTI'], [0, 'PING'], [0, 'EXEC']);
        await same(
          [0, 'SET', 'f', '1'],
          [0, 'WATCH', 'f'],
          [1, 'FLUSHALL'],
          [0, 'MULTI'],
          [0, 'PING'],
          [0, 'EXEC'],
        );
        // FLUSHDB of another database leaves this one's watchers alone.
        await same(
          [0, 'SET', 'f', '1'],
          [0, 'WATCH', 'f'],
          [1, 'SELECT', '4'],
          [1, 'FLUSHDB'],
          [1, 'SELECT', '0'],
          [0, 'MULTI'],
          [0, 'PING'],
          [0, 'EXEC'],
        );
        // SWAPDB: the key exists in the other database only, in neither, in this one.
        await same([0, 'FLUSHALL'], [1, 'SELECT', '1'], [1, 'SET', 's', '1'], [1, 'SELECT', '0']);
        await same([0, 'WATCH', 's'], [1, 'SWAPDB', '0', '1'], [0, 'MULTI'], [0, 'GET', 's'], [0, 'EXEC']);
        await same([0, 'WATCH', 'none'], [1, 'SWAPDB', '0', '1'], [0, 'MULTI'], [0, 'GET', 's'], [0, 'EXEC']);
        await same([0, 'WATCH', 's'], [1, 'SWAPDB', '1', '0'], [0, 'MULTI'], [0, 'GET', 's'], [0, 'EXEC']);
        await same([0, 'WATCH', 's'], [1, 'SWAPDB', '2', '3'], [0, 'MULTI'], [0, 'GET', 's'], [0, 'EXEC']);
      });

      test('WATCH is per database: a write to the same name elsewhere does not touch it', async () => {
        await same([0, 'FLUSHALL'], [0, 'SELECT', '1'], [0, 'WATCH', 'dbk'], [1, 'SET', 'dbk', '1']);
        await same([0, 'MULTI'], [0, 'PING'], [0, 'EXEC']);
        await same([0, 'WATCH', 'dbk'], [1, 'SELECT', '1'], [1, 'SET', 'dbk', '1'], [1, 'SELECT', '0']);
        await same([0, 'MULTI'], [0, 'PING'], [0, 'EXEC'], [0, 'SELECT', '0']);
        // Watching from db 1 then selecting db 0 still watches db 1's key.
        await same([0, 'SELECT', '1'], [0, 'WATCH', 'dbk'], [0, 'SELECT', '0'], [1, 'SELECT', '1']);
        await same([1, 'DEL', 'dbk'], [1, 'SELECT', '0'], [0, 'MULTI'], [0, 'PING'], [0, 'EXEC']);
      });

      test('UNWATCH, EXEC, DISCARD and RESET forget the watched keys', async () => {
        await same(
          [0, 'WATCH', 'u'],
          [0, 'UNWATCH'],
          [1, 'SET', 'u', '1'],
          [0, 'MULTI'],
          [0, 'PING'],
          [0, 'EXEC'],
        );
        // UNWATCH after the key was touched clears the failure too.
        await same(
          [0, 'WATCH', 'u'],
          [1, 'SET', 'u', '2'],
          [0, 'UNWATCH'],
          [0, 'MULTI'],
          [0, 'PING'],
          [0, 'EXEC'],
        );
        await same([0, 'WATCH', 'u'], [0, 'MULTI'], [0, 'PING'], [0, 'EXEC'], [1, 'SET', 'u', '3']);
        await same([0, 'MULTI'], [0, 'PING'], [0, 'EXEC']);
        await same([0, 'WATCH', 'u'], [0, 'MULTI'], [0, 'DISCARD'], [1, 'SET', 'u', '4']);
        await same([0, 'MULTI'], [0, 'PING'], [0, 'EXEC']);
        await same(
          [0, 'WATCH', 'u'],
          [1, 'SET', 'u', '5'],
          [0, 'RESET'],
          [0, 'MULTI'],
          [0, 'PING'],
          [0, 'EXEC'],
        );
        if (proto === 3) await hello3(0);
        await same(
          [0, 'UNWATCH'],
          [0, 'WATCH', 'u', 'u', 'v'],
          [1, 'SET', 'v', '1'],
          [0, 'MULTI'],
          [0, 'EXEC'],
        );
      });

      test('expiry: a key expiring after WATCH fails EXEC; one already expired at WATCH does not', async () => {
        await o[0].call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
        pair.respite.server.activeExpireEnabled = false;
        try {
          await same([0, 'FLUSHALL']);
          // Expires between WATCH and EXEC (still in the keyspace: only EXEC notices).
          await same([0, 'SET', 'e', '1', 'PX', '200'], [0, 'WATCH', 'e']);
          await waitExpired('e');
          await same([0, 'MULTI'], [0, 'PING'], [0, 'EXEC']);
          // Already expired when watched: expiring it (a lazy delete) is no change...
          await same([0, 'SET', 'e', '1', 'PX', '1']);
          await waitExpired('e');
          await same([0, 'WATCH', 'e'], [1, 'GET', 'e'], [0, 'MULTI'], [0, 'PING'], [0, 'EXEC']);
          await same([0, 'SET', 'a', '1', 'PX', '1'], [0, 'SET', 'b', '1', 'PX', '1']);
          await waitExpired('a');
          await waitExpired('b');
          await same([0, 'WATCH', 'a', 'b'], [1, 'DEL', 'b'], [0, 'MULTI'], [0, 'PING'], [0, 'EXEC']);
          // ... but writing it is.
          await same([0, 'SET', 'e', '1', 'PX', '1']);
          await waitExpired('e');
          await same([0, 'WATCH', 'e'], [1, 'SET', 'e', '2'], [0, 'MULTI'], [0, 'PING'], [0, 'EXEC']);
          // Expired when watched and deleted by FLUSHALL: no change.
          await same([0, 'SET', 'e', '1', 'PX', '1']);
          await waitExpired('e');
          await same([0, 'WATCH', 'e'], [1, 'FLUSHALL'], [0, 'MULTI'], [0, 'PING'], [0, 'EXEC']);
          // SWAPDB bringing in an expired key does not touch a missing watched key.
          await same([1, 'SELECT', '1'], [1, 'SET', 'e', '1', 'PX', '1'], [1, 'SELECT', '0']);
          await new Promise((res) => setTimeout(res, 20));
          await same([0, 'WATCH', 'e'], [1, 'SWAPDB', '0', '1'], [0, 'MULTI'], [0, 'PING'], [0, 'EXEC']);
          await same([0, 'WATCH', 'e'], [1, 'SWAPDB', '0', '1'], [0, 'MULTI'], [0, 'PING'], [0, 'EXEC']);
        } finally {
          await o[0].call('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
          pair.respite.server.activeExpireEnabled = true;
        }
      });

      test('active expiry of a watched key fails EXEC', async () => {
        await same([0, 'FLUSHALL'], [0, 'SET', 'ae', '1', 'PX', '50'], [0, 'WATCH', 'ae']);
        for (let i = 0; i < 400; i++) {
          const [a, b] = await Promise.all([o[1].call('DBSIZE'), r[1].call('DBSIZE')]);
          if (a === ':0\r\n' && b === ':0\r\n') break;
          await new Promise((res) => setTimeout(res, 10));
        }
        await same([0, 'MULTI'], [0, 'PING'], [0, 'EXEC']);
      });
    });
  });
}

describe('observability', () => {
  test('MONITOR shows MULTI, the commands EXEC runs, then EXEC; commandstats count them', async () => {
    await same([0, 'RESET'], [0, 'CONFIG', 'RESETSTAT']);
    const om = await RawClient.connect(pair.oracle.port);
    const rm = await RawClient.connect(pair.respite.port);
    try {
      assert.equal(await rm.call('MONITOR'), await om.call('MONITOR'));
      const steps: Cmd[] = [
        ['MULTI'],
        ['SET', 'k', 'v'],
        ['INCR', 'k'],
        ['NOPE'],
        ['EXEC'],
        ['MULTI'],
        ['SET', 'k', '1'],
        ['INCR', 'k'],
        ['EXEC'],
        ['EXEC', 'x'],
        ['MULTI'],
        ['GET', 'k'],
        ['EXEC', 'x'],
        ['MULTI'],
        ['DISCARD'],
        ['WATCH', 'k'],
        ['UNWATCH'],
        ['ECHO', 'end'],
      ];
      await same(...steps.map((c): Step => [0, ...c]));
      const lines = async (m: RawClient): Promise<string[]> => {
        const out: string[] = [];
        for (;;) {
          // "+<time> [<db> <addr>] <args>": keep the arguments.
          const l = (await m.read()).replace(/^\+\S+ \[\d+ [^\]]*\] /, '');
          out.push(l);
          if (l.startsWith('"ECHO"')) return out;
        }
      };
      assert.deepEqual(await lines(rm), await lines(om));
      const stats = (s: string): string[] =>
        s
          .split('\r\n')
          .filter((l) => /^cmdstat_(multi|exec|discard|watch|unwatch|set|incr|get):/.test(l))
          .map((l) => l.replace(/usec=\d+,usec_per_call=[\d.]+,/, ''))
          .sort();
      const [a, b] = await pair.both('INFO', 'commandstats');
      assert.deepEqual(stats(b), stats(a));
      const [ea, eb] = await pair.both('INFO', 'errorstats');
      assert.equal(eb, ea);
    } finally {
      om.close();
      rm.close();
    }
  });
});

/** Writes raw bytes on a new connection and returns everything received within ms. */
function rawExchange(port: number, data: string, ms = 300): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host: '127.0.0.1' }, () => sock.write(data, 'latin1'));
    let got = '';
    sock.on('data', (d: Buffer) => (got += d.latin1Slice()));
    sock.on('error', reject);
    setTimeout(() => {
      sock.destroy();
      resolve(got);
    }, ms);
  });
}

describe('CLIENT REPLY', () => {
  test('CLIENT REPLY OFF inside EXEC silences the rest of the transaction at once', async () => {
    const batch = [
      ['MULTI'],
      ['PING'],
      ['CLIENT', 'REPLY', 'OFF'],
      ['PING'],
      ['EXEC'],
      ['CLIENT', 'REPLY', 'ON'],
      ['ECHO', 'x'],
    ]
      .map((c) => encodeCommand(c).latin1Slice())
      .join('');
    const [a, b] = await Promise.all([
      rawExchange(pair.oracle.port, batch),
      rawExchange(pair.respite.port, batch),
    ]);
    assert.equal(b, a);
  });
});

describe('authentication', () => {
  test('NOAUTH while queuing fails the transaction; a refused EXEC says why', async () => {
    await same([0, 'RESET'], [0, 'CONFIG', 'SET', 'requirepass', 'pw']);
    const oc = await RawClient.connect(pair.oracle.port);
    const rc = await RawClient.connect(pair.respite.port);
    try {
      for (const cmd of [['MULTI'], ['GET', 'k'], ['EXEC'], ['DISCARD']]) {
        const [a, b] = [await oc.call(...cmd), await rc.call(...cmd)];
        assert.equal(b, a, `reply to ${fmt(cmd)}`);
      }
    } finally {
      oc.close();
      rc.close();
      await same([0, 'CONFIG', 'SET', 'requirepass', '']);
    }
  });
});
