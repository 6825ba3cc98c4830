/**
 * Scale mode: 10,000,000 keys in each server, then a steady SET/GET load on random keys;
 * client-observed tail latency, and Respite's event-loop stalls and GC pauses (from its
 * opt-in stall monitor, RESPITE_STALL_LOG=1, and node's --trace-gc).
 */
import { startServer, sleep, type MachineInfo } from './proc.js';
import { loadKeys } from './resp.js';
import { runRedisBenchmark, type LatencyStats } from './redis-benchmark.js';
import { fmtInt, fmtNum, fmtRatio, fmtMB, table, machineLine } from './report.js';
import { say, median, commandLine, type Options } from './options.js';
import { value10 } from './memory.js';

export interface StallLine {
  t: number;
  interval: number;
  samples: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  gcMinor: [number, number, number];
  gcMajor: [number, number, number];
}

export const STALL_RE =
  /stall-monitor: t=(\d+) interval_ms=(\d+) samples=(\d+) p50=([\d.]+) p99=([\d.]+) p999=([\d.]+) max=([\d.]+) gc_minor=(\d+)\/([\d.]+)\/([\d.]+) gc_major=(\d+)\/([\d.]+)\/([\d.]+)/g;

export function stallLines(output: string, from: number, to: number): StallLine[] {
  const res: StallLine[] = [];
  for (const m of output.matchAll(STALL_RE)) {
    const n = m.slice(1).map(Number);
    const line: StallLine = {
      t: n[0],
      interval: n[1],
      samples: n[2],
      p50: n[3],
      p99: n[4],
      p999: n[5],
      max: n[6],
      gcMinor: [n[7], n[8], n[9]],
      gcMajor: [n[10], n[11], n[12]],
    };
    // A line covers (t - interval, t]: keep it when most of that lies in the window.
    if (line.t > from + line.interval / 2 && line.t <= to + line.interval / 2) res.push(line);
  }
  return res;
}

export interface StallSummary {
  intervals: number;
  /** Largest per-interval percentile: an upper bound of the percentile over the window. */
  p99: number;
  p999: number;
  max: number;
  medianP999: number;
  gcMinorCount: number;
  gcMinorMax: number;
  gcMajorCount: number;
  gcMajorMax: number;
}

export function summariseStalls(lines: StallLine[]): StallSummary {
  const mx = (f: (l: StallLine) => number) => lines.reduce((a, l) => Math.max(a, f(l)), 0);
  const sum = (f: (l: StallLine) => number) => lines.reduce((a, l) => a + f(l), 0);
  return {
    intervals: lines.length,
    p99: mx((l) => l.p99),
    p999: mx((l) => l.p999),
    max: mx((l) => l.max),
    medianP999: median(lines.map((l) => l.p999)),
    gcMinorCount: sum((l) => l.gcMinor[0]),
    gcMinorMax: mx((l) => l.gcMinor[1]),
    gcMajorCount: sum((l) => l.gcMajor[0]),
    gcMajorMax: mx((l) => l.gcMajor[1]),
  };
}

/** Main-thread pauses reported by --trace-gc in output[from, to). */
export interface TraceGc {
  scavenges: number;
  scavengeMedian: number;
  scavengeMax: number;
  marks: number;
  markMax: number;
  stepMax: number;
}

export function traceGc(output: string, from: number, to: number): TraceGc {
  const r: TraceGc = { scavenges: 0, scavengeMedian: NaN, scavengeMax: 0, marks: 0, markMax: 0, stepMax: 0 };
  const pauses: number[] = [];
  const text = output.slice(from, to);
  for (const m of text.matchAll(
    /ms: (Scavenge|Mark-Compact|Mark-Compact \(reduce\)|Minor Mark-Compact|Mark-sweep)\b[^,\n]*, ([\d.]+) \/ [\d.]+ ms([^\n]*)/g,
  )) {
    const pause = Number(m[2]);
    if (m[1] === 'Scavenge' || m[1] === 'Minor Mark-Compact') {
      r.scavenges++;
      r.scavengeMax = Math.max(r.scavengeMax, pause);
      pauses.push(pause);
    } else {
      r.marks++;
      r.markMax = Math.max(r.markMax, pause);
      const step = /biggest step ([\d.]+) ms/.exec(m[3]);
      if (step) r.stepMax = Math.max(r.stepMax, Number(step[1]));
    }
  }
  r.scavengeMedian = median(pauses);
  return r;
}

