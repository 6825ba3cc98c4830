/**
 * AOF write errors as Redis 7.0's flushAppendOnlyFile: with everysec/no a failed write keeps
 * the buffer, refuses writes (and PING) with MISCONF until a retry succeeds; with always the
 * server exits without acknowledging the write. A real ENOSPC comes from an incremental file
 * that is a symlink to /dev/full; the previous files stay intact.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RawClient } from '../helpers/raw-client.js';
import { startRespite } from '../helpers/servers.js';
import { q } from '../helpers/dataset.js';
import { checkAof, kill, rewriteDone, startOn, tempDir } from '../helpers/aof-proc.js';

const MISCONF_ENOSPC = '-MISCONF Errors writing to the AOF file: No space left on device\r\n';
const hasDevFull = existsSync('/dev/full');

test('an AOF write error with appendfsync everysec refuses writes with MISCONF until a retry succeeds', async () => {
  const dir = tempDir('err');
  const srv = await startRespite({ config: { dir, appendonly: 'yes', appendfsync: 'everysec' } });
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(await q(c, 'SET', 'a', '1'), 'OK');
    srv.server.aof.injectWriteError = 'ENOSPC';
    // The write that hits the error was executed and is acknowledged (as in Redis: the reply
    // is already queued); it stays in the AOF buffer.
    assert.equal(await q(c, 'SET', 'b', '2'), 'OK');
    assert.equal(await c.call('SET', 'c', '3'), MISCONF_ENOSPC);
    assert.equal(await c.call('PING'), MISCONF_ENOSPC);
    assert.equal(await q(c, 'GET', 'b'), '2');
    assert.equal(await q(c, 'GET', 'c'), null);
    let info = (await q(c, 'INFO', 'persistence')) as string;
    assert.match(info, /aof_last_write_status:err\r\n/);
    assert.match(info, /aof_buffer_length:[1-9]/);
    srv.server.aof.injectWriteError = null;
    // The cron retries once a second; then writes are accepted again.
    const deadline = Date.now() + 10000;
    while (!/aof_last_write_status:ok/.test(info) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      info = (await q(c, 'INFO', 'persistence')) as string;
    }
    assert.match(info, /aof_last_write_status:ok\r\n/);
    assert.equal(await q(c, 'SET', 'c', '3'), 'OK');
    assert.equal(await q(c, 'PING'), 'PONG');
    const incr = readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof'), 'latin1');
    assert.match(incr, /\$1\r\nb\r\n\$1\r\n2\r\n[^]*\$1\r\nc\r\n\$1\r\n3\r\n/);
    checkAof(join(dir, 'appendonlydir', 'appendonly.aof.manifest'));
  } finally {
    c.close();
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a failed background fsync (everysec) also gives MISCONF until an fsync succeeds', async () => {
  const dir = tempDir('fsyncerr');
  const srv = await startRespite({ config: { dir, appendonly: 'yes', appendfsync: 'everysec' } });
  const c = await RawClient.connect(srv.port);
  try {
    assert.equal(await q(c, 'SET', 'a', '1'), 'OK');
    const aof = srv.server.aof;
    // Only the fsync fails: the write path is not reached while the buffer is empty.
    aof.injectWriteError = 'EIO';
    let reply = '';
    const deadline = Date.now() + 10000;
    while (!reply.startsWith('-MISCONF') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      reply = await c.call('PING');
    }
    assert.equal(reply, '-MISCONF Errors writing to the AOF file: Input/output error\r\n');
    aof.injectWriteError = null;
    while (reply !== '+PONG\r\n' && Date.now() < deadline + 5000) {
      await new Promise((r) => setTimeout(r, 50));
      reply = await c.call('PING');
    }
    assert.equal(reply, '+PONG\r\n');
  } finally {
    c.close();
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test(
  'a real ENOSPC (incr file on /dev/full): everysec answers MISCONF, always exits without acknowledging, old files intact',
  { skip: !hasDevFull },
  async () => {
    const dir = tempDir('devfull');
    try {
      for (const policy of ['everysec', 'always']) {
        const srv = await startOn(dir, ['--appendfsync', policy]);
        const c = await RawClient.connect(srv.port);
        assert.equal(await q(c, 'SET', `before-${policy}`, 'kept'), 'OK');
        const adir = join(dir, 'appendonlydir');
        // The next rewrite opens incr seq+1: make it the full device.
        const m = readFileSync(join(adir, 'appendonly.aof.manifest'), 'latin1');
        const seq = Math.max(...[...m.matchAll(/seq (\d+) type i/g)].map((x) => Number(x[1])));
        const full = join(adir, `appendonly.aof.${seq + 1}.incr.aof`);
        symlinkSync('/dev/full', full);
        assert.equal(await q(c, 'BGREWRITEAOF'), 'Background append only file rewriting started');
        await rewriteDone(c);
        if (policy === 'everysec') {
          assert.equal(await q(c, 'SET', 'x', '1'), 'OK');
          assert.equal(await c.call('SET', 'y', '2'), MISCONF_ENOSPC);
          assert.match(srv.output(), /Error writing to the AOF file: No space left on device/);
          c.close();
          await kill(srv);
        } else {
          // The reply never comes: the server exits first.
          c.send('SET', 'x', '1');
          assert.equal(await c.waitClosed(30000), '');
          assert.equal(await srv.exited, 1);
          assert.match(
            srv.output(),
            /Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting.../,
          );
          c.close();
        }
        // The base written by the rewrite and the manifest are intact: with the full device
        // replaced by an empty file, everything acknowledged before the error loads.
        unlinkSync(full);
        writeFileSync(full, '');
        checkAof(join(adir, 'appendonly.aof.manifest'));
      }
      const again = await startOn(dir);
      const c = await RawClient.connect(again.port);
      assert.equal(await q(c, 'GET', 'before-everysec'), 'kept');
      assert.equal(await q(c, 'GET', 'before-always'), 'kept');
      assert.equal(await q(c, 'GET', 'y'), null);
      c.close();
      await kill(again);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
