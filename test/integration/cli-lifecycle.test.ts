/**
 * The respite-server process: startup, listeners, pidfile, unix socket, log lines, heap
 * sizing, signals and exit codes, compared with redis-server where Redis defines them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { RawClient } from '../helpers/raw-client.js';
import { startRespiteProcess, RESPITE_BIN } from '../helpers/servers.js';
import { startServer } from '../../src/index.js';
import {
  freePort,
  logMessages,
  removeDir,
  runBoth,
  startProcess,
  tempDir,
  waitForOutput,
} from './cli-util.js';

test('redis-cli talks to respite-server started from the command line', async () => {
  const srv = await startRespiteProcess();
  try {
    const r = spawnSync('redis-cli', ['-p', String(srv.port), 'ping'], { timeout: 10000 });
    assert.equal(r.stdout.toString(), 'PONG\n');
    const r2 = spawnSync('redis-cli', ['-p', String(srv.port), 'config', 'get', 'port'], { timeout: 10000 });
    assert.equal(r2.stdout.toString(), `port\n${srv.port}\n`);
  } finally {
    await srv.stop();
  }
});

/** Log messages from `Received SIGxxx` to the end, with the server's name made neutral. */
function shutdownMessages(out: string, sig: string): string[] {
  const msgs = logMessages(out).map((m) => m.replace(/^(Redis|Respite) is now ready/, 'SERVER is now ready'));
  return msgs.slice(msgs.findIndex((m) => m.startsWith(`Received ${sig}`)));
}

test('SIGTERM shuts down gracefully: pidfile and unix socket removed, exit code 0, log like redis-server', async () => {
  const results: string[][] = [];
  for (const cmd of ['redis', 'respite'] as const) {
    const dir = tempDir();
    const port = await freePort();
    const pidfile = join(dir, 'server.pid');
    const sock = join(dir, 'server.sock');
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir];
    args.push('--pidfile', pidfile, '--unixsocket', sock, '--unixsocketperm', '700');
    const s = await startProcess(cmd, args, port, { cwd: dir });
    try {
      await waitForOutput(s, 'ready to accept connections at');
      const pid = Number(readFileSync(pidfile, 'latin1').trim());
      assert.ok(s.output().includes(`pid=${pid}, just started`), 'the pidfile holds the server pid');
      assert.equal(statSync(sock).mode & 0o777, 0o700);
      const c = await RawClient.connectPath(sock);
      assert.equal(await c.call('PING'), '+PONG\r\n');
      c.close();
      s.proc.kill('SIGTERM');
      const { code } = await s.exited;
      assert.equal(code, 0, s.output());
      assert.equal(existsSync(pidfile), false, 'pidfile removed');
      assert.equal(existsSync(sock), false, 'unix socket removed');
      results.push(shutdownMessages(s.output(), 'SIGTERM'));
    } finally {
      await s.kill();
      removeDir(dir);
    }
  }
  assert.deepEqual(results[1], results[0]);
});

test('SIGINT shuts down too, saving the final RDB snapshot when save points are configured', async () => {
  const srv = await startRespiteProcess(['--save', '3600', '1']);
  try {
    const exited = new Promise<number | null>((r) => srv.proc.once('exit', (code) => r(code)));
    srv.proc.kill('SIGINT');
    assert.equal(await exited, 0);
    const msgs = shutdownMessages(srv.output(), 'SIGINT');
    assert.equal(msgs[0], 'Received SIGINT scheduling shutdown...');
    assert.equal(msgs[1], 'User requested shutdown...');
    assert.equal(msgs[2], 'Saving the final RDB snapshot before exiting.');
    assert.ok(srv.output().includes('DB saved on disk'), srv.output());
    assert.ok(existsSync(join(srv.dir, 'dump.rdb')), 'dump.rdb written');
    assert.equal(msgs.at(-1), 'SERVER is now ready to exit, bye bye...');
  } finally {
    await srv.stop();
  }
});

