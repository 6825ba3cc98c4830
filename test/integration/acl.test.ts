/**
 * ACL with real clients as different users (ioredis, node-redis, redis-cli --user --pass),
 * the ACL file (SAVE, LOAD, errors, clients of replaced users disconnected) and `user`
 * lines in the config file, compared with redis-server where the output is observable.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { RawClient } from '../helpers/raw-client.js';
import { freePort, startOracle, startRespite, type ChildServer } from '../helpers/servers.js';
import { Server } from '../../src/server/server.js';
import { ConfigFileError } from '../../src/config/config.js';
import type { RespiteServer } from '../../src/index.js';
import { logMessages, removeDir, runOracleAsync, startProcess, tempDir } from './cli-util.js';

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

/** redis-cli (asynchronously: the server runs in this process). */
function redisCli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('redis-cli', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
    p.on('error', reject);
    p.on('close', () => resolve(out));
  });
}

async function call(port: number, ...args: string[]): Promise<string> {
  const c = await RawClient.connect(port);
  try {
    return await c.call(...args);
  } finally {
    c.close();
  }
}

describe('ACL users with real clients', () => {
  let srv: RespiteServer;
  before(async () => {
    srv = await startRespite();
    const setup = await RawClient.connect(srv.port);
    for (const cmd of [
      [
        'ACL',
        'SETUSER',
        'reader',
        'on',
        '>readpw',
        '-@all',
        '+@read',
        '+@connection',
        '+acl|whoami',
        '~app:*',
      ],
      ['ACL', 'SETUSER', 'writer', 'on', '>writepw', '+@all', '-@dangerous', '%W~app:*', '%R~shared:*'],
      ['ACL', 'SETUSER', 'off-user', 'off', '>pw', '+@all', '~*'],
      ['SET', 'app:1', 'one'],
      ['SET', 'shared:1', 'shared'],
      ['SET', 'secret', 's'],
    ])
      assert.match(await setup.call(...cmd), /^\+OK/);
    setup.close();
  });
  after(async () => {
    await srv.close();
  });

  test('ioredis as a read-only user reads its keys and gets NOPERM for the rest', async () => {
    const r = ioredis(srv.port, { username: 'reader', password: 'readpw' });
    try {
      await r.connect();
      assert.equal(await r.get('app:1'), 'one');
      assert.equal(await r.acl('WHOAMI'), 'reader');
      await assert.rejects(
        r.get('secret'),
        /^ReplyError: NOPERM this user has no permissions to access one of the keys used as arguments/,
      );
      await assert.rejects(
        r.set('app:1', 'x'),
        /NOPERM this user has no permissions to run the 'set' command/,
      );
      await assert.rejects(r.flushall(), /NOPERM this user has no permissions to run the 'flushall' command/);
    } finally {
      r.disconnect();
    }
  });

  test('node-redis as a user with write-only and read-only key patterns', async () => {
    const c = createClient({
      socket: { port: srv.port, host: '127.0.0.1' },
      username: 'writer',
      password: 'writepw',
    });
    await c.connect();
    try {
      assert.equal(await c.set('app:2', 'two'), 'OK');
      // app:* is write-only: reading it is refused, shared:* is read-only.
      await assert.rejects(c.get('app:2'), /NOPERM this user has no permissions to access one of the keys/);
      assert.equal(await c.get('shared:1'), 'shared');
      await assert.rejects(c.set('shared:1', 'x'), /NOPERM/);
      await assert.rejects(
        c.sendCommand(['FLUSHDB']),
        /NOPERM this user has no permissions to run the 'flushdb' command/,
      );
      assert.equal(await c.sendCommand(['ACL', 'WHOAMI']), 'writer');
    } finally {
      await c.quit();
    }
  });

  test('a disabled user and a wrong password are refused with WRONGPASS', async () => {
    for (const [user, pass] of [
      ['off-user', 'pw'],
      ['reader', 'nope'],
      ['nobody', 'x'],
    ]) {
      const c = createClient({
        socket: { port: srv.port, host: '127.0.0.1', reconnectStrategy: false },
        username: user,
        password: pass,
      });
      c.on('error', () => {});
      await assert.rejects(c.connect(), /WRONGPASS invalid username-password pair or user is disabled/);
      assert.equal(
        await call(srv.port, 'AUTH', user, pass),
        '-WRONGPASS invalid username-password pair or user is disabled.\r\n',
      );
    }
  });

  test('redis-cli --user --pass runs as that user', async () => {
    const run = (...args: string[]) =>
      redisCli([
        '-p',
        String(srv.port),
        '--user',
        'reader',
        '--pass',
        'readpw',
        '--no-auth-warning',
        ...args,
      ]);
    assert.equal(await run('GET', 'app:1'), 'one\n');
    assert.equal(await run('ACL', 'WHOAMI'), 'reader\n');
    assert.match(await run('DEL', 'app:1'), /NOPERM this user has no permissions to run the 'del' command/);
  });

  test('CLIENT LIST shows each connection user and ACL LOG the refusals', async () => {
    const a = ioredis(srv.port, { username: 'reader', password: 'readpw', connectionName: 'conn-reader' });
    try {
      await a.connect();
      await a.ping();
      const list = await call(srv.port, 'CLIENT', 'LIST');
      assert.match(list, /name=conn-reader .* user=reader /);
      await assert.rejects(a.get('secret'));
      const log = await call(srv.port, 'ACL', 'LOG', '1');
      assert.match(log, /\$3\r\nkey\r\n.*\$6\r\nsecret\r\n.*\$6\r\nreader\r\n/s);
    } finally {
      a.disconnect();
    }
  });

  test('changing a user keeps its connections; deleting it disconnects them', async () => {
    const r = ioredis(srv.port, { username: 'reader', password: 'readpw' });
    try {
      await r.connect();
      assert.equal(await r.get('app:1'), 'one');
      assert.match(await call(srv.port, 'ACL', 'SETUSER', 'reader', 'off', '-get'), /OK/);
      await assert.rejects(r.get('app:1'), /NOPERM/);
      assert.equal(await r.ping(), 'PONG');
      const closed = new Promise((resolve) => r.once('end', resolve));
      assert.equal(await call(srv.port, 'ACL', 'DELUSER', 'reader'), ':1\r\n');
      await closed;
    } finally {
      r.disconnect();
    }
  });
});

