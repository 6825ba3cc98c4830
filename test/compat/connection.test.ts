/**
 * Connection commands and CLIENT against the oracle: PING, ECHO, QUIT, SELECT, HELLO, AUTH,
 * RESET and every deterministic CLIENT reply, byte for byte. HELLO maps are compared with
 * the client id masked (the two servers number their connections differently); CLIENT LIST
 * and CLIENT INFO lines are compared field by field.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPair, fmt, type Cmd, type Pair } from '../helpers/compat.js';
import { RawClient } from '../helpers/raw-client.js';

const SENTINEL = '__end_of_batch__';
const SENTINEL_REPLY = `$${SENTINEL.length}\r\n${SENTINEL}\r\n`;

/** Sends cmds then ECHO SENTINEL; returns every byte received before the sentinel's reply. */
async function batch(c: RawClient, cmds: Cmd[]): Promise<string[]> {
  for (const cmd of cmds) c.send(...cmd);
  c.send('ECHO', SENTINEL);
  const replies: string[] = [];
  for (;;) {
    const r = await c.read();
    if (r === SENTINEL_REPLY) return replies;
    replies.push(r);
  }
}

/** Sends a batch of commands whose replies may be silenced (CLIENT REPLY) and compares all. */
async function sameBatch(pair: Pair, cmds: Cmd[]): Promise<void> {
  const [a, b] = await Promise.all([batch(pair.o, cmds), batch(pair.r, cmds)]);
  assert.deepEqual(b, a, `replies to the batch ${cmds.map(fmt).join(' | ')} differ`);
}

/** HELLO's reply with the connection id masked. */
function maskId(reply: string): string {
  return reply.replace(/(\$2\r\nid\r\n):\d+\r\n/, '$1:<id>\r\n');
}

async function sameHello(pair: Pair, ...cmd: Cmd): Promise<string> {
  const [a, b] = await pair.both(...cmd);
  assert.equal(maskId(b), maskId(a), `reply to ${fmt(cmd)} differs`);
  return a;
}

/** The text of a CLIENT LIST / CLIENT INFO reply (bulk or verbatim), split into lines of fields. */
function parseClientLines(reply: string): [string, string][][] {
  const m = /^(?:\$\d+\r\n|=\d+\r\ntxt:)([\s\S]*)\r\n$/.exec(reply);
  assert.ok(m, `not a bulk/verbatim CLIENT LIST reply: ${JSON.stringify(reply)}`);
  const text = m[1];
  if (text === '') return [];
  assert.ok(text.endsWith('\n'), 'every CLIENT LIST line ends with a newline');
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) =>
      line.split(' ').map((f) => {
        const eq = f.indexOf('=');
        assert.ok(eq > 0, `field without '=': ${f}`);
        return [f.slice(0, eq), f.slice(eq + 1)] as [string, string];
      }),
    );
}

/** Fields whose values must be equal on both servers (the rest are addresses, ids, memory). */
const DETERMINISTIC = new Set([
  'name',
  'flags',
  'db',
  'sub',
  'psub',
  'ssub',
  'multi',
  'events',
  'cmd',
  'user',
  'redir',
  'resp',
]);

/** Compares CLIENT LIST / INFO replies: same reply type, lines, field order and stable values. */
async function sameClientList(pair: Pair, ...cmd: Cmd): Promise<[string, string][][]> {
  const [a, b] = await pair.both(...cmd);
  assert.equal(b[0], a[0], `reply type to ${fmt(cmd)}: redis ${a.slice(0, 20)} respite ${b.slice(0, 20)}`);
  const oracle = parseClientLines(a);
  const ours = parseClientLines(b);
  assert.equal(ours.length, oracle.length, 'number of CLIENT LIST lines');
  for (let i = 0; i < oracle.length; i++) {
    // Redis 7.2 appended lib-name and lib-ver, which Respite reports since it has CLIENT SETINFO.
    const expectedNames = [...oracle[i].map(([k]) => k), 'lib-name', 'lib-ver'];
    assert.deepEqual(
      ours[i].map(([k]) => k),
      expectedNames,
      'CLIENT LIST fields and their order',
    );
    for (const [k, v] of oracle[i]) {
      if (!DETERMINISTIC.has(k)) continue;
      const mine = ours[i].find(([n]) => n === k)![1];
      assert.equal(mine, v, `CLIENT LIST field ${k}`);
    }
  }
  return ours;
}

