/**
 * `npm run bench -- --persistence`: the fork-less BGSAVE and RDB loading.
 *
 * 1. Respite with `--keys` keys (1,000,000 by default) under a steady SET load from
 *    redis-benchmark: BGSAVE's duration and the longest event-loop stall while it runs (from
 *    the opt-in stall monitor, 100 ms intervals), against the same load without a BGSAVE.
 * 2. The same dump.rdb loaded at startup by Respite and by Redis: the "DB loaded from disk"
 *    time each logs.
 * 3. SET throughput and server CPU per request with appendonly yes and appendfsync everysec /
 *    always, Respite and Redis in the same run (redis-benchmark, 50 clients, no pipelining).
 * 4. BGREWRITEAOF of the same keys under the SET load: duration and longest event-loop stall.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { startServer, sleep, freePort, ROOT, type MachineInfo, type ServerProc } from './proc.js';
import { loadKeys, info, oneCommand } from './resp.js';
import { fmtInt, fmtNum, fmtMB, table, machineLine } from './report.js';
import { say, commandLine, type Options } from './options.js';
import { stallLines, summariseStalls, type StallSummary } from './scale.js';
import { value10 } from './memory.js';

interface Window {
  seconds: number;
  stalls: StallSummary;
}

async function bgsaveInProgress(port: number): Promise<boolean> {
  const m = await info(port, 'persistence');
  if (typeof m === 'string') throw new Error(m);
  return m.get('rdb_bgsave_in_progress') === '1';
}

/** Runs `during` while a SET load runs against the server; returns the stall summary of the window. */
async function underLoad(s: ServerProc, n: number, during: () => Promise<void>): Promise<Window> {
  // redis-benchmark has no duration option: a huge -n, stopped (our own child, by handle) after.
  const load = spawn(
    'redis-benchmark',
    [
      '-p',
      String(s.port),
      '-h',
      '127.0.0.1',
      '-c',
      '20',
      '-P',
      '1',
      '-r',
      String(n),
      '-d',
      '10',
      '-t',
      'set',
      '-n',
      '100000000',
      '-q',
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise((r) => load.once('exit', r));
  try {
    await sleep(1000);
    const t0 = Date.now();
    await during();
    const t1 = Date.now();
    await sleep(300); // the stall-monitor line covering the end of the window
    return { seconds: (t1 - t0) / 1000, stalls: summariseStalls(stallLines(s.output, t0, t1)) };
  } finally {
    load.kill('SIGKILL');
    await exited;
  }
}

/** Starts a server on a copy of `rdb` and returns the load time it logs. */
async function loadTime(kind: 'redis' | 'respite', rdb: string): Promise<number> {
  const dir = mkdtempSync(join(os.tmpdir(), `respite-bench-load-${kind}-`));
  copyFileSync(rdb, join(dir, 'dump.rdb'));
  const port = await freePort();
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
  ];
  const heap = `--max-old-space-size=${Math.floor((os.totalmem() * 0.75) / (1024 * 1024))}`;
  const child =
    kind === 'redis'
      ? spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(process.execPath, [heap, join(ROOT, 'dist', 'src', 'main.js'), ...args], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString('latin1')));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString('latin1')));
  try {
    const deadline = Date.now() + 300000;
    for (;;) {
      const m = /DB loaded from disk: ([\d.]+) seconds/.exec(out);
      if (m) return Number(m[1]);
      if (child.exitCode !== null) throw new Error(`${kind} exited while loading:\n${out}`);
      if (Date.now() > deadline) throw new Error(`${kind} did not load within 300 s`);
      await sleep(50);
    }
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

interface AofRun {
  rps: number;
  cpuUsPerReq: number;
}

/** redis-benchmark SET against a server with appendonly yes and `policy`. */
async function aofSetRun(kind: 'redis' | 'respite', policy: string, requests: number): Promise<AofRun> {
  const s = await startServer(kind, { args: ['--appendonly', 'yes', '--appendfsync', policy] });
  try {
    const cpu0 = s.cpuSeconds();
    const out = await new Promise<string>((resolve, reject) => {
      const b = spawn(
        'redis-benchmark',
        ['-p', String(s.port), '-h', '127.0.0.1', '-c', '50', '-P', '1', '-r', '100000', '-d', '10'].concat([
          '-t',
          'set',
          '-n',
          String(requests),
          '--csv',
        ]),
        { stdio: ['ignore', 'pipe', 'ignore'] },
      );
      let text = '';
      b.stdout.on('data', (d: Buffer) => (text += d.toString()));
      b.once('error', reject);
      b.once('exit', () => resolve(text));
    });
    const cpu = s.cpuSeconds() - cpu0;
    const m = /"SET","([\d.]+)"/.exec(out);
    if (!m) throw new Error(`redis-benchmark output: ${out}`);
    return { rps: Number(m[1]), cpuUsPerReq: (cpu * 1e6) / requests };
  } finally {
    await s.stop();
  }
}

async function rewriteInProgress(port: number): Promise<boolean> {
  const m = await info(port, 'persistence');
  if (typeof m === 'string') throw new Error(m);
  return m.get('aof_rewrite_in_progress') === '1' || m.get('aof_rewrite_scheduled') === '1';
}

/** Sections 3 and 4: AOF SET throughput vs Redis, and BGREWRITEAOF of n keys under load. */
async function aofSections(o: Options, n: number): Promise<string[]> {
  const requests = o.quick ? 20000 : 200000;
  const rows: string[][] = [];
  const ratios: string[] = [];
  for (const policy of ['everysec', 'always']) {
    say(`  AOF SET throughput, appendfsync ${policy}...`);
    const redis = await aofSetRun('redis', policy, requests);
    const mine = await aofSetRun('respite', policy, requests);
    rows.push([
      policy,
      fmtInt(Math.round(redis.rps)),
      fmtInt(Math.round(mine.rps)),
      `${fmtNum(mine.rps / redis.rps)}×`,
      fmtNum(redis.cpuUsPerReq),
      fmtNum(mine.cpuUsPerReq),
      `${fmtNum(mine.cpuUsPerReq / redis.cpuUsPerReq)}×`,
    ]);
    ratios.push(
      `${policy}: ${fmtNum(mine.rps / redis.rps)}× req/s, ${fmtNum(mine.cpuUsPerReq / redis.cpuUsPerReq)}× CPU/req`,
    );
  }
  say(`  ${ratios.join('; ')}`);
  const respite = await startServer('respite', {
    args: ['--appendonly', 'yes', '--appendfsync', 'everysec'],
    env: { RESPITE_STALL_LOG: '1', RESPITE_STALL_LOG_INTERVAL_MS: '100' },
  });
  let rw: Window;
  let slice = NaN;
  try {
    say(`  BGREWRITEAOF of ${fmtInt(n)} keys under the SET load...`);
    const res = await loadKeys(respite.port, n, (i) => `key:${String(i).padStart(12, '0')}`, value10);
    if (res.errors > 0) throw new Error(`load errors: ${res.firstError}`);
    rw = await underLoad(respite, n, async () => {
      await oneCommand(respite.port, 'BGREWRITEAOF');
      while (await rewriteInProgress(respite.port)) await sleep(20);
    });
    await sleep(200);
    const sl = /AOF rewrite: \d+ keys in [\d.]+ s, longest slice ([\d.]+) ms/.exec(respite.output);
    slice = sl ? Number(sl[1]) : NaN;
    const pm = await info(respite.port, 'persistence');
    if (typeof pm === 'string' || pm.get('aof_last_bgrewrite_status') !== 'ok')
      throw new Error('BGREWRITEAOF failed');
  } finally {
    await respite.stop();
  }
  say(
    `  BGREWRITEAOF: ${fmtNum(rw.seconds)} s, max stall ${fmtNum(rw.stalls.max)} ms, longest slice ${fmtNum(slice)} ms`,
  );
  return [
    `AOF: redis-benchmark \`-t set -c 50 -P 1 -r 100000 -d 10 -n ${fmtInt(requests)}\` against each server ` +
      'started with `--appendonly yes --appendfsync <policy>` (RDB preamble base); CPU per request from ' +
      "/proc/<pid>/stat (user+sys) over the run. Targets: everysec CPU/request ≤ 1.5× Redis's; always req/s ≥ 0.8× Redis's.",
    table(
      [
        'appendfsync',
        'Redis req/s',
        'Respite req/s',
        'ratio',
        'Redis µs CPU/req',
        'Respite µs CPU/req',
        'ratio',
      ],
      rows,
    ),
    table(
      [
        'BGREWRITEAOF under the SET load',
        'seconds',
        'max event-loop stall (ms)',
        'p99.9 (ms)',
        'longest rewrite slice (ms)',
      ],
      [
        [
          `${fmtInt(n)} keys`,
          fmtNum(rw.seconds),
          fmtNum(rw.stalls.max),
          fmtNum(rw.stalls.p999),
          fmtNum(slice),
        ],
      ],
    ),
  ];
}

export async function persistenceMode(o: Options, m: MachineInfo): Promise<string> {
  const n = o.keys;
  const respite = await startServer('respite', {
    env: { RESPITE_STALL_LOG: '1', RESPITE_STALL_LOG_INTERVAL_MS: '100' },
  });
  let base: Window;
  let bg: Window;
  let rdbPath: string;
  let rdbSize: number;
  let slice = NaN;
  try {
    say(`persistence: loading ${fmtInt(n)} keys into Respite (pid ${respite.pid})...`);
    const res = await loadKeys(respite.port, n, (i) => `key:${String(i).padStart(12, '0')}`, value10);
    if (res.errors > 0) throw new Error(`load errors: ${res.firstError}`);
    say('  SET load without BGSAVE (3 s)...');
    base = await underLoad(respite, n, () => sleep(3000));
    say('  SET load with BGSAVE...');
    bg = await underLoad(respite, n, async () => {
      await oneCommand(respite.port, 'BGSAVE');
      while (await bgsaveInProgress(respite.port)) await sleep(20);
    });
    await sleep(200);
    const sl = /Background saving: \d+ keys in [\d.]+ s, longest slice ([\d.]+) ms/.exec(respite.output);
    slice = sl ? Number(sl[1]) : NaN;
    const pm = await info(respite.port, 'persistence');
    if (typeof pm === 'string' || pm.get('rdb_last_bgsave_status') !== 'ok') throw new Error('BGSAVE failed');
    // startServer runs Respite in its temp dir: the file is there.
    const cwd = (respite as unknown as { tmpDir: string }).tmpDir;
    const keep = mkdtempSync(join(os.tmpdir(), 'respite-bench-rdb-'));
    rdbPath = join(keep, 'dump.rdb');
    copyFileSync(join(cwd, 'dump.rdb'), rdbPath);
    rdbSize = statSync(rdbPath).size;
  } finally {
    await respite.stop();
  }
  say(
    `  BGSAVE: ${fmtNum(bg.seconds)} s, max stall ${fmtNum(bg.stalls.max)} ms (without: ${fmtNum(base.stalls.max)} ms), longest snapshot slice ${fmtNum(slice)} ms`,
  );
  say('  startup load of the same file...');
  const loadRespite = await loadTime('respite', rdbPath);
  const loadRedis = await loadTime('redis', rdbPath);
  rmSync(join(rdbPath, '..'), { recursive: true, force: true });
  const parts: string[] = [machineLine(m)];
  parts.push(
    `Command: \`${commandLine(o)}\` — ${fmtInt(n)} keys \`key:NNNNNNNNNNNN\` → 10-byte value, under ` +
      `redis-benchmark \`-t set -c 20 -P 1 -r ${fmtInt(n)} -d 10\`; stalls from Respite's stall monitor ` +
      `(100 ms intervals); dump.rdb of ${fmtMB(rdbSize)}. The snapshot's own longest time slice ` +
      `(wall time measured inside Respite: includes any GC pause or CPU preemption inside the slice): ${fmtNum(slice)} ms.`,
  );
  parts.push(
    table(
      ['window', 'seconds', 'max event-loop stall (ms)', 'p99.9 (ms)', 'GC minor max (ms)'],
      [
        [
          'SET load only',
          fmtNum(base.seconds),
          fmtNum(base.stalls.max),
          fmtNum(base.stalls.p999),
          fmtNum(base.stalls.gcMinorMax),
        ],
        [
          'SET load + BGSAVE',
          fmtNum(bg.seconds),
          fmtNum(bg.stalls.max),
          fmtNum(bg.stalls.p999),
          fmtNum(bg.stalls.gcMinorMax),
        ],
      ],
    ),
  );
  parts.push(
    table(
      ['startup load of the same dump.rdb', 'Redis', 'Respite', 'ratio'],
      [
        [
          'DB loaded from disk (s)',
          fmtNum(loadRedis, 3),
          fmtNum(loadRespite, 3),
          `${fmtNum(loadRespite / loadRedis)}×`,
        ],
      ],
    ),
  );
  parts.push(...(await aofSections(o, n)));
  return parts.join('\n\n');
}
