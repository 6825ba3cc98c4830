/**
 * requirepass and AUTH with real clients (ioredis, node-redis) and raw connections:
 * logging in, refusal of wrong passwords, NOAUTH, changing the password at runtime, and
 * passwords kept out of the slow log.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { RawClient, encodeCommand } from '../helpers/raw-client.js';
import { startRespite } from '../helpers/servers.js';
import type { RespiteServer } from '../../src/index.js';

const PASSWORD = 'p@ss word!';

function ioredis(port: number, opts: Record<string, unknown> = {}): Redis {
  return new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    enableReadyCheck: false,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    ...opts,
  });
}

describe('requirepass', () => {
  let srv: RespiteServer;
  before(async () => {
    srv = await startRespite({ config: { requirepass: PASSWORD } });
  });
  after(async () => {
    await srv.close();
  });

  test('ioredis with the password option logs in and runs commands', async () => {
    const r = ioredis(srv.port, { password: PASSWORD });
    try {
      await r.connect();
      assert.equal(await r.set('io-key', 'v'), 'OK');
      assert.equal(await r.get('io-key'), 'v');
      assert.equal(await r.client('GETNAME'), null);
    } finally {
      r.disconnect();
    }
  });

  test('ioredis with username default and the password logs in (AUTH user pass)', async () => {
    const r = ioredis(srv.port, { username: 'default', password: PASSWORD, connectionName: 'io-user' });
    try {
      await r.connect();
      assert.equal(await r.ping(), 'PONG');
      assert.equal(await r.client('GETNAME'), 'io-user');
    } finally {
      r.disconnect();
    }
  });

  test('ioredis with a wrong password reports WRONGPASS and cannot run commands', async () => {
    const r = ioredis(srv.port, { password: 'wrong' });
    const errors: string[] = [];
    r.on('error', (e: Error) => errors.push(e.message));
    try {
      // Whether connect() itself rejects depends on ioredis's internal timing; the
      // connection is refused either way.
      await r.connect().catch(() => {});
      await assert.rejects(r.get('io-key'));
      assert.deepEqual(errors, ['WRONGPASS invalid username-password pair or user is disabled.']);
    } finally {
      r.disconnect();
    }
  });

  test('ioredis without a password gets NOAUTH for commands', async () => {
    const r = ioredis(srv.port);
    try {
      await r.connect();
      await assert.rejects(r.get('io-key'), /^ReplyError: NOAUTH Authentication required\.$/);
      assert.equal(await r.call('AUTH', PASSWORD), 'OK');
      assert.equal(await r.get('io-key'), 'v');
    } finally {
      r.disconnect();
    }
  });

  test('node-redis with the password logs in, sets its name and runs commands', async () => {
    const c = createClient({ socket: { port: srv.port, host: '127.0.0.1' }, password: PASSWORD, name: 'nr' });
    try {
      await c.connect();
      assert.equal(await c.set('nr-key', 'v'), 'OK');
      assert.equal(await c.get('nr-key'), 'v');
      assert.equal(await c.clientGetName(), 'nr');
    } finally {
      await c.disconnect();
    }
  });

  test('node-redis with username default authenticates with AUTH default password', async () => {
    const c = createClient({
      socket: { port: srv.port, host: '127.0.0.1' },
      username: 'default',
      password: PASSWORD,
    });
    try {
      await c.connect();
      assert.equal(await c.ping(), 'PONG');
    } finally {
      await c.disconnect();
    }
  });

  test('node-redis with a wrong password fails to connect with WRONGPASS', async () => {
    const c = createClient({
      socket: { port: srv.port, host: '127.0.0.1', reconnectStrategy: false },
      password: 'wrong',
    });
    const errors: string[] = [];
    c.on('error', (e: Error) => errors.push(e.message));
    await assert.rejects(c.connect(), /WRONGPASS invalid username-password pair or user is disabled\./);
    assert.ok(errors.every((m) => m.startsWith('WRONGPASS')));
    if (c.isOpen) await c.disconnect();
  });

  test('node-redis HELLO with AUTH and SETNAME logs in and returns the server map', async () => {
    const c = createClient({ socket: { port: srv.port, host: '127.0.0.1' }, disableClientInfo: true });
    try {
      await c.connect();
      await assert.rejects(c.ping(), /NOAUTH/);
      const hello = await c.hello(2, {
        AUTH: { username: 'default', password: PASSWORD },
        SETNAME: 'via-hello',
      });
      assert.equal(hello.server, 'redis');
      assert.equal(hello.version, '7.0.15');
      assert.equal(hello.proto, 2);
      assert.equal(hello.mode, 'standalone');
      assert.equal(hello.role, 'master');
      assert.deepEqual(hello.modules, []);
      assert.equal(hello.id, await c.clientId());
      assert.equal(await c.clientGetName(), 'via-hello');
    } finally {
      await c.disconnect();
    }
  });

  test('RESET logs an authenticated connection out again', async () => {
    const c = await RawClient.connect(srv.port);
    try {
      assert.equal(await c.call('AUTH', PASSWORD), '+OK\r\n');
      assert.equal(await c.call('PING'), '+PONG\r\n');
      assert.equal(await c.call('RESET'), '+RESET\r\n');
      assert.equal(await c.call('PING'), '-NOAUTH Authentication required.\r\n');
    } finally {
      c.close();
    }
  });

  test('before AUTH the parser refuses big requests; after AUTH they are fine', async () => {
    const many = ['ECHO', ...Array.from({ length: 10 }, (_, i) => `a${i}`)];
    const authed = await RawClient.connect(srv.port);
    try {
      assert.equal(await authed.call('AUTH', PASSWORD), '+OK\r\n');
      assert.equal(await authed.call(...many), "-ERR wrong number of arguments for 'echo' command\r\n");
    } finally {
      authed.close();
    }
    const anon = await RawClient.connect(srv.port);
    anon.write(encodeCommand(many));
    assert.equal(await anon.read(), '-ERR Protocol error: unauthenticated multibulk length\r\n');
    await anon.waitClosed();
  });

  test('AUTH and HELLO AUTH passwords never reach the slow log', async () => {
    const config = srv.server.config;
    assert.equal(config.set('slowlog-log-slower-than', ['0']), null);
    const c = await RawClient.connect(srv.port);
    try {
      assert.equal(await c.call('AUTH', 'default', PASSWORD), '+OK\r\n');
      assert.match(await c.call('HELLO', '2', 'AUTH', 'default', PASSWORD, 'SETNAME', 'n'), /^\*14\r\n/);
      assert.equal(
        await c.call('AUTH', 'wrong'),
        '-WRONGPASS invalid username-password pair or user is disabled.\r\n',
      );
      const logged = srv.server.slowlog.slice(0, 3).map((e) => e.argv);
      assert.deepEqual(logged, [
        ['AUTH', '(redacted)'],
        ['HELLO', '2', 'AUTH', '(redacted)', '(redacted)', 'SETNAME', 'n'],
        ['AUTH', '(redacted)', '(redacted)'],
      ]);
    } finally {
      c.close();
      config.set('slowlog-log-slower-than', ['10000']);
    }
  });
});

describe('changing requirepass at runtime', () => {
  test('connections keep their login, new ones must AUTH, and clearing it lets everyone in', async () => {
    const srv = await startRespite();
    const before = await RawClient.connect(srv.port);
    try {
      assert.equal(
        await before.call('AUTH', 'x'),
        '-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n',
      );
      assert.equal(srv.server.config.set('requirepass', ['newpass']), null);
      assert.equal(await before.call('PING'), '+PONG\r\n');
      const afterSet = await RawClient.connect(srv.port);
      assert.equal(await afterSet.call('PING'), '-NOAUTH Authentication required.\r\n');
      assert.equal(await afterSet.call('AUTH', 'newpass'), '+OK\r\n');
      assert.equal(await afterSet.call('PING'), '+PONG\r\n');
      const anon = await RawClient.connect(srv.port);
      assert.equal(await anon.call('GET', 'k'), '-NOAUTH Authentication required.\r\n');
      assert.equal(srv.server.config.set('requirepass', ['']), null);
      assert.equal(await anon.call('GET', 'k'), '$-1\r\n');
      afterSet.close();
      anon.close();
    } finally {
      before.close();
      await srv.close();
    }
  });
});
