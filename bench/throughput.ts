/**
 * Throughput, latency and server CPU per request: redis-benchmark against each server in
 * turn, alternating which goes first, with utime+stime of the server PID read around each run.
 */
import { startServer, type ServerProc } from './proc.js';
import { oneCommand, ReplyError } from './resp.js';
import { runRedisBenchmark, type LatencyStats } from './redis-benchmark.js';
import { fmtInt, fmtNum, fmtRatio, table } from './report.js';
import { say, median, naFromError, type Options } from './options.js';

export interface BenchMode {
  label: string;
  clients: number;
  pipeline: number;
  requests: number;
}

export interface Side {
  /** Why there is no figure ("n/a (not implemented)", an error). */
  na?: string;
  stats?: LatencyStats;
  cpuUsPerReq?: number;
  /** The user-mode and kernel-mode parts of cpuUsPerReq. */
  userUsPerReq?: number;
  sysUsPerReq?: number;
  /** Share of the run's wall time the server's main thread waited for a CPU (machine noise). */
  waitPct?: number;
}

export interface Row {
  test: string;
  redis: Side;
  respite: Side;
}

/** A cheap command per redis-benchmark test, to tell "not implemented" before running it. */
export const PROBES: Record<string, string[]> = {
  ping_inline: ['PING'],
  ping_mbulk: ['PING'],
  set: ['SET', 'bench:probe', 'x'],
  get: ['GET', 'bench:probe'],
  incr: ['INCR', 'bench:probe:counter'],
  lpush: ['LPUSH', 'bench:probe:list', 'x'],
  rpush: ['RPUSH', 'bench:probe:list', 'x'],
  lpop: ['LPOP', 'bench:probe:list'],
  rpop: ['RPOP', 'bench:probe:list'],
  sadd: ['SADD', 'bench:probe:set', 'x'],
  hset: ['HSET', 'bench:probe:hash', 'f', 'v'],
  spop: ['SPOP', 'bench:probe:set'],
  zadd: ['ZADD', 'bench:probe:zset', '1', 'x'],
  zpopmin: ['ZPOPMIN', 'bench:probe:zset'],
  lrange_100: ['LRANGE', 'bench:probe:list', '0', '99'],
  mset: ['MSET', 'bench:probe:a', 'x', 'bench:probe:b', 'y'],
};

export async function probe(s: ServerProc, test: string): Promise<string | null> {
  const cmd = PROBES[test];
  if (!cmd) return null;
  const r = await oneCommand(s.port, ...cmd);
  return r instanceof ReplyError ? naFromError(r.message) : null;
}

/**
 * `custom`: a command line for redis-benchmark to send instead of its built-in `-t test`;
 * `connect`: how to reach the server instead of its plain port (e.g. a TLS port and --tls flags).
 */
export async function measure(
  s: ServerProc,
  test: string,
  mode: BenchMode,
  keyspace: number,
  custom?: string[],
  connect?: string[],
): Promise<Side> {
  const args = [...(connect ?? ['-p', String(s.port)]), '-h', '127.0.0.1', '-c', String(mode.clients)];
  args.push('-n', String(mode.requests), '-r', String(keyspace), '-P', String(mode.pipeline));
  if (custom) args.push(...custom);
  else args.push('-t', test);
  const cpu0 = s.cpuTimes();
  const w0 = s.runQueueWaitSeconds();
  const t0 = process.hrtime.bigint();
  const run = await runRedisBenchmark(args);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const w1 = s.runQueueWaitSeconds();
  const cpu1 = s.cpuTimes();
  if (!s.alive) throw new Error(`${s.label} died during ${test}:\n${s.output.slice(-2000)}`);
  if (!run.ok) return { na: naFromError(run.error ?? 'unknown error') };
  const st = run.tests[0];
  const user = ((cpu1.user - cpu0.user) * 1e6) / st.requests;
  const sys = ((cpu1.sys - cpu0.sys) * 1e6) / st.requests;
  const waitPct = (100 * (w1 - w0)) / wall;
  return { stats: st, cpuUsPerReq: user + sys, userUsPerReq: user, sysUsPerReq: sys, waitPct };
}

