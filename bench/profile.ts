/**
 * Profile mode: Respite under a pipelined SET/GET load, profiled twice — by Linux perf
 * (CPU time of every thread and the kernel, see perf.ts) when it is installed, and by V8's
 * sampling profiler (`node --cpu-prof`, summarised here: self and inclusive time per function
 * as shares of the non-idle samples of the main thread).
 */
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import { join, relative } from 'node:path';
import { startServer, ROOT, type MachineInfo, type ServerProc } from './proc.js';
import {
  perfAvailable,
  startPerf,
  perfCategory,
  perfSymbol,
  removePerfMap,
  type PerfRow,
  type PerfSession,
} from './perf.js';
import { runRedisBenchmark, type LatencyStats } from './redis-benchmark.js';
import { fmtInt, fmtNum, table, machineLine } from './report.js';
import { say, commandLine, type Options } from './options.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface FnTime {
  name: string;
  selfMs: number;
  selfPct: number;
  totalMs: number;
  totalPct: number;
}

export interface ProfileSummary {
  busyMs: number;
  idleMs: number;
  fns: FnTime[];
  /** Self time by where the code lives (Respite, Node.js internals, native, GC). */
  categories: { name: string; pct: number }[];
}

function category(name: string): string {
  if (name === '(garbage collector)') return 'GC (main thread)';
  if (name === '(program)') return 'native, outside JS (libuv, epoll, read syscalls, ...)';
  if (name.includes(' dist/')) return 'Respite (dist/)';
  if (name.includes(' node:')) return 'Node.js JS internals (streams, events, net)';
  return 'native bindings called from JS (socket write, Buffer, Date.now, ...)';
}

function frameName(cf: CallFrame, root: string): string {
  const fn = cf.functionName || '(anonymous)';
  if (!cf.url) return fn;
  let where = cf.url.replace(/^file:\/\//, '');
  if (where.startsWith('/')) where = relative(root, where);
  return `${fn} ${where}:${cf.lineNumber + 1}`;
}

export function summariseProfile(file: string, root: string): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const names = new Map<number, string>();
  for (const n of p.nodes) names.set(n.id, frameName(n.callFrame, root));
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  const seen = new Set<string>();
  for (let i = 0; i < p.samples.length; i++) {
    // A sample's duration is the gap to the next sample.
    const dt = (i + 1 < p.timeDeltas.length ? p.timeDeltas[i + 1] : 0) / 1000;
    const id = p.samples[i];
    const name = names.get(id)!;
    if (name === '(idle)') {
      idle += dt;
      continue;
    }
    busy += dt;
    self.set(name, (self.get(name) ?? 0) + dt);
    seen.clear();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const nm = names.get(cur)!;
      if (seen.has(nm)) continue;
      seen.add(nm);
      total.set(nm, (total.get(nm) ?? 0) + dt);
    }
  }
  const fns: FnTime[] = [];
  for (const [name, t] of total) {
    if (name === '(root)') continue;
    const s = self.get(name) ?? 0;
    fns.push({ name, selfMs: s, selfPct: (100 * s) / busy, totalMs: t, totalPct: (100 * t) / busy });
  }
  const cats = new Map<string, number>();
  for (const [name, t] of self) cats.set(category(name), (cats.get(category(name)) ?? 0) + t);
  const categories = [...cats]
    .map(([name, t]) => ({ name, pct: (100 * t) / busy }))
    .sort((a, b) => b.pct - a.pct);
  return { busyMs: busy, idleMs: idle, fns, categories };
}

/** Warm-up, then the measured load; returns its report and the server's CPU time. */
async function profiledLoad(
  respite: ServerProc,
  o: Options,
  during?: () => void,
): Promise<{ runs: LatencyStats[]; user: number; sys: number }> {
  const base = ['-p', String(respite.port), '-h', '127.0.0.1', '-c', '50', '-P', String(o.profilePipeline)];
  base.push('-r', '100000');
  await runRedisBenchmark([...base, '-t', 'set,get', '-n', '100000']);
  during?.();
  const c0 = respite.cpuTimes();
  const run = await runRedisBenchmark([...base, '-t', o.profileTests, '-n', String(o.profileRequests)]);
  const c1 = respite.cpuTimes();
  if (!run.ok) throw new Error(`profile run failed: ${run.error}`);
  return { runs: run.tests, user: c1.user - c0.user, sys: c1.sys - c0.sys };
}

function loadLine(o: Options, r: { runs: LatencyStats[]; user: number; sys: number }): string {
  const n = Math.max(1, r.runs.length) * o.profileRequests;
  const us = (s: number) => fmtNum((s * 1e6) / n);
  return (
    `${r.runs.map((x) => `${x.test} ${fmtInt(x.rps)} req/s`).join(', ')}; server CPU ${us(r.user + r.sys)} µs/req, ` +
    `of which user ${us(r.user)} and kernel ${us(r.sys)}, with the profiler on`
  );
}

