/**
 * Startup loading after listening: while the RDB (or AOF) loads in time slices the server
 * accepts connections and answers -LOADING to commands without the `loading` flag (INFO,
 * CONFIG, ... still run), INFO reports Redis's loading fields, and clients such as ioredis
 * wait and then work. key-load-delay stretches the load, on both servers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { RawClient } from '../helpers/raw-client.js';
import { freePort, hasOracle, RESPITE_BIN } from '../helpers/servers.js';
import { q } from '../helpers/dataset.js';
import { kill, startOn, tempDir } from '../helpers/aof-proc.js';

const KEYS = 20000;
const LOADING = '-LOADING Redis is loading the dataset in memory\r\n';

interface Loading {
  port: number;
  proc: ChildProcess;
  output(): string;
}

/** Starts a server on `dir` and returns as soon as it accepts connections (still loading). */
async function spawnLoading(cmd: string, args: string[], dir: string): Promise<Loading> {
  const port = await freePort();
  const proc = spawn(
    cmd,
    [...args, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''],
    {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  proc.stdout!.on('data', (d) => (out += d.toString()));
  proc.stderr!.on('data', (d) => (out += d.toString()));
  const deadline = Date.now() + 30000;
  for (;;) {
    try {
      const c = await RawClient.connect(port);
      c.close();
      return { port, proc, output: () => out };
    } catch {
      if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`no listener:\n${out}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

async function stop(s: Loading): Promise<void> {
  if (s.proc.exitCode === null && s.proc.signalCode === null) {
    const exited = new Promise((r) => s.proc.once('exit', r));
    s.proc.kill('SIGKILL');
    await exited;
  }
}

/** Replies of a few commands during loading, and the INFO loading field names. */
async function duringLoading(port: number): Promise<{ replies: string[]; fields: string[] }> {
  const c = await RawClient.connect(port);
  try {
    const replies = [
      await c.call('GET', 'key:1'),
      await c.call('SET', 'x', '1'),
      await c.call('PING'),
      await c.call('DBSIZE'),
      (await c.call('CONFIG', 'GET', 'maxmemory-policy')).replace(/\d+/g, 'N'),
    ];
    const info = (await q(c, 'INFO', 'persistence')) as string;
    const fields = info
      .split('\r\n')
      .filter((l) => l.startsWith('loading') || l.startsWith('async_loading'))
      .map((l) => l.split(':')[0]);
    assert.match(info, /loading:1\r\n/);
    assert.match(info, /loading_loaded_perc:\d+\.\d\d\r\n/);
    return { replies, fields };
  } finally {
    c.close();
  }
}

test(
  'while an RDB loads the server answers -LOADING as redis-server does, then serves the data',
  { skip: !hasOracle() },
  async () => {
    const dir = tempDir('load');
    try {
      // An RDB of KEYS keys, written by Respite.
      const w = await startOn(dir, ['--appendonly', 'no']);
      const c = await RawClient.connect(w.port);
      assert.equal(await q(c, 'DEBUG', 'POPULATE', KEYS), 'OK');
      assert.equal(await q(c, 'SAVE'), 'OK');
      c.close();
      await kill(w);
      const odir = mkdtempSync(join(tmpdir(), 'respite-load-oracle-'));
      copyFileSync(join(dir, 'dump.rdb'), join(odir, 'dump.rdb'));
      // ~200 us per key: a few seconds of loading.
      const mine = await spawnLoading(process.execPath, [RESPITE_BIN, '--key-load-delay', '200'], dir);
      // Redis serves clients every loading-process-events-interval-bytes of input.
      const oracle = await spawnLoading(
        'redis-server',
        ['--key-load-delay', '200', '--loading-process-events-interval-bytes', '1024'],
        odir,
      );
      try {
        const a = await duringLoading(mine.port);
        const b = await duringLoading(oracle.port);
        assert.deepEqual(a.replies, b.replies);
        assert.equal(a.replies[0], LOADING);
        assert.deepEqual(a.fields, b.fields);
        // ioredis waits for loading:0 (its ready check), then works.
        const io = new Redis({ port: mine.port, host: '127.0.0.1', lazyConnect: true });
        try {
          await io.connect();
          assert.equal(await io.get('key:1'), 'value:1');
          assert.equal(await io.dbsize(), KEYS);
        } finally {
          io.disconnect();
        }
        assert.match(mine.output(), /DB loaded from disk: [\d.]+ seconds/);
        assert.ok(
          mine.output().indexOf('Ready to accept connections') > mine.output().indexOf('DB loaded from disk'),
        );
      } finally {
        await stop(mine);
        await stop(oracle);
        rmSync(odir, { recursive: true, force: true });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('while an AOF loads the server answers -LOADING, then the replayed data is there', async () => {
  const dir = tempDir('loadaof');
  try {
    const w = await startOn(dir, ['--appendfsync', 'no']);
    const c = await RawClient.connect(w.port);
    for (let b = 0; b < 20; b++) {
      const mset: (string | number)[] = ['MSET'];
      for (let i = 0; i < 500; i++) mset.push(`k:${b}:${i}`, i);
      await q(c, ...mset);
      await q(c, 'RPUSH', 'list', b);
    }
    c.close();
    await kill(w);
    const mine = await spawnLoading(
      process.execPath,
      [RESPITE_BIN, '--appendonly', 'yes', '--key-load-delay', '100000'],
      dir,
    );
    try {
      const c2 = await RawClient.connect(mine.port);
      assert.equal(await c2.call('GET', 'k:0:1'), LOADING);
      assert.match(
        (await q(c2, 'INFO', 'persistence')) as string,
        /loading:1\r\n[^]*loading_total_bytes:\d+/,
      );
      const deadline = Date.now() + 60000;
      let r = LOADING;
      while (r === LOADING && Date.now() < deadline) {
        await new Promise((res) => setTimeout(res, 50));
        r = await c2.call('LLEN', 'list');
      }
      assert.equal(r, ':20\r\n');
      assert.equal(await q(c2, 'DBSIZE'), '10001');
      c2.close();
    } finally {
      await stop(mine);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A dump.rdb of KEYS keys in a new directory (written by Respite); its bytes. */
async function rdbDir(tag: string): Promise<{ dir: string; rdb: Buffer }> {
  const dir = tempDir(tag);
  const w = await startOn(dir, ['--appendonly', 'no']);
  try {
    const c = await RawClient.connect(w.port);
    assert.equal(await q(c, 'DEBUG', 'POPULATE', KEYS), 'OK');
    assert.equal(await q(c, 'SAVE'), 'OK');
    c.close();
  } finally {
    await kill(w);
  }
  return { dir, rdb: readFileSync(join(dir, 'dump.rdb')) };
}

test('SHUTDOWN SAVE while loading saves nothing: the file is never replaced by the half-loaded dataset', async () => {
  const { dir, rdb } = await rdbDir('loadshut');
  try {
    const mine = await spawnLoading(process.execPath, [RESPITE_BIN, '--key-load-delay', '200'], dir);
    try {
      const exited = new Promise((r) => mine.proc.once('exit', r));
      const c = await RawClient.connect(mine.port);
      assert.equal(await c.call('GET', 'key:1'), LOADING);
      c.send('SHUTDOWN', 'SAVE');
      assert.equal(await exited, 0);
      c.close();
      assert.ok(readFileSync(join(dir, 'dump.rdb')).equals(rdb), 'dump.rdb changed');
      assert.doesNotMatch(mine.output(), /DB saved on disk/);
    } finally {
      await stop(mine);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CONFIG SET appendonly yes while an RDB loads writes the AOF base once the whole dataset is loaded', async () => {
  const { dir } = await rdbDir('loadaofon');
  try {
    const mine = await spawnLoading(process.execPath, [RESPITE_BIN, '--key-load-delay', '200'], dir);
    try {
      const c = await RawClient.connect(mine.port);
      assert.equal(await c.call('GET', 'key:1'), LOADING);
      assert.equal(await q(c, 'CONFIG', 'SET', 'appendonly', 'yes'), 'OK');
      const deadline = Date.now() + 60000;
      let info = '';
      while (Date.now() < deadline) {
        info = (await q(c, 'INFO', 'persistence')) as string;
        if (
          /loading:0\r\n/.test(info) &&
          /aof_rewrites:1\r\n/.test(info) &&
          /aof_rewrite_in_progress:0/.test(info)
        )
          break;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.match(info, /aof_last_bgrewrite_status:ok\r\n/);
      assert.match(info, /aof_rewrites:1\r\n/);
      c.close();
    } finally {
      await stop(mine);
    }
    rmSync(join(dir, 'dump.rdb'));
    const again = await startOn(dir);
    try {
      const c = await RawClient.connect(again.port);
      assert.equal(await q(c, 'DBSIZE'), String(KEYS));
      c.close();
    } finally {
      await kill(again);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