describe('the ACL file', () => {
  // Both servers use the same file (by absolute path), so that error texts naming it match.
  let dirR: string;
  let file: string;
  let oracle: ChildServer;
  let srv: RespiteServer;
  const initial = 'user default on nopass ~* &* +@all\nuser alice on >alicepw ~a:* -@all +get +set\n';
  before(async () => {
    dirR = tempDir('respite-acl-');
    file = join(dirR, 'users.acl');
    writeFileSync(file, initial);
    srv = await startRespite({ config: { dir: dirR, aclfile: file } });
    oracle = await startOracle(['--aclfile', file]);
  });
  after(async () => {
    await srv.close();
    await oracle.stop();
    removeDir(dirR);
  });

  test('users come from the ACL file at startup', async () => {
    const users = await call(srv.port, 'ACL', 'USERS');
    assert.equal(users, '*2\r\n$5\r\nalice\r\n$7\r\ndefault\r\n');
    assert.equal(await call(srv.port, 'AUTH', 'alice', 'alicepw'), '+OK\r\n');
  });

  test('ACL SAVE writes the file in Redis format and ACL LOAD reads it back', async () => {
    const c = await RawClient.connect(srv.port);
    try {
      assert.equal(
        await c.call(
          'ACL',
          'SETUSER',
          'bob',
          'on',
          '#' + 'b'.repeat(64),
          '%R~r:*',
          '&ch',
          '-@all',
          '+@hash',
          '(+del ~d*)',
        ),
        '+OK\r\n',
      );
      assert.equal(await c.call('ACL', 'SAVE'), '+OK\r\n');
      const text = readFileSync(file, 'latin1');
      const list = await c.call('ACL', 'LIST');
      const lines = text.trimEnd().split('\n');
      assert.equal(lines.length, 3);
      for (const l of lines) assert.ok(list.includes(l), `${l} is an ACL LIST line`);
      assert.match(text, /^user alice on #[0-9a-f]{64} ~a:\* resetchannels -@all \+(get|set) \+(get|set)\n/);
      // Change the users in memory, then LOAD restores the file's.
      assert.equal(await c.call('ACL', 'DELUSER', 'bob'), ':1\r\n');
      assert.equal(await c.call('ACL', 'SETUSER', 'temp', 'on'), '+OK\r\n');
      assert.equal(await c.call('ACL', 'LOAD'), '+OK\r\n');
      assert.equal(await c.call('ACL', 'LIST'), list);
    } finally {
      c.close();
    }
  });

  test('ACL LOAD with errors changes nothing and reports as the oracle', async () => {
    const bad = [
      'user alice on >pw +nosuchcmd ~x',
      'notuser x',
      '',
      'user bob on %Q~x bogus +nosuch2 ~a b',
      'user bob on',
      'user dave allkeys ~x',
    ].join('\n');
    writeFileSync(file, bad);
    const [o, r] = [await call(oracle.port, 'ACL', 'LOAD'), await call(srv.port, 'ACL', 'LOAD')];
    assert.equal(r, o);
    assert.equal(await call(srv.port, 'ACL', 'USERS'), '*3\r\n$5\r\nalice\r\n$3\r\nbob\r\n$7\r\ndefault\r\n');
  });

  test('ACL LOAD of a missing file reports as the oracle', async () => {
    rmSync(file);
    assert.equal(await call(srv.port, 'ACL', 'LOAD'), await call(oracle.port, 'ACL', 'LOAD'));
    writeFileSync(file, initial);
  });

  test('ACL LOAD disconnects the clients of users it replaces, not the default user', async () => {
    const alice = await RawClient.connect(srv.port);
    const dflt = await RawClient.connect(srv.port);
    try {
      assert.equal(await alice.call('AUTH', 'alice', 'alicepw'), '+OK\r\n');
      assert.equal(await dflt.call('PING'), '+PONG\r\n');
      assert.equal(await call(srv.port, 'ACL', 'LOAD'), '+OK\r\n');
      await assert.rejects(alice.read(3000), /connection closed/);
      assert.equal(await dflt.call('PING'), '+PONG\r\n');
    } finally {
      alice.close();
      dflt.close();
    }
  });
});

/** The text of the ConfigFileError that stops a server configured with `text` ('' if none). */
function respiteStartupError(text: string, cwd: string): string {
  try {
    new Server({ configText: text, cwd, log: false });
    return '';
  } catch (e) {
    if (e instanceof ConfigFileError) return e.text;
    throw e;
  }
}

describe('user lines in the config file', () => {
  test('users are created from the config file, and default can be redefined', async () => {
    const srv = await startRespite({
      configText:
        'user admin on >adminpw ~* &* +@all\nuser default on nopass -@all +ping +auth +hello\nuser ro on nopass %R~* +@read\n',
    });
    try {
      const c = await RawClient.connect(srv.port);
      assert.equal(await c.call('PING'), '+PONG\r\n');
      assert.equal(
        await c.call('GET', 'k'),
        "-NOPERM this user has no permissions to run the 'get' command\r\n",
      );
      assert.equal(await c.call('AUTH', 'admin', 'adminpw'), '+OK\r\n');
      const hash = createHash('sha256').update('adminpw').digest('hex');
      const lines = [
        `user admin on #${hash} ~* &* +@all`,
        'user default on nopass sanitize-payload resetchannels -@all +auth +hello +ping',
        'user ro on nopass %R~* resetchannels -@all +@read',
      ];
      const list = await c.call('ACL', 'LIST');
      const got = list.split('\r\n').filter((_, i) => i > 0 && i % 2 === 0);
      assert.equal(got.length, 3);
      assert.equal(got[0], lines[0]);
      assert.deepEqual(got[1].split(' ').sort(), lines[1].split(' ').sort());
      assert.equal(got[2], lines[2]);
      assert.equal(await c.call('AUTH', 'ro', 'x'), '+OK\r\n');
      assert.equal(await c.call('GET', 'k'), '$-1\r\n');
      c.close();
    } finally {
      await srv.close();
    }
  });

  test('requirepass with user default in the same file: the user line wins', () => {
    const s = new Server({ configText: 'requirepass foo\nuser default on >bar ~* +@all\n', log: false });
    assert.equal(s.acl.checkCredentials('default', 'bar') !== null, true);
    assert.equal(s.acl.checkCredentials('default', 'foo'), null);
  });

  test('bad user lines fail like redis-server (FATAL CONFIG FILE ERROR)', async () => {
    const cases = [
      'user carol on %~x\n',
      'user alice on (+get ~x\n',
      'user alice on\nuser alice off\n',
      'user bob on >x\nuser eve on #nothex\n',
      'user bob allkeys ~x\n',
    ];
    await Promise.all(
      cases.map(async (text) => {
        const dir = tempDir();
        try {
          writeFileSync(join(dir, 'r.conf'), text);
          const oracle = await runOracleAsync(['r.conf'], { cwd: dir });
          assert.equal(oracle.status, 1, oracle.stdout + oracle.stderr);
          // respite-server prints the error's text to stderr (main.ts); in-process is faster.
          assert.equal(respiteStartupError(text, dir), oracle.stderr, `stderr for ${JSON.stringify(text)}`);
        } finally {
          removeDir(dir);
        }
      }),
    );
  });

  test('user lines with an aclfile, an unknown command, or a missing aclfile stop the server as in Redis', async () => {
    const cases = [
      'aclfile users.acl\nuser alice on\n',
      'user bob on +nosuchcmd\n',
      'aclfile nonexistent.acl\n',
    ];
    await Promise.all(
      cases.map(async (text) => {
        const dir = tempDir();
        try {
          writeFileSync(join(dir, 'users.acl'), '');
          writeFileSync(join(dir, 'r.conf'), `port ${await freePort()}\nbind 127.0.0.1\n${text}`);
          const oracle = await runOracleAsync(['r.conf'], { cwd: dir });
          assert.equal(oracle.status, 1, oracle.stdout + oracle.stderr);
          // respite-server logs the error's text as its last line (main.ts).
          assert.equal(
            respiteStartupError(text, dir),
            logMessages(oracle.stdout).at(-1),
            `last log line for ${JSON.stringify(text)}`,
          );
        } finally {
          removeDir(dir);
        }
      }),
    );
  });

  test('CONFIG REWRITE writes every user as Redis does', async () => {
    const out: string[][] = [];
    for (const cmd of ['redis', 'respite'] as const) {
      const dir = tempDir();
      const port = await freePort();
      const file = join(dir, 'r.conf');
      writeFileSync(file, `port ${port}\nbind 127.0.0.1\nuser old on nopass +@all\n# keep\n`);
      const s = await startProcess(cmd, [file], port, { cwd: dir });
      try {
        const c = await RawClient.connect(port);
        assert.equal(await c.call('ACL', 'SETUSER', 'zed', 'on', '>pw', '~z*', '-@all', '+get'), '+OK\r\n');
        assert.equal(await c.call('ACL', 'DELUSER', 'old'), ':1\r\n');
        assert.equal(await c.call('CONFIG', 'REWRITE'), '+OK\r\n');
        c.close();
        out.push(
          readFileSync(file, 'latin1')
            .split('\n')
            .filter((l) => l.startsWith('user ') || l.startsWith('#')),
        );
      } finally {
        await s.kill();
        removeDir(dir);
      }
    }
    assert.deepEqual(out[1], out[0]);
  });

  test('the embedding API reports ACL startup errors as ConfigFileError', () => {
    assert.throws(
      () => new Server({ configText: 'user bob on +nosuchcmd\n', log: false }),
      (e) => e instanceof ConfigFileError && e.text === 'Critical error while loading ACLs. Exiting.',
    );
  });
});
