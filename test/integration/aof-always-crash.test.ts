/**
 * appendfsync always under SIGKILL: the batch's AOF write and fdatasync happen before any of
 * its replies is written (group commit, server.flushPending), so no acknowledged write may be
 * lost, with several writers and a pipelining client spanning many fsync groups.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { RawClient } from '../helpers/raw-client.js';
import { checkAof, kill, startOn, tempDir } from '../helpers/aof-proc.js';

test('with appendfsync always, concurrent writers (one pipelining) lose no acknowledged write to SIGKILL', async () => {
  const dir = tempDir('groupcrash');
  // Keys whose SET was answered: every one must survive every kill.
  const acked: string[] = [];
  const verify = async (port: number, what: string): Promise<void> => {
    const c = await RawClient.connect(port);
    try {
      for (let i = 0; i < acked.length; i += 500) {
        const chunk = acked.slice(i, i + 500);
        const n = Number((await c.call('EXISTS', ...chunk)).slice(1, -2));
        if (n !== chunk.length) {
          const lost: string[] = [];
          for (const k of chunk) if ((await c.call('EXISTS', k)) === ':0\r\n') lost.push(k);
          assert.fail(`${what}: ${lost.length} acknowledged keys lost, e.g. ${lost.slice(0, 5).join(' ')}`);
        }
      }
    } finally {
      c.close();
    }
  };
  try {
    for (let round = 0; round < 3; round++) {
      const srv = await startOn(dir, ['--appendfsync', 'always']);
      await verify(srv.port, `round ${round}`);
      let stop = false;
      const clients: RawClient[] = [];
      const writers: Promise<void>[] = [];
      for (let w = 0; w < 6; w++) {
        const c = await RawClient.connect(srv.port);
        clients.push(c);
        writers.push(
          (async () => {
            try {
              for (let i = 0; !stop; i++) {
                const k = `r${round}:w${w}:${i}`;
                if ((await c.call('SET', k, 'v')) !== '+OK\r\n') return;
                acked.push(k);
              }
            } catch {
              /* killed */
            }
          })(),
        );
      }
      // The pipeliner keeps up to 20 SETs in flight: its replies span several fsync groups.
      const p = await RawClient.connect(srv.port);
      clients.push(p);
      writers.push(
        (async () => {
          let sent = 0;
          let done = 0;
          try {
            while (!stop) {
              while (sent - done < 20) p.send('SET', `r${round}:p:${sent++}`, 'v');
              if ((await p.read()) !== '+OK\r\n') return;
              acked.push(`r${round}:p:${done++}`);
            }
          } catch {
            /* killed */
          }
        })(),
      );
      await new Promise((r) => setTimeout(r, 200 + Math.random() * 500));
      await kill(srv);
      stop = true;
      await Promise.all(writers);
      for (const c of clients) c.close();
    }
    assert.ok(acked.length > 0);
    const srv = await startOn(dir);
    try {
      await verify(srv.port, 'final');
    } finally {
      await kill(srv);
    }
    checkAof(join(dir, 'appendonlydir', 'appendonly.aof.manifest'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
