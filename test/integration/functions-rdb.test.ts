/**
 * Function libraries in RDB files, both ways: a dump.rdb written by redis-server after
 * FUNCTION LOAD loads into Respite with FCALL working, one written by Respite passes
 * redis-check-rdb and loads into redis-server; DEBUG RELOAD keeps them; a file whose library
 * collides with a loaded one is refused as Redis refuses it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawClient } from '../helpers/raw-client.js';
import { startOracle, startRespite, hasOracle } from '../helpers/servers.js';

const skip = !hasOracle();

// One function per library: Redis lists a library's functions in (seeded) hash order.
const LIB_A =
  "#!lua name=liba\nlocal function incr(k) return redis.call('incr', k) end\n" +
  "redis.register_function('fa', function(keys, args) return incr(keys[1]) end)";
const LIB_C =
  "#!lua name=libc\nredis.register_function{function_name='fro', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}, description='reads a key'}";
const LIB_B =
  "#!lua name=libb\nredis.register_function('fb', function(keys, args) return 'b:' .. args[1] end)";

function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `respite-fn-${tag}-`));
}

/** The libraries as FUNCTION LIST WITHCODE shows them, by name (order-independent). */
async function libraries(c: RawClient): Promise<string[]> {
  const out: string[] = [];
  for (const name of ['liba', 'libb', 'libc'])
    out.push(await c.call('FUNCTION', 'LIST', 'LIBRARYNAME', name, 'WITHCODE'));
  return out;
}

async function exercise(c: RawClient): Promise<string[]> {
  return [
    await c.call('FCALL', 'fa', '1', 'n'),
    await c.call('FCALL_RO', 'fro', '1', 'n'),
    await c.call('FCALL', 'fb', '0', 'x'),
    await c.call('FUNCTION', 'STATS'),
  ];
}

test(
  'a dump.rdb saved by redis-server with libraries loads into Respite with FCALL working',
  { skip },
  async () => {
    const oracle = await startOracle();
    const oc = await RawClient.connect(oracle.port);
    const dir = tempDir('o2r');
    try {
      assert.equal(await oc.call('FUNCTION', 'LOAD', LIB_A), '$4\r\nliba\r\n');
      assert.equal(await oc.call('FUNCTION', 'LOAD', LIB_B), '$4\r\nlibb\r\n');
      assert.equal(await oc.call('FUNCTION', 'LOAD', LIB_C), '$4\r\nlibc\r\n');
      assert.equal(await oc.call('SET', 'n', '10'), '+OK\r\n');
      assert.equal(await oc.call('SAVE'), '+OK\r\n');
      copyFileSync(join(oracle.dir, 'dump.rdb'), join(dir, 'dump.rdb'));
      const want = await libraries(oc);
      const wantCalls = await exercise(oc);
      const srv = await startRespite({ config: { dir } });
      const c = await RawClient.connect(srv.port);
      try {
        assert.deepEqual(await libraries(c), want);
        assert.deepEqual(await exercise(c), wantCalls);
      } finally {
        c.close();
        await srv.close();
      }
    } finally {
      oc.close();
      await oracle.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'a dump.rdb saved by Respite with libraries passes redis-check-rdb and loads into redis-server',
  { skip },
  async () => {
    const dir = tempDir('r2o');
    const srv = await startRespite({ config: { dir } });
    const c = await RawClient.connect(srv.port);
    try {
      assert.equal(await c.call('FUNCTION', 'LOAD', LIB_A), '$4\r\nliba\r\n');
      assert.equal(await c.call('FUNCTION', 'LOAD', LIB_B), '$4\r\nlibb\r\n');
      assert.equal(await c.call('FUNCTION', 'LOAD', LIB_C), '$4\r\nlibc\r\n');
      assert.equal(await c.call('SET', 'n', '10'), '+OK\r\n');
      assert.equal(await c.call('SAVE'), '+OK\r\n');
      const check = spawnSync('redis-check-rdb', [join(dir, 'dump.rdb')], { encoding: 'latin1' });
      assert.equal(check.status, 0, check.stdout + check.stderr);
      assert.match(check.stdout, /\\o\/ RDB looks OK! \\o\//);
      const want = await libraries(c);
      const wantCalls = await exercise(c);
      const odir = tempDir('oracle');
      copyFileSync(join(dir, 'dump.rdb'), join(odir, 'dump.rdb'));
      const o2 = await startOracle(['--dir', odir]);
      const oc = await RawClient.connect(o2.port);
      try {
        assert.deepEqual(await libraries(oc), want);
        assert.deepEqual(await exercise(oc), wantCalls);
      } finally {
        oc.close();
        await o2.stop();
        rmSync(odir, { recursive: true, force: true });
      }
    } finally {
      c.close();
      await srv.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  'DEBUG RELOAD and BGSAVE keep the libraries; NOFLUSH refuses a library that exists',
  { skip },
  async () => {
    const dir = tempDir('reload');
    const srv = await startRespite({ config: { dir, 'enable-debug-command': 'yes' } });
    const c = await RawClient.connect(srv.port);
    try {
      assert.equal(await c.call('FUNCTION', 'LOAD', LIB_A), '$4\r\nliba\r\n');
      assert.equal(await c.call('SET', 'n', '1'), '+OK\r\n');
      assert.equal(await c.call('DEBUG', 'RELOAD'), '+OK\r\n');
      assert.equal(await c.call('FCALL', 'fa', '1', 'n'), ':2\r\n');
      assert.equal(await c.call('FUNCTION', 'LOAD', LIB_B), '$4\r\nlibb\r\n');
      assert.equal(await c.call('SAVE'), '+OK\r\n');
      // The library (and key) exist: loading the same file again without flushing fails.
      assert.equal(
        await c.call('DEBUG', 'RELOAD', 'NOSAVE', 'NOFLUSH'),
        '-ERR Error trying to load the RDB dump, check server logs.\r\n',
      );
      assert.equal(await c.call('DEBUG', 'RELOAD', 'NOSAVE'), '+OK\r\n');
      assert.equal(await c.call('FCALL', 'fb', '0', 'z'), '$3\r\nb:z\r\n');
      assert.equal(await c.call('FUNCTION', 'DELETE', 'libb'), '+OK\r\n');
      assert.equal(await c.call('BGSAVE'), '+Background saving started\r\n');
      for (let i = 0; i < 500 && /rdb_bgsave_in_progress:1/.test(await c.call('INFO', 'persistence')); i++)
        await new Promise((r) => setTimeout(r, 10));
      assert.equal(await c.call('FUNCTION', 'FLUSH'), '+OK\r\n');
      assert.equal(await c.call('DEBUG', 'RELOAD', 'NOSAVE'), '+OK\r\n');
      assert.match(await c.call('FUNCTION', 'LIST'), /liba/);
      assert.doesNotMatch(await c.call('FUNCTION', 'LIST'), /libb/);
    } finally {
      c.close();
      await srv.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
