/**
 * appendfsync always with the asynchronous group commit (aof.ts): a batch's fdatasync runs in
 * the thread pool while the loop keeps executing commands, and every reply waits for the
 * fsync that covers what was appended before it. The test hook `fsyncGate` holds each fsync's
 * completion until the test delivers it, so the order is checked without timing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RawClient } from '../helpers/raw-client.js';
import { startRespite } from '../helpers/servers.js';
import { checkAof, kill, startOn, tempDir } from '../helpers/aof-proc.js';

async function until(cond: () => boolean, what: string, ms = 20000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timeout waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A few event-loop turns and a little time: a reply that was (wrongly) written would arrive. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  await new Promise((r) => setTimeout(r, 30));
}

test('with appendfsync always each reply leaves only after the fsync covering its write, while the loop keeps executing', async () => {
  const dir = tempDir('group');
  const srv = await startRespite({ config: { dir, appendonly: 'yes', appendfsync: 'always' } });
  const aof = srv.server.aof;
  const gate: (() => void)[] = [];
  const a = await RawClient.connect(srv.port);
  const b = await RawClient.connect(srv.port);
  const incr = join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof');
  try {
    aof.fsyncGate = (done) => gate.push(done);
    a.send('SET', 'k1', 'v1');
    await until(() => gate.length === 1, 'the first fsync');
    // Written before its fsync started; not acknowledged until that fsync is delivered.
    assert.match(readFileSync(incr, 'latin1'), /\$2\r\nk1\r\n\$2\r\nv1\r\n/);
    // Meanwhile the loop serves: a read of k1 and a's next write execute, their replies held.
    b.send('GET', 'k1');
    a.send('SET', 'k2', 'v2');
    await until(() => srv.server.dbs[0].dict.has('k2'), 'SET k2 executed');
    await settle();
    assert.equal(a.pending(), '');
    assert.equal(b.pending(), '');
    // k2 joins the next group: it is not in the file before the first fsync completes.
    assert.doesNotMatch(readFileSync(incr, 'latin1'), /\$2\r\nk2\r\n/);
    gate.shift()!();
    // Only the covered part of a's output leaves: SET k1's reply, not SET k2's.
    assert.equal(await a.read(), '+OK\r\n');
    await until(() => gate.length === 1, 'the second fsync');
    assert.match(readFileSync(incr, 'latin1'), /\$2\r\nk2\r\n\$2\r\nv2\r\n/);
    await settle();
    assert.equal(a.pending(), '');
    gate.shift()!();
    assert.equal(await a.read(), '+OK\r\n');
    assert.equal(await b.read(), '$2\r\nv1\r\n');
    aof.fsyncGate = null;
    // Without the gate: a pipeline of writes and reads, replies in order.
    a.write(Buffer.from('*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\n1\r\n*2\r\n$4\r\nINCR\r\n$1\r\nx\r\nPING\r\n'));
    assert.equal(await a.read(), '+OK\r\n');
    assert.equal(await a.read(), ':2\r\n');
    assert.equal(await a.read(), '+PONG\r\n');
  } finally {
    aof.fsyncGate = null;
    a.close();
    b.close();
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('turning AOF off while an fsync runs releases the replies it held (stop fsyncs synchronously), and QUIT still closes after its reply', async () => {
  const dir = tempDir('groupoff');
  const srv = await startRespite({ config: { dir, appendonly: 'yes', appendfsync: 'always' } });
  const aof = srv.server.aof;
  const gate: (() => void)[] = [];
  const a = await RawClient.connect(srv.port);
  const b = await RawClient.connect(srv.port);
  const c = await RawClient.connect(srv.port);
  try {
    aof.fsyncGate = (done) => gate.push(done);
    a.send('SET', 'k', 'v');
    await until(() => gate.length === 1, 'the fsync');
    c.send('QUIT');
    await settle();
    assert.equal(a.pending(), '');
    assert.equal(c.closed, false);
    // Stopping the AOF writes and fsyncs the file synchronously and closes it: the held
    // replies leave at once; the first fsync's late completion (on the closed fd) is ignored.
    b.send('CONFIG', 'SET', 'appendonly', 'no');
    assert.equal(await b.read(), '+OK\r\n');
    assert.equal(await a.read(), '+OK\r\n');
    assert.equal(await c.waitClosed(), '+OK\r\n');
    await until(() => gate.length === 1, 'the first fsync');
    gate.shift()!();
    await settle();
    assert.equal(a.pending(), '');
    assert.equal(b.pending(), '');
    aof.fsyncGate = null;
    assert.equal(await a.call('GET', 'k'), '$1\r\nv\r\n');
    assert.equal(await a.call('SET', 'k2', 'v2'), '+OK\r\n');
  } finally {
    aof.fsyncGate = null;
    a.close();
    b.close();
    c.close();
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('after a failed AOF write with appendfsync always nothing is acknowledged any more, even if fatalExit does not exit', async () => {
  const dir = tempDir('groupfail');
  const srv = await startRespite({ config: { dir, appendonly: 'yes', appendfsync: 'always' } });
  const aof = srv.server.aof;
  let exits = 0;
  aof.fatalExit = () => exits++;
  const a = await RawClient.connect(srv.port);
  try {
    assert.equal(await a.call('SET', 'a', '1'), '+OK\r\n');
    aof.injectWriteError = 'EIO';
    a.send('SET', 'b', '2');
    await until(() => exits === 1, 'fatalExit');
    aof.injectWriteError = null;
    // A later write would succeed, but the server should be gone: nothing more reaches the
    // file (it is written in the turn that executes the command) and no reply leaves.
    a.send('SET', 'c', '3');
    a.send('PING');
    await until(() => srv.server.dbs[0].dict.has('c'), 'SET c executed');
    await settle();
    const incr = readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof'), 'latin1');
    assert.doesNotMatch(incr, /\$1\r\nc\r\n/);
    assert.equal(a.pending(), '');
    assert.equal(exits, 1);
  } finally {
    a.close();
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

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
