/**
 * Busy scripts (src/scripting/busy.ts): past busy-reply-threshold the script's instruction
 * hook serves the other clients — -BUSY for what is not allow_busy, SCRIPT KILL, SHUTDOWN
 * NOSAVE — on existing connections and on new ones (accepted by the worker thread). Each
 * scenario runs against Respite's CLI and against the oracle (child processes: a script
 * blocks the thread it runs on) and the replies are compared byte for byte.
 *
 * Also the embedder opt-in `killAfterBusy` (in-process).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import {
  hasOracle,
  startOracle,
  startRespite,
  startRespiteProcess,
  type ChildServer,
} from '../helpers/servers.js';
import { RawClient } from '../helpers/raw-client.js';
import { maskHelloId } from '../helpers/multi-pair.js';
import type { RespiteServer } from '../../src/index.js';
import { BUSY_FUNCTION, scriptEngine, type RunCtx } from '../../src/scripting/engine.js';
import { Client } from '../../src/server/client.js';

const BUSY = '-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n';
/** Generous: the first reply on another connection only comes once the script is busy. */
const WAIT = 20000;

const oracle = hasOracle();
let sockDir: string;
/** [respite, oracle] started with busy-reply-threshold 100 and a unix socket. */
let servers: { name: string; s: ChildServer; unix: string }[] = [];

before(async () => {
  sockDir = mkdtempSync(join(tmpdir(), 'respite-busy-'));
  const args = (name: string): string[] => [
    '--busy-reply-threshold',
    '100',
    '--unixsocket',
    join(sockDir, `${name}.sock`),
  ];
  servers = [
    { name: 'respite', s: await startRespiteProcess(args('respite')), unix: join(sockDir, 'respite.sock') },
  ];
  if (oracle)
    servers.push({
      name: 'oracle',
      s: await startOracle(args('oracle')),
      unix: join(sockDir, 'oracle.sock'),
    });
});

after(async () => {
  for (const { s } of servers) await s.stop();
  rmSync(sockDir, { recursive: true, force: true });
});

/** Runs `scenario` on every server and checks that all give the same transcript. */
async function same(scenario: (port: number, unix: string) => Promise<string[]>): Promise<string[]> {
  const results: string[][] = [];
  for (const { name, s, unix } of servers) {
    const t0 = Date.now();
    results.push(await scenario(s.port, unix));
    if (process.env.BUSY_TIMING) console.log(name, Date.now() - t0);
  }
  for (let i = 1; i < results.length; i++) assert.deepEqual(results[0], results[i], 'respite vs oracle');
  return results[0];
}

/** Sends PING on c until the reply is -BUSY: a script started on another connection is busy. */
async function waitBusy(c: RawClient, busy = BUSY): Promise<void> {
  const deadline = Date.now() + WAIT;
  for (;;) {
    c.send('PING');
    const r = await c.read(WAIT);
    if (r === busy) return;
    assert.equal(r, '+PONG\r\n');
    if (Date.now() > deadline) throw new Error('the script never became busy');
    await new Promise((res) => setTimeout(res, 20));
  }
}

/** Reads one reply per entry of `n` from c. */
async function readN(c: RawClient, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await c.read(WAIT));
  return out;
}

