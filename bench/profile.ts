/**
 * Profile mode: Respite under `node --cpu-prof` during a pipelined SET/GET load, and a
 * summary of the `.cpuprofile`: self and inclusive time per function, as shares of the
 * non-idle samples of the main thread.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import { join, relative } from 'node:path';
import { startServer, ROOT, type MachineInfo } from './proc.js';
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

export async function profileMode(o: Options, m: MachineInfo): Promise<string> {
  const dir = mkdtempSync(join(os.tmpdir(), 'respite-cpuprof-'));
  const respite = await startServer('respite', {
    nodeFlags: ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '250'],
  });
  const P = String(o.profilePipeline);
  const base = ['-p', String(respite.port), '-h', '127.0.0.1', '-c', '50', '-P', P, '-r', '100000'];
  let runs: LatencyStats[] = [];
  let cpu = { user: 0, sys: 0 };
  try {
    await runRedisBenchmark([...base, '-t', 'set,get', '-n', '100000']);
    const tests = o.profileTests;
    const c0 = respite.cpuTimes();
    const run = await runRedisBenchmark([...base, '-t', tests, '-n', String(o.profileRequests)]);
    const c1 = respite.cpuTimes();
    cpu = { user: c1.user - c0.user, sys: c1.sys - c0.sys };
    if (!run.ok) throw new Error(`profile run failed: ${run.error}`);
    runs = run.tests;
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
  say(`profile: ${files[0]}`);
  const top = (key: 'selfMs' | 'totalMs', k: number) =>
    [...sum.fns]
      .sort((a, b) => b[key] - a[key])
      .slice(0, k)
      .map((f) => [`\`${f.name}\``, `${fmtNum(f.selfPct, 1)}%`, `${fmtNum(f.totalPct, 1)}%`]);
  const nTests = Math.max(1, runs.length);
  const parts = [machineLine(m)];
  parts.push(
    `Command: \`${commandLine(o)}\` — Respite under \`node --cpu-prof --cpu-prof-interval 250\`, ` +
      `redis-benchmark \`-t ${o.profileTests} -c 50 -P ${P} -r 100000 -n ${fmtInt(o.profileRequests)}\` after a 100,000-request warm-up ` +
      `(${runs.map((r) => `${r.test} ${fmtInt(r.rps)} req/s`).join(', ')}; server CPU ${fmtNum(((cpu.user + cpu.sys) * 1e6) / (nTests * o.profileRequests))} µs/req, ` +
      `of which user ${fmtNum((cpu.user * 1e6) / (nTests * o.profileRequests))} and kernel ${fmtNum((cpu.sys * 1e6) / (nTests * o.profileRequests))}, ` +
      `with the profiler on). Main thread: ${fmtInt(sum.busyMs)} ms busy, ${fmtInt(sum.idleMs)} ms idle. ` +
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