export async function scaleMode(o: Options, m: MachineInfo): Promise<string> {
  const n = o.scaleKeys;
  const width = 12; // redis-benchmark's __rand_int__ is 12 digits, so the load hits these keys
  const key = (i: number) => `key:${String(i).padStart(width, '0')}`;
  const respite = await startServer('respite', {
    nodeFlags: ['--trace-gc'],
    env: { RESPITE_STALL_LOG: '1', RESPITE_STALL_LOG_INTERVAL_MS: '1000' },
  });
  const redis = await startServer('redis');
  try {
    say(`scale: Redis pid ${redis.pid} port ${redis.port}, Respite pid ${respite.pid} port ${respite.port}`);
    const empty = { redis: redis.rssBytes(), respite: respite.rssBytes() };
    const loads: Record<
      string,
      {
        seconds: number;
        rss: number;
        waitPct: number;
        stalls?: StallSummary;
        gc?: TraceGc;
      }
    > = {};
    for (const s of [respite, redis]) {
      say(`  loading ${fmtInt(n)} keys into ${s.label}...`);
      const t0 = Date.now();
      const w0 = s.runQueueWaitSeconds();
      const off0 = s.output.length;
      const res = await loadKeys(s.port, n, key, value10);
      const waitPct = (100 * (s.runQueueWaitSeconds() - w0)) / ((Date.now() - t0) / 1000);
      if (res.errors > 0)
        throw new Error(`${s.label}: ${res.errors} errors while loading, first: ${res.firstError}`);
      await sleep(1500);
      loads[s.kind] = { seconds: res.seconds, rss: s.rssBytes(), waitPct };
      if (s === respite) {
        loads.respite.stalls = summariseStalls(stallLines(s.output, t0, Date.now()));
        loads.respite.gc = traceGc(s.output, off0, s.output.length);
      }
      say(`    ${fmtNum(res.seconds)} s, RSS ${fmtMB(loads[s.kind].rss)}`);
    }
    const steady: Record<
      string,
      { tests: LatencyStats[]; waitPct: number; stalls?: StallSummary; gc?: TraceGc }
    > = {};
    let idle: StallSummary | undefined;
    for (const s of [respite, redis]) {
      const base = [
        '-p',
        String(s.port),
        '-h',
        '127.0.0.1',
        '-c',
        '50',
        '-P',
        '1',
        '-r',
        String(n),
        '-d',
        '10',
      ];
      const cal = await runRedisBenchmark([...base, '-t', 'get', '-n', String(o.quick ? 20000 : 100000)]);
      if (!cal.ok) throw new Error(`${s.label}: calibration failed: ${cal.error}`);
      const per = Math.max(20000, Math.round((cal.tests[0].rps * o.scaleSeconds) / 2));
      say(`  steady SET+GET load on ${s.label}: 2 × ${fmtInt(per)} requests, -c 50 -P 1 -r ${fmtInt(n)}`);
      await sleep(1500);
      const t0 = Date.now();
      const w0 = s.runQueueWaitSeconds();
      const off0 = s.output.length;
      const run = await runRedisBenchmark([...base, '-t', 'set,get', '-n', String(per)]);
      const t1 = Date.now();
      const waitPct = (100 * (s.runQueueWaitSeconds() - w0)) / ((t1 - t0) / 1000);
      await sleep(1200); // let the last stall-monitor line of the window arrive
      if (!run.ok) throw new Error(`${s.label}: steady load failed: ${run.error}`);
      steady[s.kind] = { tests: run.tests, waitPct };
      if (s === respite) {
        steady.respite.stalls = summariseStalls(stallLines(s.output, t0, t1));
        steady.respite.gc = traceGc(s.output, off0, s.output.length);
      } else {
        // Respite is idle meanwhile: its stalls now are the machine's noise floor.
        idle = summariseStalls(stallLines(respite.output, t0, t1));
      }
    }
    say(
      `  Respite's output (stall-monitor and --trace-gc lines): ${respite.saveOutput('respite-bench-scale.log')}`,
    );
    // ---- report
    const parts: string[] = [machineLine(m)];
    parts.push(
      `Command: \`${commandLine(o)}\` — ${fmtInt(n)} keys \`key:NNNNNNNNNNNN\` → 10-byte value, ` +
        `then redis-benchmark \`-t set,get -c 50 -P 1 -r ${fmtInt(n)} -d 10\` for about ${o.scaleSeconds} s per server ` +
        `(SET then GET on random existing keys). Respite runs with \`--trace-gc\` and \`RESPITE_STALL_LOG=1\`.`,
    );
    const lat: string[][] = [];
    for (const t of ['SET', 'GET']) {
      const a = steady.redis.tests.find((x) => x.test === t);
      const b = steady.respite.tests.find((x) => x.test === t);
      if (!a || !b) continue;
      lat.push([
        t,
        `${fmtInt(a.rps)} / ${fmtInt(b.rps)}`,
        `${fmtNum(a.p50, 3)} / ${fmtNum(b.p50, 3)}`,
        `${fmtNum(a.p99, 3)} / ${fmtNum(b.p99, 3)}`,
        `${fmtNum(a.p999, 3)} / ${fmtNum(b.p999, 3)}`,
        `${fmtNum(a.max, 3)} / ${fmtNum(b.max, 3)}`,
      ]);
    }
    parts.push(
      '### Client-observed latency under steady load (Redis / Respite)\n\n' +
        table(['test', 'req/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms'], lat) +
        `\n\nMachine noise: the servers' main threads were runnable but waiting for a CPU ` +
        `${fmtNum(steady.redis.waitPct, 0)}% (Redis) and ${fmtNum(steady.respite.waitPct, 0)}% (Respite) ` +
        `of the load's wall time (\`/proc/<pid>/schedstat\`).`,
    );
    const st = steady.respite.stalls!;
    const gc = steady.respite.gc!;
    const ld = loads.respite.stalls!;
    const lgc = loads.respite.gc!;
    const id = idle ?? summariseStalls([]);
    const cols = [st, id, ld];
    const row = (label: string, f: (x: StallSummary) => string) => [label, ...cols.map(f)];
    const stallRows = [
      row('1-s intervals measured', (x) => String(x.intervals)),
      [
        'main thread waiting for a CPU (share of wall time)',
        `${fmtNum(steady.respite.waitPct, 0)}%`,
        '',
        `${fmtNum(loads.respite.waitPct, 0)}%`,
      ],
      row('**event-loop stall p99.9** (worst 1-s interval)', (x) => `**${fmtNum(x.p999)} ms**`),
      row('event-loop stall p99.9 (median 1-s interval)', (x) => `${fmtNum(x.medianP999)} ms`),
      row('event-loop stall p99 (worst 1-s interval)', (x) => `${fmtNum(x.p99)} ms`),
      row('longest event-loop stall', (x) => `${fmtNum(x.max)} ms`),
      row(
        'minor GCs: count / longest (GC observer)',
        (x) => `${x.gcMinorCount} / ${fmtNum(x.gcMinorMax)} ms`,
      ),
      row(
        'major GC events: count / longest (GC observer)',
        (x) => `${x.gcMajorCount} / ${fmtNum(x.gcMajorMax)} ms`,
      ),
      [
        '--trace-gc scavenges: count / median / longest pause',
        `${gc.scavenges} / ${fmtNum(gc.scavengeMedian)} / ${fmtNum(gc.scavengeMax)} ms`,
        '',
        `${lgc.scavenges} / ${fmtNum(lgc.scavengeMedian)} / ${fmtNum(lgc.scavengeMax)} ms`,
      ],
      [
        '--trace-gc mark-compacts: count / longest pause / biggest incremental step',
        `${gc.marks} / ${fmtNum(gc.markMax)} / ${fmtNum(gc.stepMax)} ms`,
        '',
        `${lgc.marks} / ${fmtNum(lgc.markMax)} / ${fmtNum(lgc.stepMax)} ms`,
      ],
    ];
    const met = st.p999 <= 10 ? 'met' : '**not met**';
    parts.push(
      `### Respite event loop (target: p99.9 stall ≤ 10 ms at ${fmtInt(n)} keys — ${met} in this run)\n\n` +
        table(
          ['', 'steady SET/GET load', "idle, during Redis's load (noise floor)", 'bulk load phase'],
          stallRows,
        ) +
        `\n\nThe middle column is Respite doing nothing while the same load runs against Redis: ` +
        `stalls there are the machine's (the 1 ms timer waiting for a CPU), not Respite's. Read the ` +
        `first column against it.`,
    );
    const rssA = (loads.redis.rss - empty.redis) / n;
    const rssB = (loads.respite.rss - empty.respite) / n;
    parts.push(
      `### Load and memory at ${fmtInt(n)} keys\n\n` +
        table(
          ['', 'Redis', 'Respite', 'Respite/Redis'],
          [
            [
              'load time (pipelined SET)',
              `${fmtNum(loads.redis.seconds)} s (${fmtInt(n / loads.redis.seconds)} keys/s)`,
              `${fmtNum(loads.respite.seconds)} s (${fmtInt(n / loads.respite.seconds)} keys/s)`,
              fmtRatio(loads.respite.seconds, loads.redis.seconds),
            ],
            [
              'RSS loaded',
              fmtMB(loads.redis.rss),
              fmtMB(loads.respite.rss),
              fmtRatio(loads.respite.rss, loads.redis.rss),
            ],
            ['RSS per key', `${fmtNum(rssA, 1)} B`, `${fmtNum(rssB, 1)} B`, fmtRatio(rssB, rssA)],
          ],
        ),
    );
    return parts.join('\n\n');
  } finally {
    await respite.stop();
    await redis.stop();
  }
}