test('other connections get -BUSY, allowed commands run, SCRIPT KILL from an existing connection kills, pipelined commands follow in order', async () => {
  const t = await same(async (port) => {
    const log: string[] = [];
    const a = await RawClient.connect(port);
    const sub = await RawClient.connect(port);
    const caller = await RawClient.connect(port);
    const p = await RawClient.connect(port);
    try {
      await a.call('SET', 'k', 'v');
      await p.call('PING');
      await sub.call('SUBSCRIBE', 'ch');
      caller.write('*3\r\n$4\r\nEVAL\r\n$17\r\nwhile true do end\r\n$1\r\n0\r\n');
      caller.send('SET', 'after', '1');
      caller.send('GET', 'after');
      await waitBusy(a);
      log.push(await a.call('GET', 'k'));
      a.send('MULTI');
      a.send('GET', 'k');
      a.send('EXEC');
      a.send('AUTH', 'x');
      a.send('CLIENT', 'SETNAME', 'x');
      a.send('SCRIPT', 'FLUSH');
      a.send('UNKNOWNCMD');
      a.send('GET');
      a.send('WATCH', 'k');
      a.send('UNWATCH');
      log.push(...(await readN(a, 10)));
      // A command split across the busy period: the part read during it stays parsed.
      p.write('PING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk');
      log.push(await p.read(WAIT));
      log.push(maskHelloId(await a.call('HELLO', '3')));
      log.push(await a.call('HELLO', '2').then(maskHelloId));
      log.push(await sub.call('PING'), await sub.call('GET', 'k'));
      log.push(await a.call('SCRIPT', 'KILL'));
      log.push(...(await readN(caller, 3)));
      log.push(
        await a.call('GET', 'after'),
        await sub.call('PING'),
        await caller.call('EVAL', 'return 7', 0),
      );
      log.push(await a.call('SCRIPT', 'KILL'));
      p.write('\r\n');
      log.push(await p.read(WAIT));
    } finally {
      p.close();
      a.close();
      sub.close();
      caller.close();
    }
    return log;
  });
  assert.deepEqual(t.slice(0, 3), [BUSY, '+OK\r\n', BUSY]);
  assert.match(t[3], /^-EXECABORT Transaction discarded because of: BUSY /);
  assert.deepEqual([t[11], t[16]], [BUSY, '+OK\r\n']);
  assert.match(
    t[17],
    /^-ERR Script killed by user with SCRIPT KILL\.\.\. script: [0-9a-f]{40}, on @user_script:1\.\r\n$/,
  );
  assert.deepEqual(t.slice(18), [
    '+OK\r\n',
    '$1\r\n1\r\n',
    '$1\r\n1\r\n',
    '*2\r\n$4\r\npong\r\n$0\r\n\r\n',
    ':7\r\n',
    '-NOTBUSY No scripts in execution right now.\r\n',
    '$1\r\nv\r\n',
  ]);
});

test('a busy no-writes function (FCALL) gets the FUNCTION KILL texts: -BUSY, SCRIPT KILL refused, FUNCTION STATS, FUNCTION KILL ends it; a later EVAL is still detected as busy', async () => {
  const busyFn = `-${BUSY_FUNCTION}\r\n`;
  // Own servers: a failure in the middle leaves a spinning script, which must not reach the
  // other tests; stop() SIGKILLs it.
  const procs: ChildServer[] = [await startRespiteProcess(['--busy-reply-threshold', '100'])];
  try {
    if (oracle) procs.push(await startOracle(['--busy-reply-threshold', '100']));
    const transcripts: string[][] = [];
    for (const s of procs) {
      const log: string[] = [];
      const a = await RawClient.connect(s.port);
      const caller = await RawClient.connect(s.port);
      try {
        log.push(
          await a.call(
            'FUNCTION',
            'LOAD',
            "#!lua name=busylib\nredis.register_function{function_name='spin', callback=function() while true do end end, flags={'no-writes'}}",
          ),
        );
        caller.send('FCALL', 'spin', '0');
        caller.send('PING');
        await waitBusy(a, busyFn);
        log.push(await a.call('GET', 'k'), await a.call('SCRIPT', 'KILL'));
        // running_script: name and command (the duration varies).
        const stats = await a.call('FUNCTION', 'STATS');
        log.push(stats.slice(0, stats.indexOf('duration_ms')));
        log.push(await a.call('FUNCTION', 'KILL'));
        log.push(...(await readN(caller, 2)));
        log.push(await a.call('PING'), await a.call('FUNCTION', 'KILL'));
        // The VM's hook survived FUNCTION LOAD: an endless EVAL still becomes busy.
        caller.send('EVAL', 'while true do end', '0');
        await waitBusy(a);
        log.push(await a.call('FUNCTION', 'KILL'), await a.call('SCRIPT', 'KILL'));
        log.push(await caller.read(WAIT), await a.call('FUNCTION', 'DELETE', 'busylib'));
      } finally {
        a.close();
        caller.close();
      }
      transcripts.push(log);
    }
    if (transcripts.length > 1) assert.deepEqual(transcripts[0], transcripts[1], 'respite vs oracle');
    const t = transcripts[0];
    assert.deepEqual(t.slice(0, 3), ['$7\r\nbusylib\r\n', busyFn, busyFn]);
    assert.match(t[3], /running_script.*spin.*FCALL/s);
    assert.equal(t[4], '+OK\r\n');
    assert.match(
      t[5],
      /^-ERR Script killed by user with SCRIPT KILL\.\.\. script: spin, on @user_function:2\.\r\n$/,
    );
    assert.deepEqual(t.slice(6, 11), [
      '+PONG\r\n',
      '+PONG\r\n',
      '-NOTBUSY No scripts in execution right now.\r\n',
      BUSY,
      '+OK\r\n',
    ]);
    assert.match(t[11], /^-ERR Script killed by user with SCRIPT KILL\.\.\. script: [0-9a-f]{40}/);
    assert.equal(t[12], '+OK\r\n');
  } finally {
    for (const s of procs) await s.stop();
  }
});

