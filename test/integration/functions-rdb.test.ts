/**
 * Function libraries in RDB files, both ways: a dump.rdb written by redis-server after
 * FUNCTION LOAD loads into Respite with FCALL working, one written by Respite passes
 * redis-check-rdb and loads into redis-server; DEBUG RELOAD keeps them; a file whose library
 * collides with a loaded one is refused as Redis refuses it; AOF directories (logged FUNCTION
 * commands, rewritten bases with and without RDB preamble) load both ways.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawClient } from '../helpers/raw-client.js';
import { inOracleLoading } from '../helpers/rdb-files.js';
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
      const want = await libraries(c);
      const wantCalls = await exercise(c);
      await inOracleLoading(dir, async (oc) => {
        assert.deepEqual(await libraries(oc), want);
        assert.deepEqual(await exercise(oc), wantCalls);
      });
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

/**
 * Waits until redis-server has written its AOF buffer to the file: with appendfsync everysec
 * it postpones that write (up to 2 s) while a background fsync runs, and replies meanwhile,
 * so a copy of the directory made right after a reply can miss the last commands.
 */
async function waitAofWritten(c: RawClient): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    const info = await c.call('INFO', 'persistence');
    if (/aof_buffer_length:0\r/.test(info) && /aof_pending_bio_fsync:0\r/.test(info)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('redis-server did not write its AOF buffer');
}

async function waitRewrite(c: RawClient): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    const info = await c.call('INFO', 'persistence');
    if (/aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('AOF rewrite did not finish');
}

test(
  'AOF directories with libraries load both ways (logged FUNCTION commands and rewritten bases)',
  { skip },
  async () => {
    for (const preamble of ['yes', 'no']) {
      // redis-server's AOF -> Respite.
      const oracle = await startOracle(['--appendonly', 'yes', '--aof-use-rdb-preamble', preamble]);
      const oc = await RawClient.connect(oracle.port);
      const dir = tempDir('aof-o2r');
      try {
        await oc.call('FUNCTION', 'LOAD', LIB_A);
        await oc.call('FUNCTION', 'LOAD', LIB_B);
        await oc.call('SET', 'n', '5');
        await oc.call('FCALL', 'fa', '1', 'n');
        await oc.call('FUNCTION', 'DELETE', 'libb');
        await oc.call('FUNCTION', 'LOAD', LIB_C);
        await oc.call('FUNCTION', 'LOAD', 'REPLACE', LIB_B);
        await waitAofWritten(oc);
        cpSync(join(oracle.dir, 'appendonlydir'), join(dir, 'appendonlydir'), { recursive: true });
        const want = await libraries(oc);
        const srv = await startRespite({ config: { dir, appendonly: 'yes' } });
        const c = await RawClient.connect(srv.port);
        try {
          assert.deepEqual(await libraries(c), want, `logged commands, preamble ${preamble}`);
          assert.equal(await c.call('GET', 'n'), '$1\r\n6\r\n');
        } finally {
          c.close();
          await srv.close();
        }
        assert.match(await oc.call('BGREWRITEAOF'), /^\+/);
        await waitRewrite(oc);
        await waitAofWritten(oc);
        rmSync(join(dir, 'appendonlydir'), { recursive: true, force: true });
        cpSync(join(oracle.dir, 'appendonlydir'), join(dir, 'appendonlydir'), { recursive: true });
        const srv2 = await startRespite({ config: { dir, appendonly: 'yes' } });
        const c2 = await RawClient.connect(srv2.port);
        try {
          assert.deepEqual(await libraries(c2), want, `rewritten base, preamble ${preamble}`);
        } finally {
          c2.close();
          await srv2.close();
        }
      } finally {
        oc.close();
        await oracle.stop();
        rmSync(dir, { recursive: true, force: true });
      }
      // Respite's AOF (after a rewrite) -> redis-server.
      const rdir = tempDir('aof-r2o');
      const srv = await startRespite({
        config: { dir: rdir, appendonly: 'yes', 'aof-use-rdb-preamble': preamble },
      });
      const c = await RawClient.connect(srv.port);
      try {
        await c.call('FUNCTION', 'LOAD', LIB_A);
        await c.call('FUNCTION', 'LOAD', LIB_C);
        assert.match(await c.call('BGREWRITEAOF'), /^\+/);
        await waitRewrite(c);
        await c.call('FUNCTION', 'LOAD', LIB_B);
        await c.call('SET', 'n', '5');
        await c.call('FCALL', 'fa', '1', 'n');
        const want = await libraries(c);
        const odir = tempDir('aof-oracle');
        cpSync(join(rdir, 'appendonlydir'), join(odir, 'appendonlydir'), { recursive: true });
        const o2 = await startOracle([
          '--dir',
          odir,
          '--appendonly',
          'yes',
          '--aof-use-rdb-preamble',
          preamble,
        ]);
        const oc2 = await RawClient.connect(o2.port);
        try {
          assert.deepEqual(await libraries(oc2), want, `Respite's AOF, preamble ${preamble}`);
          assert.equal(await oc2.call('GET', 'n'), '$1\r\n6\r\n');
        } finally {
          oc2.close();
          await o2.stop();
          rmSync(odir, { recursive: true, force: true });
        }
      } finally {
        c.close();
        await srv.close();
        rmSync(rdir, { recursive: true, force: true });
      }
    }
  },
);