export function combine(sides: Side[]): Side {
  const good = sides.filter((x) => x.stats);
  if (good.length === 0) return sides[0];
  if (good.length === 1) return good[0];
  const med = (f: (st: LatencyStats) => number) => median(good.map((g) => f(g.stats!)));
  const st: LatencyStats = {
    ...good[0].stats!,
    rps: med((x) => x.rps),
    avg: med((x) => x.avg),
    p50: med((x) => x.p50),
    p95: med((x) => x.p95),
    p99: med((x) => x.p99),
    p999: med((x) => x.p999),
    max: med((x) => x.max),
  };
  return {
    stats: st,
    cpuUsPerReq: median(good.map((g) => g.cpuUsPerReq!)),
    userUsPerReq: median(good.map((g) => g.userUsPerReq!)),
    sysUsPerReq: median(good.map((g) => g.sysUsPerReq!)),
    waitPct: median(good.map((g) => g.waitPct!)),
  };
}

/** The two -c 50 modes every comparison measures (the main run adds a latency mode). */
export function standardModes(o: Options): BenchMode[] {
  return [
    { label: `-c 50 -P 1`, clients: 50, pipeline: 1, requests: o.requests },
    { label: `-c 50 -P 16`, clients: 50, pipeline: 16, requests: o.requests },
  ];
}

/** One row of a comparison: a redis-benchmark test or a custom command line. */
export interface ComparedTest {
  /** Row label. */
  label: string;
  /** redis-benchmark's test name (`-t`), or the name of the custom command. */
  test: string;
  /** redis-benchmark's trailing arguments instead of `-t test` (a command, or login + `-t`). */
  custom?: string[];
  /** Commands sent to each server before each measurement; an error makes it n/a there. */
  setup?: string[][];
  /** A command sent to Respite once before measuring: an error makes the test n/a. */
  probe?: string[];
}

/** Runs setup commands; a reason to skip (n/a) when one fails, else null. */
async function runCommands(s: ServerProc, cmds: string[][] | undefined): Promise<string | null> {
  for (const cmd of cmds ?? []) {
    const r = await oneCommand(s.port, ...cmd);
    if (r instanceof ReplyError) return naFromError(r.message);
  }
  return null;
}

/**
 * Starts Redis and Respite, warms both up (so V8 has optimised Respite's request path before
 * anything is measured; Redis gets the same), then measures every test in every mode on both,
 * `o.repeat` times, alternating which server goes first so that slow drifts of machine load
 * hit both alike. `init` runs once on each server before the warm-up (e.g. ACL users).
 */
export async function compareServers(
  o: Options,
  modes: BenchMode[],
  tests: ComparedTest[],
  init?: (s: ServerProc) => Promise<void>,
): Promise<{ modes: BenchMode[]; rows: Row[][] }> {
  const keyspace = 100000;
  const redis = await startServer('redis');
  const respite = await startServer('respite');
  const all: Row[][] = [];
  const width = Math.max(6, ...tests.map((t) => t.label.length));
  try {
    say(
      `servers: Redis pid ${redis.pid} port ${redis.port}, Respite pid ${respite.pid} port ${respite.port}`,
    );
    for (const s of [redis, respite]) {
      if (init) await init(s);
      for (const t of ['set', 'get']) {
        if ((await probe(s, t)) !== null) continue;
        const args = ['-p', String(s.port), '-t', t, '-c', '50', '-n', '100000'];
        await runRedisBenchmark([...args, '-r', String(keyspace), '-P', '16']);
      }
    }
    const na = new Map<ComparedTest, string | null>();
    for (const t of tests) {
      const r = t.probe ? await oneCommand(respite.port, ...t.probe) : null;
      na.set(t, r instanceof ReplyError ? naFromError(r.message) : null);
    }
    let k = 0;
    for (const mode of modes) {
      const rows: Row[] = [];
      for (const t of tests) {
        const runs = new Map<ServerProc, Side[]>([
          [redis, []],
          [respite, []],
        ]);
        for (let rep = 0; rep < o.repeat; rep++, k++) {
          const order = k % 2 === 0 ? [redis, respite] : [respite, redis];
          for (const s of order) {
            let skip = s === respite ? na.get(t) : null;
            if (!skip) skip = await runCommands(s, t.setup);
            const side = skip ? { na: skip } : await measure(s, t.test, mode, keyspace, t.custom);
            runs.get(s)!.push(side);
            const st = side.stats;
            say(
              `  ${mode.label.padEnd(20)} ${t.label.padEnd(width)} ${s.label.padEnd(8)} ` +
                (st
                  ? `${fmtInt(st.rps).padStart(9)} req/s  p50 ${fmtNum(st.p50, 3)} ms  p99 ${fmtNum(st.p99, 3)} ms  ` +
                    `CPU ${cpuCell(side)} µs/req  wait ${fmtNum(side.waitPct, 0)}%`
                  : side.na),
            );
          }
        }
        rows.push({ test: t.label, redis: combine(runs.get(redis)!), respite: combine(runs.get(respite)!) });
      }
      all.push(rows);
    }
  } finally {
    await respite.stop();
    await redis.stop();
  }
  return { modes, rows: all };
}