test('new connections made during a busy script (TCP and unix socket) get -BUSY and can SCRIPT KILL, and keep working afterwards', async () => {
  const t = await same(async (port, unix) => {
    const log: string[] = [];
    const caller = await RawClient.connect(port);
    const a = await RawClient.connect(port);
    try {
      caller.send('EVAL', 'local i = 0 while true do i = i + 1 end', 0);
      caller.send('PING');
      await waitBusy(a);
      const n = await RawClient.connect(port);
      const u = await RawClient.connectPath(unix);
      log.push(await n.call('PING'), await u.call('GET', 'k'), await u.call('SCRIPT', 'KILL'));
      log.push(...(await readN(caller, 2)));
      // The connections made during the script keep working (Respite relays them).
      const big = 'x'.repeat(200000);
      log.push(await n.call('SET', 'big', big), await u.call('STRLEN', 'big'));
      const got = await n.call('GET', 'big');
      log.push(got === `$200000\r\n${big}\r\n` ? 'big ok' : `big differs: ${got.length}`);
      log.push(
        await n.call('CLIENT', 'SETNAME', 'relayed'),
        await u.call('SELECT', '2'),
        await u.call('DBSIZE'),
      );
      // A second busy script: the relayed connections get -BUSY again, and kill it.
      caller.send('EVAL', 'while true do end', 0);
      await waitBusy(n);
      log.push(await n.call('SCRIPT', 'KILL'));
      log.push((await caller.read(WAIT)).slice(0, 50));
      log.push(await n.call('CLIENT', 'GETNAME'), await u.call('PING'));
      n.close();
      u.close();
    } finally {
      caller.close();
      a.close();
    }
    return log;
  });
  assert.deepEqual(t.slice(0, 3), [BUSY, BUSY, '+OK\r\n']);
  assert.match(t[3], /^-ERR Script killed/);
  assert.deepEqual(t.slice(4, 7), ['+PONG\r\n', '+OK\r\n', ':200000\r\n']);
  assert.equal(t[7], 'big ok');
  assert.deepEqual(t.slice(11), [
    '+OK\r\n',
    '-ERR Script killed by user with SCRIPT KILL... scr',
    '$7\r\nrelayed\r\n',
    '+PONG\r\n',
  ]);
});