test('a port in use is a one-line error and exit code 1, like redis-server', async () => {
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as net.AddressInfo).port;
  const dir = tempDir();
  try {
    const { respite, oracle } = await runBoth(['--port', String(port), '--bind', '127.0.0.1', '--save', ''], {
      cwd: dir,
    });
    assert.equal(oracle.status, 1);
    assert.equal(respite.status, 1);
    const expected = [
      `Warning: Could not create server TCP listening socket 127.0.0.1:${port}: bind: Address already in use`,
      `Failed listening on port ${port} (TCP), aborting.`,
    ];
    const pick = (out: string) =>
      logMessages(out).filter((m) => m.includes(`${port}`) && !m.startsWith('Running'));
    assert.deepEqual(pick(oracle.stdout), expected);
    assert.deepEqual(pick(respite.stdout), expected);
    // Embedded, the same reason rejects startServer().
    await assert.rejects(startServer({ port }), { message: expected[0] });
  } finally {
    blocker.close();
    removeDir(dir);
  }
});

test('listener failures are logged and end the process like redis-server', async () => {
  const dir = tempDir();
  try {
    const port = await freePort();
    const cases = [
      ['--port', '0'],
      ['--port', String(port), '--unixsocket', join(dir, 'missing', 'x.sock')],
      ['--port', String(port), '--bind', '-10.255.255.1'],
      ['--port', String(port), '--bind', '10.255.255.1'],
    ];
    for (const args of cases) {
      const { respite, oracle } = await runBoth([...args, '--save', ''], { cwd: dir });
      assert.equal(respite.status, oracle.status, args.join(' '));
      const pick = (out: string) =>
        logMessages(out).filter((m) => /listening|Unix socket|not listen anywhere|Failed/.test(m));
      assert.equal(oracle.status, 1);
      assert.deepEqual(pick(respite.stdout), pick(oracle.stdout), args.join(' '));
    }
  } finally {
    removeDir(dir);
  }
});

test('the launcher sizes the V8 heap from maxmemory, or from the machine without it', async () => {
  const heapOf = (out: string) => Number(/V8 heap limit=(\d+) MB/.exec(out)![1]);
  const withMax = await startRespiteProcess(['--maxmemory', '100mb']);
  try {
    await waitForOutput(withMax, 'V8 heap limit');
    const target = Math.ceil(100 * 1.5) + 256;
    const heap = heapOf(withMax.output());
    assert.ok(heap >= target && heap < target + 200, `heap ${heap} MB for maxmemory 100mb`);
  } finally {
    await withMax.stop();
  }
  const machine = await startRespiteProcess();
  try {
    const heap = heapOf(machine.output());
    const target = (totalmem() * 0.75) / (1024 * 1024);
    assert.ok(
      heap >= target * 0.95 && heap < target * 1.25 + 200,
      `heap ${heap} MB, machine target ${target}`,
    );
  } finally {
    await machine.stop();
  }
});

test('--version, --help and unsupported modes exit like redis-server', () => {
  const v = spawnSync(process.execPath, [RESPITE_BIN, '--version']);
  assert.equal(v.status, 0);
  assert.match(v.stdout.toString(), /^Respite server v=\S+ redis_version=7\.0\.15 /);
  const h = spawnSync(process.execPath, [RESPITE_BIN, '--help']);
  assert.equal(h.status, 1);
  assert.match(
    h.stderr.toString(),
    /^Usage: \.\/respite-server \[\/path\/to\/redis\.conf\] \[options\] \[-\]/,
  );
  const s = spawnSync(process.execPath, [RESPITE_BIN, '--sentinel']);
  assert.equal(s.status, 1);
});

test('config from standard input and a log file: lines go to the file, not to stdout', async () => {
  const dir = tempDir();
  const port = await freePort();
  const logfile = join(dir, 'respite.log');
  const s = await startProcess('respite', ['-'], port, {
    cwd: dir,
    input: `port ${port}\nbind 127.0.0.1\nlogfile ${logfile}\nloglevel verbose\n`,
  });
  try {
    const log = readFileSync(logfile, 'latin1');
    assert.match(log, /Ready to accept connections/);
    assert.match(log, /Configuration loaded/);
    assert.doesNotMatch(s.output(), /Ready to accept connections/);
    assert.match(s.output(), /Reading config from stdin/);
    s.proc.kill('SIGTERM');
    assert.equal((await s.exited).code, 0);
    assert.match(readFileSync(logfile, 'latin1'), /bye bye/);
  } finally {
    await s.kill();
    removeDir(dir);
  }
});