/** The main run: redis-benchmark's built-in tests, plus a one-client latency mode. */
export function throughputPhase(o: Options): Promise<{ modes: BenchMode[]; rows: Row[][] }> {
  const modes: BenchMode[] = [
    ...standardModes(o),
    { label: `-c 1 -P 1 (latency)`, clients: 1, pipeline: 1, requests: o.latencyRequests },
  ];
  const tests = o.tests.map((t) => ({ label: t, test: t, probe: PROBES[t] }));
  return compareServers(o, modes, tests);
}

export function cpuCell(s: Side): string {
  return `${fmtNum(s.cpuUsPerReq)} (${fmtNum(s.userUsPerReq)}+${fmtNum(s.sysUsPerReq)})`;
}

export function throughputTable(rows: Row[]): string {
  const header = [
    'test',
    'Redis req/s',
    'Respite req/s',
    'req/s ratio',
    'p50 ms Redis / Respite',
    'p99 ms Redis / Respite',
    'CPU µs/req Redis (user+sys)',
    'CPU µs/req Respite (user+sys)',
    '**CPU ratio**',
  ];
  const out: string[][] = [];
  for (const r of rows) {
    const a = r.redis.stats;
    const b = r.respite.stats;
    const na = r.respite.na ?? 'n/a';
    out.push([
      r.test.toUpperCase(),
      a ? fmtInt(a.rps) : (r.redis.na ?? 'n/a'),
      b ? fmtInt(b.rps) : na,
      a && b ? fmtRatio(b.rps, a.rps) : 'n/a',
      `${a ? fmtNum(a.p50, 3) : 'n/a'} / ${b ? fmtNum(b.p50, 3) : 'n/a'}`,
      `${a ? fmtNum(a.p99, 3) : 'n/a'} / ${b ? fmtNum(b.p99, 3) : 'n/a'}`,
      a ? cpuCell(r.redis) : 'n/a',
      b ? cpuCell(r.respite) : na,
      a && b ? `**${fmtRatio(r.respite.cpuUsPerReq, r.redis.cpuUsPerReq)}**` : 'n/a',
    ]);
  }
  const waits = (f: (r: Row) => Side) =>
    rows
      .map(f)
      .filter((x) => x.waitPct !== undefined)
      .map((x) => fmtNum(x.waitPct, 0) + '%');
  const a = waits((r) => r.redis);
  const b = waits((r) => r.respite);
  return (
    table(header, out) +
    `\n\nMachine noise — share of each run's wall time the server's main thread was runnable but ` +
    `waiting for a CPU (\`/proc/<pid>/schedstat\`), per test: Redis ${a.join(', ') || 'n/a'}; ` +
    `Respite ${b.join(', ') || 'n/a'}.`
  );
}
