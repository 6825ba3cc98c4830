/**
 * Helpers for the CLI and config-file tests: run redis-server and respite-server with the
 * same arguments and compare what they print, or start them and wait until they answer.
 * Only processes started here are ever signalled, by their PID.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RESPITE_BIN, freePort } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw-client.js';

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a server binary that is expected to exit by itself (bad configuration, --version). */
export function runOracle(args: string[], opts: { cwd?: string; input?: string } = {}): RunResult {
  const r = spawnSync('redis-server', args, { cwd: opts.cwd, input: opts.input ?? '', timeout: 20000 });
  return { status: r.status, stdout: r.stdout.toString('latin1'), stderr: r.stderr.toString('latin1') };
}

export function runRespite(args: string[], opts: { cwd?: string; input?: string } = {}): RunResult {
  const r = spawnSync(process.execPath, [RESPITE_BIN, ...args], {
    cwd: opts.cwd,
    input: opts.input ?? '',
    timeout: 20000,
  });
  return { status: r.status, stdout: r.stdout.toString('latin1'), stderr: r.stderr.toString('latin1') };
}

function runAsync(cmd: string, args: string[], opts: { cwd?: string; input?: string }): Promise<RunResult> {
  return new Promise((resolve) => {
    const proc = spawn(cmd, args, { cwd: opts.cwd });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString('latin1')));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString('latin1')));
    const timer = setTimeout(() => proc.kill('SIGKILL'), 20000);
    proc.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    // A process that exits without reading its input closes the pipe first: not an error.
    proc.stdin.on('error', () => {});
    proc.stdin.end(opts.input ?? '');
  });
}

/** Runs redis-server, expected to exit by itself. */
export function runOracleAsync(
  args: string[],
  opts: { cwd?: string; input?: string } = {},
): Promise<RunResult> {
  return runAsync('redis-server', args, opts);
}

/** Runs both servers with the same arguments (concurrently); they are expected to exit. */
export async function runBoth(
  args: string[],
  opts: { cwd?: string; input?: string } = {},
): Promise<{ respite: RunResult; oracle: RunResult }> {
  const [respite, oracle] = await Promise.all([
    runAsync(process.execPath, [RESPITE_BIN, ...args], opts),
    runAsync('redis-server', args, opts),
  ]);
  return { respite, oracle };
}

/** Log lines without their `pid:role date time mark` prefix. */
export function logMessages(out: string): string[] {
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) =>
      l
        .replace(/^\d+:[A-Z] \d\d \w{3} \d{4} [\d:.]+ [.*#-] /, '')
        .replace(/^\d+:signal-handler \(\d+\) /, ''),
    );
}

export function tempDir(prefix = 'respite-cfg-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface Started {
  proc: ChildProcess;
  port: number;
  output(): string;
  /** Resolves with the exit code (or null and the signal). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILLs the process if it is still running. */
  kill(): Promise<void>;
}

/** Starts a server process and waits until `port` answers PING (any reply). */
export async function startProcess(
  cmd: 'respite' | 'redis',
  args: string[],
  port: number,
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; waitPort?: boolean } = {},
): Promise<Started> {
  const proc =
    cmd === 'respite'
      ? spawn(process.execPath, [RESPITE_BIN, ...args], { cwd: opts.cwd, env: opts.env ?? process.env })
      : spawn('redis-server', args, { cwd: opts.cwd });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString('latin1')));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString('latin1')));
  if (opts.input !== undefined) proc.stdin!.end(opts.input);
  else proc.stdin!.end();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let done = false;
  void exited.then(() => (done = true));
  const kill = async () => {
    if (!done) {
      proc.kill('SIGKILL');
      await exited;
    }
  };
  if (opts.waitPort !== false) {
    const deadline = Date.now() + 20000;
    for (;;) {
      if (done) throw new Error(`${cmd} exited early:\n${out}`);
      try {
        const c = await RawClient.connect(port);
        await c.call('PING');
        c.close();
        break;
      } catch {
        /* not yet */
      }
      if (Date.now() > deadline) {
        await kill();
        throw new Error(`${cmd} did not start:\n${out}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { proc, port, output: () => out, exited, kill };
}

/** Waits until the collected output contains `text`. */
export async function waitForOutput(s: { output(): string }, text: string, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!s.output().includes(text)) {
    if (Date.now() > deadline)
      throw new Error(`timeout waiting for ${JSON.stringify(text)} in:\n${s.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export { freePort };
