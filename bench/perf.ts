/**
 * On-CPU profile of a server with Linux `perf` (software clock events, so it works in VMs
 * without hardware counters). Unlike V8's sampling profiler, which samples wall-clock time of
 * the main thread (a thread preempted inside a write() syscall is charged to writeBuffer), perf
 * samples only what runs on a CPU, in every thread and in the kernel. Node must run with
 * `--perf-basic-prof` so JIT-compiled JavaScript has names (/tmp/perf-<pid>.map).
 */
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';

export function perfAvailable(): boolean {
  const r = spawnSync('perf', ['--version'], { stdio: 'ignore' });
  return r.status === 0;
}

export interface PerfSession {
  /** Stops recording and returns the report rows (self time, no call graphs). */
  stop(): Promise<PerfRow[]>;
}

export interface PerfRow {
  pct: number;
  dso: string;
  sym: string;
}

/** Starts `perf record -e cpu-clock -p pid` into `file`. */
export function startPerf(pid: number, file: string): PerfSession {
  const child = spawn('perf', ['record', '-e', 'cpu-clock', '-F', '999', '-p', String(pid), '-o', file], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  return {
    async stop(): Promise<PerfRow[]> {
      child.kill('SIGINT');
      const code = await exited;
      if (code !== 0 && code !== null) throw new Error(`perf record failed (${code}): ${err.slice(-500)}`);
      const rep = spawnSync(
        'perf',
        ['report', '-i', file, '--no-children', '--sort', 'dso,sym', '-t', '|', '-q', '--stdio'],
        { encoding: 'latin1', maxBuffer: 64 * 1024 * 1024 },
      );
      rmSync(file, { force: true });
      rmSync(`${file}.old`, { force: true });
      if (rep.status !== 0) throw new Error(`perf report failed: ${rep.stderr.slice(-500)}`);
      const rows: PerfRow[] = [];
      for (const line of rep.stdout.split('\n')) {
        const f = line.split('|');
        if (f.length < 3) continue;
        const pct = parseFloat(f[0]);
        if (!Number.isFinite(pct)) continue;
        rows.push({ pct, dso: f[1].trim(), sym: f.slice(2).join('|').trim() });
      }
      return rows;
    },
  };
}

/** Where a sample's code lives, for a first-level breakdown. */
export function perfCategory(r: PerfRow): string {
  if (r.dso.includes('kernel')) return 'Linux kernel (TCP loopback, syscalls, scheduler)';
  if (r.sym.includes('JS:') && r.sym.includes('/dist/')) return 'Respite JavaScript (dist/)';
  if (r.sym.includes('JS:') || r.dso.startsWith('[JIT]'))
    return 'Node.js JavaScript internals (streams, net, events)';
  if (/^(node|.*libnode.*)$/.test(r.dso))
    return 'node binary: V8 runtime and builtins, Node C++ bindings, libuv';
  if (r.dso.startsWith('libc')) return 'libc (malloc/free, memcpy, syscall wrappers)';
  if (r.dso === '[vdso]') return 'vDSO clock reads (Date.now, performance.now)';
  return 'other';
}

/** `[.] JS:*getCommand file:///…/dist/src/commands/string.js:3:20` → `getCommand dist/src/commands/string.js:3`. */
export function perfSymbol(r: PerfRow): string {
  const s = r.sym.replace(/^\[[^\]]*\]\s*/, '');
  if (!s.startsWith('JS:')) return s;
  const js = s
    .replace(/^JS:[*~^]?/, '')
    .replace(/file:\/\/\S*?\/dist\//, 'dist/')
    .replace(/:\d+$/, '');
  return js.startsWith(' ') ? '(anonymous)' + js : js;
}

/** Drops the node JIT map file written by `--perf-basic-prof`. */
export function removePerfMap(pid: number): void {
  rmSync(`/tmp/perf-${pid}.map`, { force: true });
}
