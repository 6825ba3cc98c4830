/**
 * Per-connection CLIENT settings and what CLIENT INFO / LIST report about them:
 * SETINFO (Redis 7.2), NO-TOUCH (7.2), NO-EVICT, names, age/idle, unix sockets, GETREDIR.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawClient } from '../helpers/raw-client.js';
import { startRespite } from '../helpers/servers.js';
import type { RespiteServer } from '../../src/index.js';

async function withServer(
  fn: (srv: RespiteServer) => Promise<void>,
  opts: Parameters<typeof startRespite>[0] = {},
): Promise<void> {
  const srv = await startRespite(opts);
  try {
    await fn(srv);
  } finally {
    await srv.close();
  }
}

/** CLIENT INFO of c as a field map. */
async function info(c: RawClient): Promise<Map<string, string>> {
  const reply = await c.call('CLIENT', 'INFO');
  const text = reply.slice(reply.indexOf('\r\n') + 2, -3);
  return new Map(text.split(' ').map((f) => [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)]));
}

test('CLIENT SETINFO sets lib-name and lib-ver, shown by CLIENT INFO; empty clears them', async () => {
  await withServer(async (srv) => {
    const c = await RawClient.connect(srv.port);
    assert.equal(await c.call('CLIENT', 'SETINFO', 'LIB-NAME', 'mylib'), '+OK\r\n');
    assert.equal(await c.call('client', 'setinfo', 'lib-ver', '1.2.3'), '+OK\r\n');
    let f = await info(c);
    assert.equal(f.get('lib-name'), 'mylib');
    assert.equal(f.get('lib-ver'), '1.2.3');
    assert.deepEqual([...f.keys()].slice(-3), ['resp', 'lib-name', 'lib-ver']);
    assert.equal(await c.call('CLIENT', 'SETINFO', 'lib-name', ''), '+OK\r\n');
    f = await info(c);
    assert.equal(f.get('lib-name'), '');
    assert.equal(f.get('lib-ver'), '1.2.3');
    // RESET keeps them (Redis 7.2 does not clear the library attributes).
    assert.equal(await c.call('RESET'), '+RESET\r\n');
    assert.equal((await info(c)).get('lib-ver'), '1.2.3');
    c.close();
  });
});

test('CLIENT SETINFO rejects unknown attributes and bad values with Redis 7.2 errors', async () => {
  await withServer(async (srv) => {
    const c = await RawClient.connect(srv.port);
    assert.equal(await c.call('CLIENT', 'SETINFO', 'lib-foo', 'x'), "-ERR Unrecognized option 'lib-foo'\r\n");
    assert.equal(
      await c.call('CLIENT', 'SETINFO', 'Lib-Name', 'my lib'),
      '-ERR Lib-Name cannot contain spaces, newlines or special characters.\r\n',
    );
    assert.equal(
      await c.call('CLIENT', 'SETINFO', 'lib-ver', '1\n2'),
      '-ERR lib-ver cannot contain spaces, newlines or special characters.\r\n',
    );
    assert.equal(
      await c.call('CLIENT', 'SETINFO', 'lib-ver'),
      "-ERR wrong number of arguments for 'client|setinfo' command\r\n",
    );
    assert.equal(
      await c.call('CLIENT', 'SETINFO', 'lib-ver', 'a', 'b'),
      "-ERR wrong number of arguments for 'client|setinfo' command\r\n",
    );
    assert.equal((await info(c)).get('lib-ver'), '');
    c.close();
  });
});

test('CLIENT NO-TOUCH on keeps reads from updating the LRU clock; off restores it', async () => {
  let now = Date.now();
  await withServer(
    async (srv) => {
      const c = await RawClient.connect(srv.port);
      const db = srv.server.dbs[0];
      const lru = () => db.strings.lruOf(db.dict.get('k') as number);
      assert.equal(await c.call('SET', 'k', 'v'), '+OK\r\n');
      const setAt = lru();
      now += 100_000;
      assert.equal(await c.call('CLIENT', 'NO-TOUCH', 'on'), '+OK\r\n');
      assert.match((await info(c)).get('flags')!, /T/);
      assert.equal(await c.call('GET', 'k'), '$1\r\nv\r\n');
      assert.equal(lru(), setAt, 'GET under NO-TOUCH leaves the LRU clock');
      assert.equal(await c.call('CLIENT', 'NO-TOUCH', 'OFF'), '+OK\r\n');
      assert.equal(await c.call('GET', 'k'), '$1\r\nv\r\n');
      assert.equal(lru(), setAt + 100, 'GET without NO-TOUCH touches the key');
      assert.equal(await c.call('CLIENT', 'NO-TOUCH', 'maybe'), '-ERR syntax error\r\n');
      assert.equal(
        await c.call('CLIENT', 'NO-TOUCH'),
        "-ERR wrong number of arguments for 'client|no-touch' command\r\n",
      );
      assert.equal((await info(c)).get('flags'), 'N');
      c.close();
    },
    { clock: () => now },
  );
});