describe('connection commands against redis-server', () => {
  let pair: Pair;
  before(async () => {
    pair = await startPair();
  });
  after(async () => {
    await pair.close();
  });

  test('PING and ECHO replies and their argument errors match redis', async () => {
    await pair.same(
      ['PING'],
      ['ping', 'hello'],
      ['PING', ''],
      ['PING', 'a', 'b'],
      ['ECHO', 'x\r\ny'],
      ['ECHO', Buffer.from([0, 0xff, 0x80])],
      ['ECHO'],
      ['ECHO', 'a', 'b'],
    );
  });

  test('SELECT takes 0..15 and rejects other indexes with redis errors', async () => {
    await pair.same(
      ['SELECT', '15'],
      ['SELECT', '0'],
      ['SELECT', '16'],
      ['SELECT', '-1'],
      ['SELECT', '2147483647'],
      ['SELECT', '2147483648'],
      ['SELECT', '-2147483648'],
      ['SELECT', '-2147483649'],
      ['SELECT', '9223372036854775807'],
      ['SELECT', '9223372036854775808'],
      ['SELECT', '01'],
      ['SELECT', '+1'],
      ['SELECT', ' 1'],
      ['SELECT', '1.0'],
      ['SELECT', ''],
      ['SELECT', 'abc'],
      ['SELECT'],
      ['SELECT', '1', '2'],
    );
    await pair.same(
      ['SELECT', '15'],
      ['SET', 'in15', 'v'],
      ['GET', 'in15'],
      ['SELECT', '0'],
      ['GET', 'in15'],
    );
  });

  test('HELLO with no arguments, 2 and 3 replies with the same server map as redis', async () => {
    await sameHello(pair, 'HELLO');
    await sameHello(pair, 'HELLO', '2');
    await sameHello(pair, 'hello', '3');
    // In RESP3 the null and the verbatim types appear.
    await pair.same(['GET', 'nosuchkey'], ['PING'], ['CLIENT', 'GETNAME']);
    await sameHello(pair, 'HELLO');
    await sameHello(pair, 'HELLO', '2');
    await pair.same(['GET', 'nosuchkey']);
  });

  test('HELLO rejects bad versions, options and names with redis errors', async () => {
    await pair.same(
      ['HELLO', '1'],
      ['HELLO', '4'],
      ['HELLO', '-1'],
      ['HELLO', '0'],
      ['HELLO', 'abc'],
      ['HELLO', '2.0'],
      ['HELLO', ''],
      ['HELLO', '99999999999999999999'],
      ['HELLO', '3', 'AUTH'],
      ['HELLO', '3', 'AUTH', 'default'],
      ['HELLO', '3', 'auth', 'nobody', 'pw'],
      ['HELLO', '2', 'SETNAME'],
      ['HELLO', '2', 'SETNAME', 'a b'],
      ['HELLO', '2', 'SETNAME', 'a\nb', 'bogus'],
      ['HELLO', '2', 'bogus'],
      ['HELLO', '2', 'SETNAME', 'ok', 'extra'],
      ['HELLO', '2', 'AUTH', 'default', 'pw', 'SETNAME'],
    );
    // Options apply as they are parsed: a SETNAME before a bad option stays.
    await pair.same(['CLIENT', 'GETNAME'], ['GET', 'nosuchkey'], ['CLIENT', 'SETNAME', '']);
  });

  test('HELLO AUTH and SETNAME options authenticate and name the connection', async () => {
    await sameHello(pair, 'HELLO', '3', 'AUTH', 'default', 'anything', 'SETNAME', 'conn1');
    await pair.same(['CLIENT', 'GETNAME']);
    await sameHello(pair, 'HELLO', '2', 'setname', '');
    await pair.same(['CLIENT', 'GETNAME']);
    await sameHello(pair, 'HELLO', '2', 'SETNAME', 'a', 'SETNAME', 'b');
    await pair.same(['CLIENT', 'GETNAME'], ['CLIENT', 'SETNAME', '']);
  });

  test('AUTH without requirepass: one-argument form errors, default user takes any password', async () => {
    await pair.same(
      ['AUTH', 'pw'],
      ['AUTH', 'default', 'pw'],
      ['AUTH', 'default', ''],
      ['AUTH', 'DEFAULT', 'pw'],
      ['AUTH', 'nobody', 'pw'],
      ['AUTH', 'a', 'b', 'c'],
      ['AUTH'],
      ['PING'],
    );
  });

  test('QUIT replies OK and closes the connection, whatever its arguments', async () => {
    const p = await startPair();
    try {
      await p.same(['QUIT', 'extra', 'args']);
      assert.equal(await p.o.waitClosed(), '');
      assert.equal(await p.r.waitClosed(), '');
    } finally {
      await p.close();
    }
  });

  test('CLIENT SETNAME validates names and GETNAME returns them like redis', async () => {
    await pair.same(
      ['CLIENT', 'GETNAME'],
      ['CLIENT', 'SETNAME', 'my-name_1:{x}~'],
      ['CLIENT', 'GETNAME'],
      ['CLIENT', 'SETNAME', 'has space'],
      ['CLIENT', 'SETNAME', 'new\nline'],
      ['CLIENT', 'SETNAME', 'tab\t'],
      ['CLIENT', 'SETNAME', 'del\x7f'],
      ['CLIENT', 'SETNAME', Buffer.from([0x61, 0x80])],
      ['CLIENT', 'SETNAME', Buffer.from([0xc3, 0xa9])],
      ['CLIENT', 'GETNAME'],
      ['CLIENT', 'SETNAME', ''],
      ['CLIENT', 'GETNAME'],
      ['CLIENT', 'SETNAME'],
      ['CLIENT', 'SETNAME', 'a', 'b'],
      ['CLIENT', 'GETNAME', 'x'],
      ['client', 'setname', 'lower'],
      ['CLIENT', 'GETNAME'],
      ['CLIENT', 'SETNAME', ''],
    );
  });

  test('CLIENT ID, GETREDIR, UNBLOCK, NO-EVICT and simple argument errors match redis', async () => {
    await pair.same(
      ['CLIENT', 'GETREDIR'],
      ['CLIENT', 'NO-EVICT', 'on'],
      ['CLIENT', 'NO-EVICT', 'OFF'],
      ['CLIENT', 'NO-EVICT', 'maybe'],
      ['CLIENT', 'UNBLOCK', '1'],
      ['CLIENT', 'UNBLOCK', '999999', 'TIMEOUT'],
      ['CLIENT', 'UNBLOCK', '999999', 'error'],
      ['CLIENT', 'UNBLOCK', '1', 'later'],
      ['CLIENT', 'UNBLOCK', 'abc'],
      ['CLIENT', 'UNBLOCK', 'abc', 'later'],
      ['CLIENT', 'UNBLOCK', '1', 'timeout', 'x'],
      ['CLIENT', 'UNBLOCK'],
      ['CLIENT', 'ID', 'x'],
      ['CLIENT', 'INFO', 'x'],
      ['CLIENT', 'GETREDIR', 'x'],
      ['CLIENT', 'UNPAUSE', 'x'],
      ['CLIENT', 'HELP', 'x'],
      ['CLIENT'],
      ['CLIENT', 'nosuch'],
      ['Client', 'NoSuch', 'arg'],
    );
    const [a, b] = await pair.both('CLIENT', 'ID');
    assert.match(a, /^:\d+\r\n$/);
    assert.match(b, /^:\d+\r\n$/);
  });

  test('CLIENT KILL errors, filters that match nobody and the old form match redis', async () => {
    await pair.same(
      ['CLIENT', 'KILL'],
      ['CLIENT', 'KILL', '1.2.3.4:5'],
      ['CLIENT', 'KILL', 'id'],
      ['CLIENT', 'KILL', 'ID', '0'],
      ['CLIENT', 'KILL', 'ID', '-1'],
      ['CLIENT', 'KILL', 'ID', 'abc'],
      ['CLIENT', 'KILL', 'ID', '9223372036854775808'],
      ['CLIENT', 'KILL', 'ID', '99999'],
      ['CLIENT', 'KILL', 'TYPE', 'bogus'],
      ['CLIENT', 'KILL', 'TYPE', 'master'],
      ['CLIENT', 'KILL', 'TYPE', 'replica'],
      ['CLIENT', 'KILL', 'TYPE', 'slave'],
      ['CLIENT', 'KILL', 'TYPE', 'pubsub'],
      ['CLIENT', 'KILL', 'USER', 'nobody'],
      ['CLIENT', 'KILL', 'USER', 'default'],
      ['CLIENT', 'KILL', 'SKIPME', 'maybe'],
      ['CLIENT', 'KILL', 'SKIPME', 'yes'],
      ['CLIENT', 'KILL', 'bogus', 'x'],
      ['CLIENT', 'KILL', 'ID', '1', 'TYPE'],
      ['CLIENT', 'KILL', 'ADDR', '1.2.3.4:5', 'LADDR', 'x'],
      ['CLIENT', 'KILL', 'ADDR', '1.2.3.4:5', 'TYPE', 'normal', 'SKIPME', 'no'],
      ['CLIENT', 'KILL', 'TYPE', 'normal', 'ID', '99999', 'SKIPME', 'no'],
      ['CLIENT', 'KILL', 'TYPE', 'bogus', 'SKIPME', 'maybe'],
      ['CLIENT', 'KILL', 'SKIPME', 'maybe', 'TYPE', 'bogus'],
    );
  });

  test('CLIENT KILL with the caller as the only match kills it after the reply', async () => {
    const p = await startPair();
    try {
      // New form with SKIPME no: replies 1, then the connection closes.
      await p.same(['CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'no']);
      assert.equal(await p.o.waitClosed(), '');
      assert.equal(await p.r.waitClosed(), '');
    } finally {
      await p.close();
    }
  });

  test('CLIENT PAUSE, UNPAUSE and their argument errors match redis', async () => {
    await pair.same(
      ['CLIENT', 'PAUSE'],
      ['CLIENT', 'PAUSE', 'abc'],
      ['CLIENT', 'PAUSE', '1.5'],
      ['CLIENT', 'PAUSE', '-0'],
      ['CLIENT', 'PAUSE', '-1'],
      ['CLIENT', 'PAUSE', '9223372036854775808'],
      ['CLIENT', 'PAUSE', '10', 'bogus'],
      ['CLIENT', 'PAUSE', 'abc', 'bogus'],
      ['CLIENT', 'PAUSE', '10', 'write', 'extra'],
      ['CLIENT', 'PAUSE', '0'],
      ['CLIENT', 'PAUSE', '0', 'WRITE'],
      ['CLIENT', 'PAUSE', '0', 'all'],
      ['CLIENT', 'UNPAUSE'],
      ['CLIENT', 'PAUSE', '100000', 'WRITE'],
      ['GET', 'k'],
      ['CLIENT', 'UNPAUSE'],
      ['CLIENT', 'UNPAUSE'],
    );
  });

  test('CLIENT REPLY OFF, ON and SKIP silence exactly the replies redis silences', async () => {
    await pair.same(['CLIENT', 'REPLY', 'bogus'], ['CLIENT', 'REPLY'], ['CLIENT', 'REPLY', 'on', 'x']);
    await sameBatch(pair, [
      ['CLIENT', 'REPLY', 'OFF'],
      ['PING', 'silenced'],
      ['GET'],
      ['NOSUCHCOMMAND'],
      ['CLIENT', 'REPLY', 'SKIP'],
      ['CLIENT', 'REPLY', 'bogus'],
      ['CLIENT', 'REPLY', 'ON'],
      ['PING', 'heard'],
    ]);
    await sameBatch(pair, [
      ['CLIENT', 'REPLY', 'SKIP'],
      ['PING', 'skipped'],
      ['PING', 'heard'],
      ['CLIENT', 'REPLY', 'SKIP'],
      ['NOSUCHCOMMAND'],
      ['PING', 'heard after an unknown command'],
      ['CLIENT', 'REPLY', 'SKIP'],
      ['GET'],
      ['PING', 'heard after an arity error'],
    ]);
    // SKIP twice in a row skips the command after the second; ON while skipping is heard.
    await sameBatch(pair, [
      ['CLIENT', 'REPLY', 'SKIP'],
      ['CLIENT', 'REPLY', 'SKIP'],
      ['PING', 'skipped'],
      ['PING', 'heard'],
      ['CLIENT', 'REPLY', 'SKIP'],
      ['CLIENT', 'REPLY', 'ON'],
      ['PING', 'heard'],
      ['CLIENT', 'REPLY', 'SKIP'],
      ['CLIENT', 'REPLY', 'OFF'],
      ['PING', 'silenced'],
      ['CLIENT', 'REPLY', 'ON'],
      ['CLIENT', 'REPLY', 'OFF'],
      ['CLIENT', 'REPLY', 'SKIP'],
      ['PING', 'still off'],
      ['CLIENT', 'REPLY', 'ON'],
    ]);
    // RESET turns replies back on, but a pending SKIP still swallows RESET's own reply.
    await sameBatch(pair, [
      ['CLIENT', 'REPLY', 'OFF'],
      ['RESET'],
      ['PING', 'after reset'],
      ['CLIENT', 'REPLY', 'SKIP'],
      ['RESET'],
      ['PING', 'after skipped reset'],
    ]);
  });

  test('RESET restores db 0, RESP2, no name and default user; NO-EVICT stays set', async () => {
    await pair.same(['SELECT', '3'], ['SET', 'db3key', 'v'], ['CLIENT', 'SETNAME', 'before-reset']);
    await sameHello(pair, 'HELLO', '3');
    await pair.same(['CLIENT', 'NO-EVICT', 'on'], ['RESET'], ['CLIENT', 'GETNAME'], ['GET', 'db3key']);
    await sameHello(pair, 'HELLO');
    await sameClientList(pair, 'CLIENT', 'INFO');
    await pair.same(['CLIENT', 'NO-EVICT', 'off'], ['RESET'], ['RESET', 'x']);
  });

  test('CLIENT INFO has redis fields in order (plus lib-name and lib-ver) in RESP2 and RESP3', async () => {
    await sameClientList(pair, 'CLIENT', 'INFO');
    await pair.same(['CLIENT', 'SETNAME', 'info-test'], ['SELECT', '2']);
    await sameClientList(pair, 'CLIENT', 'INFO');
    await sameHello(pair, 'HELLO', '3');
    await sameClientList(pair, 'CLIENT', 'INFO');
    await sameClientList(pair, 'CLIENT', 'LIST');
    await sameHello(pair, 'HELLO', '2');
    await pair.same(['SELECT', '0'], ['CLIENT', 'SETNAME', '']);
  });

  test('CLIENT LIST filters by TYPE and ID and reports every client like redis', async () => {
    const o2 = await RawClient.connect(pair.oracle.port);
    const r2 = await RawClient.connect(pair.respite.port);
    try {
      for (const [c, name] of [
        [o2, 'second'],
        [r2, 'second'],
      ] as const) {
        assert.equal(await c.call('CLIENT', 'SETNAME', name), '+OK\r\n');
        assert.equal(await c.call('SELECT', '5'), '+OK\r\n');
      }
      const lines = await sameClientList(pair, 'CLIENT', 'LIST');
      assert.equal(lines.length, 2);
      await sameClientList(pair, 'CLIENT', 'LIST', 'TYPE', 'normal');
      await sameClientList(pair, 'CLIENT', 'LIST', 'type', 'NORMAL');
      await sameClientList(pair, 'CLIENT', 'LIST', 'TYPE', 'pubsub');
      await sameClientList(pair, 'CLIENT', 'LIST', 'TYPE', 'master');
      await sameClientList(pair, 'CLIENT', 'LIST', 'TYPE', 'replica');
      await sameClientList(pair, 'CLIENT', 'LIST', 'TYPE', 'slave');
      await pair.same(
        ['CLIENT', 'LIST', 'TYPE', 'bogus'],
        ['CLIENT', 'LIST', 'TYPE'],
        ['CLIENT', 'LIST', 'ID'],
        ['CLIENT', 'LIST', 'ID', 'abc'],
        ['CLIENT', 'LIST', 'ID', '1', 'abc'],
        ['CLIENT', 'LIST', 'ID', '99999'],
        ['CLIENT', 'LIST', 'ID', '-5', '0'],
        ['CLIENT', 'LIST', 'bogus'],
        ['CLIENT', 'LIST', 'TYPE', 'normal', 'extra'],
      );
      // ID lists exactly the given clients, in the order given.
      const [oid, rid] = [
        (await o2.call('CLIENT', 'ID')).slice(1, -2),
        (await r2.call('CLIENT', 'ID')).slice(1, -2),
      ];
      pair.o.send('CLIENT', 'LIST', 'ID', oid, '99999', oid);
      pair.r.send('CLIENT', 'LIST', 'ID', rid, '99999', rid);
      const [a, b] = [parseClientLines(await pair.o.read()), parseClientLines(await pair.r.read())];
      assert.equal(a.length, 2);
      assert.equal(b.length, 2);
      for (const line of b) assert.deepEqual(line.slice(0, 1), [['id', rid]]);
      assert.equal(b[0].find(([k]) => k === 'name')![1], 'second');
      assert.equal(b[0].find(([k]) => k === 'db')![1], '5');
    } finally {
      o2.close();
      r2.close();
    }
  });

  test('CLIENT HELP is redis text plus the 7.2 SETINFO and NO-TOUCH entries', async () => {
    const [a, b] = await pair.both('CLIENT', 'HELP');
    const oracleLines = a.split('\r\n').slice(1, -1);
    const ours = b.split('\r\n').slice(1, -1);
    const added = [
      '+SETINFO <option> <value>',
      '+    Set client meta attr. Options are:',
      '+    * LIB-NAME: the client lib name.',
      '+    * LIB-VER: the client lib version.',
      '+NO-TOUCH (ON|OFF)',
      '+    Will not touch LRU/LFU stats when this mode is on.',
    ];
    assert.deepEqual(
      ours.filter((l) => !added.includes(l)),
      oracleLines,
    );
    assert.equal(b.split('\r\n')[0], `*${ours.length}`);
    const at = (l: string) => ours.indexOf(l);
    assert.equal(
      at('+SETINFO <option> <value>'),
      at('+    Assign the name <name> to the current connection.') + 1,
    );
    assert.equal(at('+NO-TOUCH (ON|OFF)'), at('+    Protect current client connection from eviction.') + 1);
  });
});

describe('requirepass against redis-server', () => {
  let pair: Pair;
  before(async () => {
    pair = await startPair(['--requirepass', 's3cret'], { requirepass: 's3cret' });
  });
  after(async () => {
    await pair.close();
  });

  test('before AUTH only AUTH, HELLO, QUIT and RESET run; others get NOAUTH after lookup and arity', async () => {
    await pair.same(
      ['PING'],
      ['GET', 'k'],
      ['SELECT', '1'],
      ['CLIENT', 'ID'],
      ['CLIENT', 'SETNAME', 'x'],
      ['ECHO', 'x'],
      ['NOSUCHCOMMAND', 'a'],
      ['GET'],
      ['CLIENT', 'nosuch'],
      ['CLIENT'],
      ['AUTH'],
      ['RESET'],
      ['PING'],
    );
  });

  test('HELLO before AUTH gets redis NOAUTH text unless it authenticates itself', async () => {
    await pair.same(
      ['HELLO'],
      ['HELLO', '3'],
      ['HELLO', '2', 'SETNAME', 'x'],
      ['HELLO', '2', 'SETNAME', 'bad name'],
      ['HELLO', '5'],
      ['HELLO', '3', 'AUTH', 'default', 'wrong'],
      ['HELLO', '3', 'AUTH', 'nobody', 's3cret'],
      ['HELLO', '3', 'bogus'],
      ['PING'],
    );
    await sameHello(pair, 'HELLO', '3', 'AUTH', 'default', 's3cret', 'SETNAME', 'authed');
    await pair.same(['CLIENT', 'GETNAME'], ['PING'], ['GET', 'missing']);
    // RESET logs the connection out again and goes back to RESP2.
    await pair.same(['RESET']);
    // HELLO options take effect in order even when HELLO then fails: a SETNAME before a
    // failed AUTH or a NOAUTH error stays, an AUTH before a bad option stays.
    await pair.same(
      ['HELLO', '2', 'SETNAME', 'early'],
      ['HELLO', '3', 'AUTH', 'default', 'wrong', 'SETNAME', 'never'],
      ['AUTH', 's3cret'],
      ['CLIENT', 'GETNAME'],
      ['RESET'],
      ['HELLO', '3', 'AUTH', 'default', 's3cret', 'bogus'],
      ['PING'],
      ['HELLO', '2', 'SETNAME', 'q', 'SETNAME', 'bad name'],
      ['CLIENT', 'GETNAME'],
    );
    await pair.same(['RESET'], ['PING'], ['CLIENT', 'GETNAME']);
  });

  test('AUTH accepts the password alone or for the default user and nothing else', async () => {
    await pair.same(
      ['AUTH', 'wrong'],
      ['PING'],
      ['AUTH', 'default', 'wrong'],
      ['AUTH', 'nobody', 's3cret'],
      ['AUTH', 'S3CRET'],
      ['AUTH', 'a', 'b', 'c'],
      ['AUTH', 's3cret'],
      ['PING'],
      ['AUTH', 'wrong'],
      ['PING'],
      ['RESET'],
      ['AUTH', 'default', 's3cret'],
      ['CLIENT', 'SETNAME', 'ok'],
      ['CLIENT', 'GETNAME'],
      ['CLIENT', 'SETNAME', ''],
    );
  });
});