async function v8Profile(o: Options): Promise<string> {
  const dir = mkdtempSync(join(os.tmpdir(), 'respite-cpuprof-'));
  const respite = await startServer('respite', {
    nodeFlags: ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '250'],
  });
  let load;
  try {
    load = await profiledLoad(respite, o);
  } finally {
    await respite.stop(60000);
  }
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(dir, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (files.length === 0)
    throw new Error(`no .cpuprofile written in ${dir}:\n${respite.output.slice(-2000)}`);
  const sum = summariseProfile(files[0], ROOT);
  say(`V8 profile: ${files[0]}`);
  const top = (key: 'selfMs' | 'totalMs', k: number) =>
    [...sum.fns]
      .sort((a, b) => b[key] - a[key])
      .slice(0, k)
      .map((f) => [`\`${f.name}\``, `${fmtNum(f.selfPct, 1)}%`, `${fmtNum(f.totalPct, 1)}%`]);
  const parts: string[] = [];
  parts.push(
    `### V8 sampling profiler (JavaScript view, wall clock)\n\n` +
      `Respite under \`node --cpu-prof --cpu-prof-interval 250\` (${loadLine(o, load)}). ` +
      `Main thread: ${fmtInt(sum.busyMs)} ms busy, ${fmtInt(sum.idleMs)} ms idle. This profiler samples the main ` +
      `thread's wall-clock time: a thread preempted inside a syscall is charged to the JS function that made it, ` +
      `so on a busy machine \`writeBuffer\` (the socket write) is inflated; the perf profile above is the CPU-time view. ` +
      `Locations are in the compiled \`dist/\` JavaScript; shares are of busy main-thread time.`,
  );
  parts.push(
    '#### Self time by where the code lives\n\n' +
      table(
        ['where', 'self'],
        sum.categories.map((c) => [c.name, `${fmtNum(c.pct, 1)}%`]),
      ),
  );
  parts.push('#### Top self time\n\n' + table(['function', 'self', 'inclusive'], top('selfMs', 25)));
  parts.push('#### Top inclusive time\n\n' + table(['function', 'self', 'inclusive'], top('totalMs', 25)));
  return parts.join('\n\n');
}

async function perfProfile(o: Options): Promise<string> {
  const respite = await startServer('respite', { nodeFlags: ['--perf-basic-prof'] });
  const file = join(os.tmpdir(), `respite-bench-perf-${respite.pid}.data`);
  let session: PerfSession | undefined;
  let load;
  let rows: PerfRow[];
  try {
    load = await profiledLoad(respite, o, () => (session = startPerf(respite.pid, file)));
    rows = await session!.stop();
  } finally {
    await respite.stop(60000);
    removePerfMap(respite.pid);
  }
  const cats = new Map<string, number>();
  for (const r of rows) cats.set(perfCategory(r), (cats.get(perfCategory(r)) ?? 0) + r.pct);
  const parts: string[] = [];
  parts.push(
    `### perf (CPU-time view: all threads, kernel included)\n\n` +
      `Respite under \`node --perf-basic-prof\`, sampled by \`perf record -e cpu-clock -F 999 -p <pid>\` during ` +
      `the same load (${loadLine(o, load)}). Kernel time spent with interrupts disabled (softirq TCP ` +
      `processing of loopback packets) is charged to the instruction that re-enables them, \`pvm_irq_enable\` ` +
      `in this VM.`,
  );
  parts.push(
    '#### CPU time by where the code lives\n\n' +
      table(
        ['where', 'share of CPU'],
        [...cats].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, `${fmtNum(v, 1)}%`]),
      ),
  );
  parts.push(
    '#### Top symbols\n\n' +
      table(
        ['symbol', 'where', 'share of CPU'],
        rows.slice(0, 40).map((r) => [`\`${perfSymbol(r)}\``, r.dso, `${fmtNum(r.pct, 1)}%`]),
      ),
  );
  return parts.join('\n\n');
}

export async function profileMode(o: Options, m: MachineInfo): Promise<string> {
  const parts = [machineLine(m)];
  parts.push(
    `Command: \`${commandLine(o)}\` — redis-benchmark \`-t ${o.profileTests} -c 50 -P ${o.profilePipeline} ` +
      `-r 100000 -n ${fmtInt(o.profileRequests)}\` against a fresh Respite after a 100,000-request warm-up, ` +
      `once under each profiler.`,
  );
  if (perfAvailable()) parts.push(await perfProfile(o));
  else parts.push('(`perf` is not installed: no CPU-time profile; `apt-get install linux-perf`.)');
  parts.push(await v8Profile(o));
  return parts.join('\n\n');
}
