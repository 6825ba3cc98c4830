/**
 * Child server processes for the benchmarks: Respite (the CLI, `node dist/src/main.js`) and
 * the oracle (`redis-server`), each on a free 127.0.0.1 port, plus what the bench reads about
 * them from /proc (CPU time, RSS). Only the PIDs started here are ever signalled.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RespConn } from './resp.js';

export type ServerKind = 'redis' | 'respite';

/** Repository root (dist/bench/proc.js -> ../..). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

export interface StartOptions {
  /** Node flags placed before the script (Respite only), e.g. ['--trace-gc']. */
  nodeFlags?: string[];
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Extra server options, e.g. ['--tls-port', '7000', ...] (both kinds). */
  args?: string[];
}

export class ServerProc {
  /** Everything the process wrote to stdout and stderr, in arrival order. */
  output = '';
  exitCode: number | null = null;
  readonly exited: Promise<void>;

  constructor(
    readonly kind: ServerKind,
    readonly port: number,
    readonly child: ChildProcess,
    private readonly tmpDir: string,
  ) {
    child.stdout!.setEncoding('latin1');
    child.stderr!.setEncoding('latin1');
    child.stdout!.on('data', (s: string) => (this.output += s));
    child.stderr!.on('data', (s: string) => (this.output += s));
    this.exited = new Promise((res) => {
      child.on('exit', (code, sig) => {
        this.exitCode = code ?? (sig ? 128 : -1);
        res();
      });
      // e.g. redis-server not installed: report it instead of crashing on an 'error' event.
      child.on('error', (e) => {
        this.output += `${e.message}\n`;
        this.exitCode = -1;
        res();
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get label(): string {
    return this.kind === 'redis' ? 'Redis' : 'Respite';
  }

  get alive(): boolean {
    return this.exitCode === null;
  }

  /** utime and stime of the whole process (all threads), in seconds. */
  cpuTimes(): { user: number; sys: number } {
    const stat = readFileSync(`/proc/${this.pid}/stat`, 'latin1');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat(5); f[0] is field 3 (state).
    return { user: Number(f[11]) / CLK_TCK, sys: Number(f[12]) / CLK_TCK };
  }

  /**
   * Seconds the main thread has spent runnable but waiting for a CPU (field 2 of
   * /proc/<pid>/schedstat): on a shared machine, latency that is the scheduler's, not ours.
   */
  runQueueWaitSeconds(): number {
    try {
      return Number(readFileSync(`/proc/${this.pid}/schedstat`, 'latin1').split(' ')[1]) / 1e9;
    } catch {
      return NaN;
    }
  }

  /** utime + stime, in seconds. */
  cpuSeconds(): number {
    const t = this.cpuTimes();
    return t.user + t.sys;
  }

  /** Resident set size in bytes (VmRSS). */
  rssBytes(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'latin1');
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) * 1024 : NaN;
  }

  /** Saves what the process printed (for --trace-gc and stall-monitor lines); returns the path. */
  saveOutput(name: string): string {
    const path = join(os.tmpdir(), name);
    writeFileSync(path, this.output, 'latin1');
    return path;
  }

  /** SIGTERM, then SIGKILL if the process has not exited after `graceMs`. */
  async stop(graceMs = 15000): Promise<void> {
    if (this.alive) {
      this.child.kill('SIGTERM');
      const t = setTimeout(() => {
        if (this.alive) this.child.kill('SIGKILL');
      }, graceMs);
      await this.exited;
      clearTimeout(t);
    }
    rmSync(this.tmpDir, { recursive: true, force: true });
  }
}

const running = new Set<ServerProc>();

/** Kills what is still running when the bench dies (only our own children). */
export function killAllStarted(): void {
  for (const s of running) if (s.alive) s.child.kill('SIGKILL');
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = net.createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => res(port));
    });
  });
}

export async function startServer(kind: ServerKind, opts: StartOptions = {}): Promise<ServerProc> {
  const port = await freePort();
  const tmpDir = mkdtempSync(join(os.tmpdir(), `respite-bench-${kind}-`));
  let child: ChildProcess;
  const common = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  common.push(...(opts.args ?? []));
  if (kind === 'redis') {
    child = spawn('redis-server', [...common, '--dir', tmpDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  } else {
    const script = join(ROOT, 'dist', 'src', 'main.js');
    // Size the heap here, as the CLI's launcher would: otherwise it re-executes itself in a
    // child process and the PID measured below would be the idle parent.
    const flags = opts.nodeFlags ?? [];
    const heap = flags.some((f) => f.startsWith('--max-old-space-size'))
      ? []
      : [`--max-old-space-size=${Math.floor((os.totalmem() * 0.75) / (1024 * 1024))}`];
    child = spawn(process.execPath, [...heap, ...flags, script, ...common], {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: tmpDir,
      env: { ...process.env, ...opts.env },
    });
  }
  const proc = new ServerProc(kind, port, child, tmpDir);
  running.add(proc);
  void proc.exited.then(() => running.delete(proc));
  const deadline = Date.now() + 20000;
  for (;;) {
    if (!proc.alive) {
      await proc.stop(0);
      throw new Error(`${proc.label} exited at startup:\n${proc.output}`);
    }
    try {
      const conn = await RespConn.connect(port);
      const r = await conn.command('PING');
      conn.close();
      if (r === 'PONG') return proc;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await proc.stop(1000);
      throw new Error(`${proc.label} did not answer PING within 20 s:\n${proc.output}`);
    }
    await sleep(50);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function tryExec(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return 'unknown';
  }
}

export interface MachineInfo {
  date: string;
  nproc: string;
  cpu: string;
  memGiB: string;
  node: string;
  redis: string;
  commit: string;
  loadavg: string;
}

export function machineInfo(): MachineInfo {
  let cpu = 'unknown';
  try {
    const m = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'latin1'));
    if (m) cpu = m[1].trim();
  } catch {
    /* not Linux */
  }
  const redis = /v=(\S+)/.exec(tryExec('redis-server', ['--version']));
  // The doc this bench writes does not make the measured code dirty.
  const dirty = tryExec('git', [
    '-C',
    ROOT,
    'status',
    '--porcelain',
    '--untracked-files=no',
    '--',
    '.',
    ':(exclude)docs/BENCHMARKS.md',
  ]);
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    nproc: tryExec('nproc', []),
    cpu,
    memGiB: (os.totalmem() / 2 ** 30).toFixed(0),
    node: process.version,
    redis: redis ? redis[1] : 'unknown',
    commit:
      tryExec('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']) +
      (dirty && dirty !== 'unknown' ? '+dirty' : ''),
    loadavg: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  };
}
