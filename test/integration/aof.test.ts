/**
 * Multi-part AOF: directories written by Respite pass redis-check-aof and load into
 * redis-server with the same DEBUG DIGEST (RDB and AOF bases, after BGREWRITEAOF); a
 * directory written by redis-server loads into Respite; relative TTLs are logged as absolute
 * PXAT; with appendfsync always no acknowledged write is lost by SIGKILL; a torn tail loads
 * with aof-load-truncated yes (truncated) and is fatal with no.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawClient } from '../helpers/raw-client.js';
import { freePort, hasOracle, RESPITE_BIN, startOracle, type ChildServer } from '../helpers/servers.js';
import { loadDataset, q } from '../helpers/dataset.js';

const skip = !hasOracle();

function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `respite-aof-${tag}-`));
}

interface Proc {
  port: number;
  proc: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** Starts Respite's CLI on `dir` (kept across restarts); resolves once it answers PING. */
async function startOn(dir: string, extra: string[] = []): Promise<Proc> {
  const port = await freePort();
  const args = [RESPITE_BIN, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''];
  args.push('--appendonly', 'yes', '--enable-debug-command', 'yes', ...extra);
  const proc = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d.toString()));
  proc.stderr!.on('data', (d) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 20000;
  for (;;) {
    if (gone) throw new Error(`respite exited:\n${out}`);
    try {
      const c = await RawClient.connect(port);
      const r = await c.call('PING');
      c.close();
      if (r === '+PONG\r\n') break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`respite did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 30));
  }
  return { port, proc, output: () => out, exited };
}

async function kill(p: Proc): Promise<void> {
  if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGKILL');
  await p.exited;
}

function checkAof(manifest: string): string {
  const r = spawnSync('redis-check-aof', [manifest], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  return r.stdout;
}

async function digest(port: number): Promise<string> {
  const c = await RawClient.connect(port);
  try {
    return (await q(c, 'DEBUG', 'DIGEST')) as string;
  } finally {
    c.close();
  }
}

for (const preamble of ['yes', 'no']) {
  test(
    `an AOF directory written by Respite (aof-use-rdb-preamble ${preamble}, after BGREWRITEAOF) passes redis-check-aof and loads into redis-server with the same digest`,
    { skip },
    async () => {
      const dir = tempDir('r2o');
      const srv = await startOn(dir, ['--appendfsync', 'always', '--aof-use-rdb-preamble', preamble]);
      let oracle: ChildServer | null = null;
      try {
        const c = await RawClient.connect(srv.port);
        await loadDataset(c);
        assert.equal(await q(c, 'BGREWRITEAOF'), 'Background append only file rewriting started');
        // After the rewrite: more writes go to the new incremental file, in several dbs.
        await q(c, 'SELECT', 2);
        await q(c, 'SET', 'after', 'rewrite', 'EX', 1000);
        await q(c, 'INCRBY', 'n', 41);
        await q(c, 'MULTI');
        await q(c, 'INCR', 'n');
        await q(c, 'RPUSH', 'l', 'a', 'b');
        await q(c, 'EXEC');
        await q(c, 'SELECT', 0);
        await q(c, 'DEL', 'str:int');
        const info = (await q(c, 'INFO', 'persistence')) as string;
        assert.match(info, /aof_enabled:1\r\n/);
        assert.match(info, /aof_rewrites:1\r\n/);
        assert.match(info, /aof_last_write_status:ok\r\n/);
        const want = await digest(srv.port);
        c.close();
        const adir = join(dir, 'appendonlydir');
        const files = readdirSync(adir).sort();
        const base = preamble === 'yes' ? 'appendonly.aof.2.base.rdb' : 'appendonly.aof.2.base.aof';
        assert.deepEqual(files, [base, 'appendonly.aof.2.incr.aof', 'appendonly.aof.manifest'].sort());
        assert.equal(
          readFileSync(join(adir, 'appendonly.aof.manifest'), 'latin1'),
          `file ${base} seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n`,
        );
        // The relative TTL is logged as an absolute PXAT.
        const incr = readFileSync(join(adir, 'appendonly.aof.2.incr.aof'), 'latin1');
        assert.match(incr, /\$4\r\nPXAT\r\n\$13\r\n\d{13}\r\n/);
        assert.doesNotMatch(incr, /\r\nEX\r\n/);
        checkAof(join(adir, 'appendonly.aof.manifest'));
        const copy = tempDir('copy');
        cpSync(adir, join(copy, 'appendonlydir'), { recursive: true });
        oracle = await startOracle([
          '--dir',
          copy,
          '--appendonly',
          'yes',
          '--appenddirname',
          'appendonlydir',
          '--enable-debug-command',
          'yes',
        ]);
        assert.equal(await digest(oracle.port), want);
        rmSync(copy, { recursive: true, force: true });
        // And Respite itself reloads it.
        await kill(srv);
        const again = await startOn(dir);
        assert.equal(await digest(again.port), want);
        await kill(again);
      } finally {
        await kill(srv);
        await oracle?.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
}

test(
  'an AOF directory written by redis-server loads into Respite with the same digest',
  { skip },
  async () => {
    const oracle = await startOracle(['--appendonly', 'yes', '--enable-debug-command', 'yes']);
    const dir = tempDir('o2r');
    try {
      const c = await RawClient.connect(oracle.port);
      await loadDataset(c);
      await q(c, 'BGREWRITEAOF');
      for (let i = 0; i < 200; i++) {
        const info = (await q(c, 'INFO', 'persistence')) as string;
        if (info.includes('aof_rewrite_in_progress:0') && info.includes('aof_rewrite_scheduled:0')) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      await q(c, 'SELECT', 5);
      await q(c, 'SET', 'later', 'x', 'PX', 100000);
      await q(c, 'HSET', 'h', 'a', '1', 'b', '2');
      await q(c, 'SELECT', 0);
      await q(c, 'LPOP', 'list:small');
      const want = await digest(oracle.port);
      c.close();
      // appendfsync everysec: wait for the writes to reach the file before copying.
      await new Promise((r) => setTimeout(r, 1200));
      cpSync(join(oracle.dir, 'appendonlydir'), join(dir, 'appendonlydir'), { recursive: true });
      const srv = await startOn(dir);
      try {
        assert.equal(await digest(srv.port), want);
        assert.match(srv.output(), /DB loaded from append only file/);
      } finally {
        await kill(srv);
      }
    } finally {
      await oracle.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('with appendfsync always no acknowledged write is lost when the server is SIGKILLed', async () => {
  const dir = tempDir('crash');
  // Values whose INCR was acknowledged but whose SET was cut by the kill.
  const maybeMissing = new Set<number>();
  let acked = 0;
  const verify = async (c: RawClient, what: string, every: number): Promise<void> => {
    const n = Number((await q(c, 'GET', 'counter')) ?? 0);
    assert.ok(n >= acked, `${what}: counter ${n} < acknowledged ${acked}`);
    for (let i = 1; i <= acked; i += every)
      if (!maybeMissing.has(i) && (await q(c, 'GET', `k:${i}`)) !== String(i))
        assert.fail(`${what}: k:${i} lost`);
  };
  try {
    for (let round = 0; round < 4; round++) {
      const srv = await startOn(dir, ['--appendfsync', 'always']);
      const c = await RawClient.connect(srv.port);
      await verify(c, `round ${round}`, 7);
      let stop = false;
      const writer = (async () => {
        let v = 0;
        try {
          while (!stop) {
            v = Number(await q(c, 'INCR', 'counter'));
            maybeMissing.add(v);
            await q(c, 'SET', `k:${v}`, String(v));
            maybeMissing.delete(v);
            acked = v;
          }
        } catch {
          /* killed */
        }
      })();
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 400));
      await kill(srv);
      stop = true;
      await writer;
      c.close();
    }
    assert.ok(acked > 0);
    const srv = await startOn(dir);
    const c = await RawClient.connect(srv.port);
    await verify(c, 'final', 1);
    c.close();
    await kill(srv);
    checkAof(join(dir, 'appendonlydir', 'appendonly.aof.manifest'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a torn AOF tail loads with aof-load-truncated yes (cut and logged) and is fatal with no', async () => {
  const dir = tempDir('torn');
  try {
    let srv = await startOn(dir, ['--appendfsync', 'always']);
    let c = await RawClient.connect(srv.port);
    for (let i = 1; i <= 200; i++) await q(c, 'SET', `t:${i}`, 'v'.repeat(i % 17));
    c.close();
    await kill(srv);
    const incr = join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof');
    const full = readFileSync(incr);
    const copyTo = (n: number): void => {
      rmSync(incr);
      cpSync(join(dir, 'full'), incr);
      truncateSync(incr, n);
    };
    cpSync(incr, join(dir, 'full'));
    // Fatal with aof-load-truncated no.
    copyTo(full.length - 3);
    const port = await freePort();
    const r = spawnSync(
      process.execPath,
      [RESPITE_BIN, '--port', String(port), '--dir', dir, '--save', '', '--appendonly', 'yes'].concat([
        '--aof-load-truncated',
        'no',
      ]),
      { cwd: dir, encoding: 'utf8', timeout: 20000 },
    );
    assert.notEqual(r.status, 0);
    assert.match(r.stdout + r.stderr, /Unexpected end of file reading the append only file/);
    for (let round = 0; round < 3; round++) {
      let cut = 20 + Math.floor(Math.random() * (full.length - 40));
      // A cut exactly before a command's '*' leaves a valid file: cut inside a command.
      while (full[cut] === 0x2a) cut++;
      copyTo(cut);
      srv = await startOn(dir, ['--aof-load-truncated', 'yes']);
      assert.match(
        srv.output(),
        /!!! Warning: short read while loading the AOF file appendonly\.aof\.1\.incr\.aof!!!/,
      );
      assert.match(
        srv.output(),
        /AOF appendonly\.aof\.1\.incr\.aof loaded anyway because aof-load-truncated is enabled/,
      );
      c = await RawClient.connect(srv.port);
      const keys = Number(await q(c, 'DBSIZE'));
      // A prefix of the writes survives.
      for (let i = 1; i <= keys; i++) assert.equal(Number(await q(c, 'EXISTS', `t:${i}`)), 1, `t:${i}`);
      // The file was cut at a command boundary: it is valid and writes append after it.
      await q(c, 'SET', 'after', 'cut');
      c.close();
      await kill(srv);
      assert.ok(statSync(incr).size <= cut + 80);
      checkAof(join(dir, 'appendonlydir', 'appendonly.aof.manifest'));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CONFIG SET appendonly turns the AOF on (base + incr + manifest) and off at runtime', async () => {
  const dir = tempDir('cfg');
  try {
    const srv = await startOn(dir, ['--appendonly', 'no']);
    const c = await RawClient.connect(srv.port);
    await q(c, 'SET', 'before', '1');
    let info = (await q(c, 'INFO', 'persistence')) as string;
    assert.match(info, /aof_enabled:0\r\n/);
    assert.equal(await q(c, 'CONFIG', 'SET', 'appendonly', 'yes'), 'OK');
    await q(c, 'SET', 'after', '2');
    info = (await q(c, 'INFO', 'persistence')) as string;
    assert.match(info, /aof_enabled:1\r\n/);
    assert.equal(await q(c, 'CONFIG', 'SET', 'appendonly', 'no'), 'OK');
    await q(c, 'SET', 'not-logged', '3');
    c.close();
    await kill(srv);
    const again = await startOn(dir, ['--appendonly', 'yes']);
    const c2 = await RawClient.connect(again.port);
    assert.equal(await q(c2, 'GET', 'before'), '1');
    assert.equal(await q(c2, 'GET', 'after'), '2');
    assert.equal(await q(c2, 'GET', 'not-logged'), null);
    c2.close();
    await kill(again);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('auto-aof-rewrite-percentage / -min-size rewrite the AOF when it grew enough', async () => {
  const dir = tempDir('auto');
  try {
    const srv = await startOn(dir, [
      '--auto-aof-rewrite-min-size',
      '4kb',
      '--auto-aof-rewrite-percentage',
      '100',
    ]);
    const c = await RawClient.connect(srv.port);
    for (let i = 0; i < 300; i++) await q(c, 'SET', `a:${i}`, 'x'.repeat(20));
    const want = await digest(srv.port);
    let info = '';
    for (let i = 0; i < 200 && !/aof_rewrites:[1-9]/.test(info); i++) {
      info = (await q(c, 'INFO', 'persistence')) as string;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.match(info, /aof_rewrites:[1-9]/);
    c.close();
    await kill(srv);
    const again = await startOn(dir);
    assert.equal(await digest(again.port), want);
    await kill(again);
    checkAof(join(dir, 'appendonlydir', 'appendonly.aof.manifest'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('aof-timestamp-enabled writes #TS annotations that redis-check-aof accepts and loading skips', async () => {
  const dir = tempDir('ts');
  try {
    const srv = await startOn(dir, ['--aof-timestamp-enabled', 'yes', '--appendfsync', 'always']);
    const c = await RawClient.connect(srv.port);
    await q(c, 'SET', 'k', 'v');
    await q(c, 'INCR', 'n');
    c.close();
    await kill(srv);
    const incr = readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof'), 'latin1');
    assert.match(incr, /^#TS:\d+\r\n/);
    checkAof(join(dir, 'appendonlydir', 'appendonly.aof.manifest'));
    const again = await startOn(dir);
    const c2 = await RawClient.connect(again.port);
    assert.equal(await q(c2, 'GET', 'k'), 'v');
    assert.equal(await q(c2, 'GET', 'n'), '1');
    c2.close();
    await kill(again);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