test('CLIENT NO-EVICT and NO-TOUCH show as flags e and T; RESET clears only NO-TOUCH', async () => {
  await withServer(async (srv) => {
    const c = await RawClient.connect(srv.port);
    assert.equal(await c.call('CLIENT', 'NO-EVICT', 'ON'), '+OK\r\n');
    assert.equal((await info(c)).get('flags'), 'e');
    assert.equal(await c.call('CLIENT', 'NO-TOUCH', 'on'), '+OK\r\n');
    assert.equal((await info(c)).get('flags'), 'eT');
    assert.equal(await c.call('CLIENT', 'NO-EVICT', 'off'), '+OK\r\n');
    assert.equal((await info(c)).get('flags'), 'T');
    // RESET clears NO-TOUCH (as Redis 7.2) but keeps NO-EVICT (as Redis 7.0).
    assert.equal(await c.call('CLIENT', 'NO-EVICT', 'on'), '+OK\r\n');
    assert.equal(await c.call('RESET'), '+RESET\r\n');
    assert.equal((await info(c)).get('flags'), 'e');
    c.close();
  });
});

test('CLIENT INFO reports age, idle, db, name, the last command and the protocol', async () => {
  let now = Date.now();
  await withServer(
    async (srv) => {
      const c = await RawClient.connect(srv.port);
      const other = await RawClient.connect(srv.port);
      assert.equal(await c.call('SELECT', '7'), '+OK\r\n');
      assert.equal(await c.call('CLIENT', 'SETNAME', 'reporter'), '+OK\r\n');
      now += 42_000;
      assert.equal(await other.call('PING', 'x'), '$1\r\nx\r\n');
      const f = await info(c);
      assert.equal(f.get('age'), '42');
      assert.equal(f.get('idle'), '0', 'idle counts from the command being run');
      assert.equal(f.get('db'), '7');
      assert.equal(f.get('name'), 'reporter');
      assert.equal(f.get('cmd'), 'client|info');
      assert.equal(f.get('multi'), '-1');
      assert.equal(f.get('resp'), '2');
      assert.equal(f.get('user'), 'default');
      assert.equal(f.get('redir'), '-1');
      assert.equal(f.get('fd') !== '-1', true);
      // The other client as CLIENT LIST sees it: idle since its PING, last command ping.
      now += 3_000;
      const otherId = (await other.call('CLIENT', 'ID')).slice(1, -2);
      now += 5_000;
      const line = await c.call('CLIENT', 'LIST', 'ID', otherId);
      assert.match(line, / age=50 idle=5 flags=N db=0 .* cmd=client\|id /);
      // An unknown command leaves cmd=NULL; an arity error still names the command.
      assert.match(await other.call('NOSUCH'), /^-ERR unknown command/);
      assert.match(await c.call('CLIENT', 'LIST', 'ID', otherId), / cmd=NULL /);
      assert.match(await other.call('GET'), /^-ERR wrong number/);
      assert.match(await c.call('CLIENT', 'LIST', 'ID', otherId), / cmd=get /);
      c.close();
      other.close();
    },
    { clock: () => now },
  );
});

test('over a unix socket CLIENT INFO shows the socket path as addr and laddr, and flag U', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'respite-unix-'));
  const path = join(dir, 'r.sock');
  try {
    await withServer(
      async (srv) => {
        const c = await RawClient.connectPath(path);
        const f = await info(c);
        assert.equal(f.get('addr'), `${path}:0`);
        assert.equal(f.get('laddr'), `${path}:0`);
        assert.equal(f.get('flags'), 'U');
        const tcp = await RawClient.connect(srv.port);
        assert.equal(await tcp.call('CLIENT', 'KILL', 'ADDR', `${path}:0`), ':1\r\n');
        await c.waitClosed();
        tcp.close();
      },
      { config: { unixsocket: path } },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CLIENT ID numbers connections in order and GETREDIR is -1 without tracking', async () => {
  await withServer(async (srv) => {
    const a = await RawClient.connect(srv.port);
    const b = await RawClient.connect(srv.port);
    const ida = Number((await a.call('CLIENT', 'ID')).slice(1, -2));
    const idb = Number((await b.call('CLIENT', 'ID')).slice(1, -2));
    assert.ok(idb > ida);
    assert.equal(await a.call('CLIENT', 'GETREDIR'), ':-1\r\n');
    a.close();
    b.close();
  });
});