test('a new ioredis client connecting after the script started kills it with SCRIPT KILL', async () => {
  const caller = new Redis({ port: servers[0].s.port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
  const probe = await RawClient.connect(servers[0].s.port);
  try {
    await caller.ping();
    // Settled at once: the rejection may come before the assertion below is reached.
    const p = caller.eval('while true do end', 0).then(
      () => 'no error',
      (e: Error) => e.message,
    );
    // Wait for busy on an existing connection, then connect a new client.
    await waitBusy(probe);
    // No ready check: its INFO would get -BUSY.
    const killer = new Redis({
      port: servers[0].s.port,
      host: '127.0.0.1',
      maxRetriesPerRequest: 0,
      enableReadyCheck: false,
    });
    try {
      assert.equal(await killer.script('KILL'), 'OK');
      assert.match(await p, /^ERR Script killed by user with SCRIPT KILL\.\.\./);
      assert.equal(await killer.set('x', 'y'), 'OK');
      assert.equal(await caller.get('x'), 'y');
    } finally {
      killer.disconnect();
    }
  } finally {
    caller.disconnect();
    probe.close();
  }
});

test('a script that wrote is UNKILLABLE, SHUTDOWN is refused and SHUTDOWN NOSAVE ends the server', async () => {
  const procs: ChildServer[] = [await startRespiteProcess(['--busy-reply-threshold', '100'])];
  if (oracle) procs.push(await startOracle(['--busy-reply-threshold', '100']));
  try {
    const transcripts: string[][] = [];
    for (const s of procs) {
      const log: string[] = [];
      const caller = await RawClient.connect(s.port);
      const a = await RawClient.connect(s.port);
      caller.send('EVAL', "redis.call('SET', 'w', '1') while true do end", 0);
      await waitBusy(a);
      log.push(await a.call('SCRIPT', 'KILL'), await a.call('SHUTDOWN'), await a.call('SHUTDOWN', 'SAVE'));
      const exited = new Promise<number | null>((r) => s.proc.once('exit', (code) => r(code)));
      a.send('SHUTDOWN', 'NOSAVE');
      log.push(await a.waitClosed(WAIT), await caller.waitClosed(WAIT));
      log.push(`exit ${await exited}`);
      transcripts.push(log);
    }
    if (transcripts.length > 1) assert.deepEqual(transcripts[0], transcripts[1]);
    assert.deepEqual(transcripts[0], [
      '-UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.\r\n',
      BUSY,
      BUSY,
      '',
      '',
      'exit 0',
    ]);
  } finally {
    for (const s of procs) await s.stop();
  }
});

test('a server child whose launcher was killed during an endless script shuts down instead of spinning', async () => {
  const s = await startRespiteProcess(['--busy-reply-threshold', '100']);
  let pid = 0;
  try {
    const a = await RawClient.connect(s.port);
    const caller = await RawClient.connect(s.port);
    try {
      const info = await a.call('INFO', 'server');
      pid = Number(/process_id:(\d+)/.exec(info)![1]);
      caller.send('EVAL', 'while true do end', '0');
      await waitBusy(a);
    } finally {
      a.close();
      caller.close();
    }
    const alive = (): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    // The CLI runs the server as a child of a launcher (sized heap) unless it is the launcher.
    if (pid === s.proc.pid) return;
    s.proc.kill('SIGKILL');
    const deadline = Date.now() + WAIT;
    while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(alive(), false, 'the orphaned server child still runs');
  } finally {
    await s.stop();
    // Started by this test: never left spinning, even when the assertion failed.
    if (pid !== 0) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
});

let respite: RespiteServer;

test('SCRIPT KILL / FUNCTION KILL / FUNCTION STATS helpers tell EVAL scripts from functions (as scriptKill and functionStatsCommand)', async () => {
  const srv = await startRespite();
  try {
    const server = srv.server;
    const engine = scriptEngine(server);
    const c = new Client(server, 10000, null, server.dbs[0], Date.now());
    const caller = new Client(server, 10001, null, server.dbs[0], Date.now());
    caller.argv = ['FCALL', 'f', '0'];
    const out = (): string => {
      const s = c.out.buf.latin1Slice(0, c.out.pos);
      c.out.pos = 0;
      return s;
    };
    engine.killCommand(c, false);
    assert.equal(out(), '-NOTBUSY No scripts in execution right now.\r\n');
    assert.equal(engine.refuseFunctionStats(c), false);
    engine.writeRunningScript(c);
    assert.equal(out(), '$-1\r\n');
    const ctx: RunCtx = {
      caller,
      fake: caller,
      sha: '',
      flags: 0,
      start: Date.now(),
      killed: false,
      writeDirty: false,
      timedOut: true,
      isFunction: true,
      name: 'f',
    };
    engine.run = ctx;
    try {
      engine.killCommand(c, true);
      assert.equal(out(), `-${BUSY_FUNCTION}\r\n`);
      assert.equal(engine.refuseFunctionStats(c), false);
      engine.writeRunningScript(c);
      assert.match(
        out(),
        /^\*6\r\n\$4\r\nname\r\n\$1\r\nf\r\n\$7\r\ncommand\r\n\*3\r\n\$5\r\nFCALL\r\n\$1\r\nf\r\n\$1\r\n0\r\n\$11\r\nduration_ms\r\n:\d+\r\n$/,
      );
      ctx.writeDirty = true;
      engine.killCommand(c, false);
      assert.match(out(), /^-UNKILLABLE /);
      ctx.writeDirty = false;
      engine.killCommand(c, false);
      assert.equal(out(), '+OK\r\n');
      assert.equal(ctx.killed, true);
      ctx.isFunction = false;
      ctx.killed = false;
      engine.killCommand(c, false);
      assert.equal(out(), BUSY);
      assert.equal(engine.refuseFunctionStats(c), true);
      assert.equal(out(), BUSY);
    } finally {
      engine.run = null;
    }
  } finally {
    await srv.close();
  }
});

test('an endless read-only script is killed after busy-reply-threshold when killAfterBusy is on', async () => {
  respite = await startRespite();
  const r = new Redis({ host: '127.0.0.1', port: respite.port, maxRetriesPerRequest: 0 });
  try {
    scriptEngine(respite.server).killAfterBusy = true;
    await r.config('SET', 'busy-reply-threshold', '100');
    await assert.rejects(
      r.eval('while true do end', 0),
      /^ReplyError: ERR Script killed by user with SCRIPT KILL\.\.\./,
    );
    await assert.rejects(
      r.eval("local ok = pcall(function() while true do end end) return 'caught'", 0),
      /Script killed/,
    );
    assert.equal(await r.ping(), 'PONG');
    assert.equal(await r.eval('return 7', 0), 7);
    await assert.rejects(r.script('KILL'), /NOTBUSY No scripts in execution right now\./);
  } finally {
    scriptEngine(respite.server).killAfterBusy = false;
    r.disconnect();
    await respite.close();
  }
});
