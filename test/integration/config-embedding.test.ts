/**
 * Respite embedded in a Node.js process: isolated instances, listeners configured per
 * instance (unix socket, pidfile, CONFIG SET port), client limits and timeouts, and the
 * SHUTDOWN semantics of server.shutdown().
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawClient } from '../helpers/raw-client.js';
import { startRespite, freePort } from '../helpers/servers.js';
import { ConfigFileError } from '../../src/index.js';
import { removeDir, tempDir } from './cli-util.js';

test('two embedded servers in one process are isolated from each other', async () => {
  const a = await startRespite();
  const b = await startRespite({ config: { databases: 2, maxclients: 7 } });
  try {
    assert.notEqual(a.port, b.port);
    const ca = await RawClient.connect(a.port);
    const cb = await RawClient.connect(b.port);
    assert.equal(await ca.call('SET', 'shared-name', 'from-a'), '+OK\r\n');
    assert.equal(await cb.call('GET', 'shared-name'), '$-1\r\n');
    assert.equal(await ca.call('GET', 'shared-name'), '$6\r\nfrom-a\r\n');
    assert.equal(await cb.call('SELECT', '5'), '-ERR DB index is out of range\r\n');
    assert.equal(await ca.call('CONFIG', 'SET', 'timeout', '100'), '+OK\r\n');
    assert.equal(await cb.call('CONFIG', 'GET', 'timeout'), '*2\r\n$7\r\ntimeout\r\n$1\r\n0\r\n');
    assert.equal(await cb.call('CONFIG', 'GET', 'maxclients'), '*2\r\n$10\r\nmaxclients\r\n$1\r\n7\r\n');
    assert.equal(
      await ca.call('CONFIG', 'GET', 'port'),
      `*2\r\n$4\r\nport\r\n$${String(a.port).length}\r\n${a.port}\r\n`,
    );
    ca.close();
    cb.close();
  } finally {
    await a.close();
    await b.close();
  }
});

test('an embedded server listens on a unix socket with its permissions and writes its pidfile', async () => {
  const dir = tempDir();
  const sock = join(dir, 'r.sock');
  const pidfile = join(dir, 'r.pid');
  const srv = await startRespite({ config: { unixsocket: sock, unixsocketperm: '770', pidfile } });
  try {
    assert.equal(statSync(sock).mode & 0o777, 0o770);
    assert.equal(readFileSync(pidfile, 'latin1'), `${process.pid}\n`);
    const c = await RawClient.connectPath(sock);
    assert.equal(await c.call('SET', 'k', 'v'), '+OK\r\n');
    assert.equal(
      await c.call('CONFIG', 'GET', 'unixsocketperm'),
      '*2\r\n$14\r\nunixsocketperm\r\n$3\r\n770\r\n',
    );
    c.close();
  } finally {
    await srv.close();
  }
  assert.equal(existsSync(sock), false);
  assert.equal(existsSync(pidfile), false);
  removeDir(dir);
});

test('the timeout option closes idle clients and keeps busy ones', async () => {
  const srv = await startRespite({ config: { timeout: 1, hz: 50 } });
  try {
    const idle = await RawClient.connect(srv.port);
    const busy = await RawClient.connect(srv.port);
    assert.equal(await idle.call('PING'), '+PONG\r\n');
    const started = Date.now();
    const closed = idle.waitClosed(6000);
    // The busy client keeps talking and stays connected.
    while (!idle.closed && Date.now() - started < 6000) {
      assert.equal(await busy.call('PING'), '+PONG\r\n');
      await new Promise((r) => setTimeout(r, 200));
    }
    await closed;
    assert.ok(Date.now() - started >= 1000, 'not closed before the timeout');
    assert.equal(await busy.call('PING'), '+PONG\r\n');
    busy.close();
  } finally {
    await srv.close();
  }
});

test('maxclients refuses extra connections with Redis error', async () => {
  const srv = await startRespite({ config: { maxclients: 1 } });
  try {
    const first = await RawClient.connect(srv.port);
    assert.equal(await first.call('PING'), '+PONG\r\n');
    const second = await RawClient.connect(srv.port);
    assert.equal(await second.read(), '-ERR max number of clients reached\r\n');
    await second.waitClosed();
    first.close();
  } finally {
    await srv.close();
  }
});

test('CONFIG SET port moves the listener, and a port in use is refused with the old port kept', async () => {
  const other = await startRespite();
  const srv = await startRespite();
  try {
    const c = await RawClient.connect(srv.port);
    const oldPort = srv.port;
    const newPort = await freePort();
    assert.equal(await c.call('CONFIG', 'SET', 'port', String(newPort), 'timeout', '5'), '+OK\r\n');
    assert.equal(srv.port, newPort);
    const c2 = await RawClient.connect(newPort);
    assert.equal(await c2.call('PING'), '+PONG\r\n');
    await assert.rejects(RawClient.connect(oldPort));
    // Taken port: error, the previous values come back (all or nothing).
    assert.equal(
      await c2.call('CONFIG', 'SET', 'port', String(other.port), 'timeout', '9'),
      "-ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs.\r\n",
    );
    assert.equal(await c2.call('CONFIG', 'GET', 'timeout'), '*2\r\n$7\r\ntimeout\r\n$1\r\n5\r\n');
    assert.equal(srv.port, newPort);
    // The connection that changed the port is still served, in order.
    c.send('CONFIG', 'SET', 'bind', '127.0.0.1 -::1');
    c.send('PING');
    assert.equal(await c.read(), '+OK\r\n');
    assert.equal(await c.read(), '+PONG\r\n');
    c.close();
    c2.close();
  } finally {
    await srv.close();
    await other.close();
  }
});

test('server.shutdown(): a SAVE that fails is refused unless FORCE, NOSAVE closes, ABORT has nothing to abort', async () => {
  // The save fails because its directory is gone (root ignores permission bits).
  const dir = mkdtempSync(join(tmpdir(), 'respite-shutdown-'));
  const srv = await startRespite({ config: { dir } });
  rmSync(dir, { recursive: true, force: true });
  const s = srv.server;
  assert.equal(s.shutdown({ abort: true }), 'ERR No shutdown in progress.');
  assert.equal(s.shutdown({ save: true }), 'ERR Errors trying to SHUTDOWN. Check logs.');
  assert.equal(srv.server.isClosing(), false);
  const c = await RawClient.connect(srv.port);
  assert.equal(await c.call('PING'), '+PONG\r\n');
  assert.equal(s.shutdown({ save: true, force: true }), null);
  await c.waitClosed();
  assert.equal(srv.server.isClosing(), true);

  // With a persistence hook, its failure refuses the shutdown unless FORCE.
  const srv2 = await startRespite({ config: { save: '900 1' } });
  const calls: boolean[] = [];
  srv2.server.saveOnShutdown = ({ save }) => {
    calls.push(save);
    return 'disk full';
  };
  assert.equal(srv2.server.shutdown({}), 'ERR Errors trying to SHUTDOWN. Check logs.');
  assert.equal(srv2.server.shutdown({ nosave: true, force: true }), null);
  assert.deepEqual(calls, [true, false]);
  await srv2.close();
});

test('a bad option when embedding throws, naming the option or the config line', async () => {
  await assert.rejects(startRespite({ config: { maxmemory: 'lots' } }), {
    message: "Invalid value for config 'maxmemory': argument must be a memory value",
  });
  await assert.rejects(startRespite({ configText: 'port 1\nnope 2\n' }), (e: unknown) => {
    assert.ok(e instanceof ConfigFileError);
    assert.match(e.text, /at line 2\n>>> 'nope 2'\nBad directive or wrong number of arguments\n$/);
    return true;
  });
});

test('rename-command in the config renames or removes commands', async () => {
  const srv = await startRespite({ configText: 'rename-command ECHO SAY\nrename-command QUIT ""\n' });
  try {
    const c = await RawClient.connect(srv.port);
    assert.equal(await c.call('SAY', 'x'), '$1\r\nx\r\n');
    assert.match(await c.call('ECHO', 'x'), /^-ERR unknown command 'ECHO'/);
    assert.match(await c.call('QUIT'), /^-ERR unknown command 'QUIT'/);
    c.close();
  } finally {
    await srv.close();
  }
});

test('signals follow shutdown-on-sigterm and shutdown-on-sigint; a refused shutdown keeps serving', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'respite-sigterm-'));
  const srv = await startRespite({ config: { 'shutdown-on-sigterm': 'save', dir } });
  rmSync(dir, { recursive: true, force: true });
  const c = await RawClient.connect(srv.port);
  assert.equal(srv.server.handleSignal('SIGTERM'), false);
  await new Promise((r) => setImmediate(r));
  // The explicit save fails (its directory is gone): the server keeps running.
  assert.equal(srv.server.isClosing(), false);
  assert.equal(await c.call('PING'), '+PONG\r\n');
  assert.equal(await c.call('CONFIG', 'SET', 'shutdown-on-sigterm', 'save force'), '+OK\r\n');
  assert.equal(srv.server.handleSignal('SIGTERM'), false);
  await c.waitClosed();
  assert.equal(srv.server.isClosing(), true);

  const srv2 = await startRespite();
  assert.equal(srv2.server.handleSignal('SIGINT'), false);
  // A second SIGINT while the shutdown is pending asks the caller to exit at once.
  assert.equal(srv2.server.handleSignal('SIGINT'), true);
  await srv2.close();
});
