/**
 * Starting servers for tests: Respite in-process (real TCP on 127.0.0.1, port 0), Respite as
 * a child process (the CLI), and Debian's redis-server as the oracle on a free port.
 * Only processes started here are ever stopped, by their PID.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, type RespiteServer, type StartOptions } from '../../src/index.js';
import { RawClient } from './raw-client.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const RESPITE_BIN = join(ROOT, 'dist', 'src', 'main.js');

/** Like the oracle below, with no save points unless the test asks for them. */
export function startRespite(opts: StartOptions = {}): Promise<RespiteServer> {
  return startServer({ port: 0, ...opts, config: { save: '', ...opts.config } });
}

/** A free TCP port on 127.0.0.1 (bound then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}

async function waitForPort(port: number, proc: ChildProcess, what: string, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  proc.once('exit', () => (exited = true));
  for (;;) {
    if (exited) throw new Error(`${what} exited before accepting connections`);
    try {
      const c = await RawClient.connect(port);
      const r = await c.call('PING');
      c.close();
      if (r === '+PONG\r\n' || r.startsWith('-NOAUTH')) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`${what} did not start on port ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface ChildServer {
  port: number;
  proc: ChildProcess;
  dir: string;
  /** stdout+stderr collected so far */
  output(): string;
  stop(): Promise<void>;
}

function childServer(
  cmd: string,
  args: string[],
  port: number,
  dir: string,
  what: string,
): Promise<ChildServer> {
  const proc = spawn(cmd, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d.toString()));
  proc.stderr!.on('data', (d) => (out += d.toString()));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return waitForPort(port, proc, what).then(
    () => ({ port, proc, dir, output: () => out, stop }),
    async (e) => {
      await stop();
      throw new Error(`${(e as Error).message}\n${out}`);
    },
  );
}

export function hasOracle(): boolean {
  return spawnSync('redis-server', ['--version']).status === 0;
}

/** Starts Debian's redis-server (the oracle) with persistence off, on a free port. */
export async function startOracle(extraArgs: string[] = []): Promise<ChildServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'respite-oracle-'));
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
    ...extraArgs,
  ];
  return childServer('redis-server', args, port, dir, 'redis-server');
}

/** Starts Respite's CLI (dist/src/main.js) as a child process. */
export async function startRespiteProcess(
  extraArgs: string[] = [],
  nodeArgs: string[] = [],
): Promise<ChildServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'respite-cli-'));
  const args = [
    ...nodeArgs,
    RESPITE_BIN,
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    ...extraArgs,
  ];
  return childServer(process.execPath, args, port, dir, 'respite-server');
}
