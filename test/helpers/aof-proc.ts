/**
 * Respite's CLI as a child process on a directory kept across restarts (AOF tests: SIGKILL,
 * restart, compare), and the checks those tests share.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawClient } from './raw-client.js';
import { freePort, RESPITE_BIN } from './servers.js';
import { q } from './dataset.js';

export function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `respite-aof-${tag}-`));
}

export interface Proc {
  port: number;
  proc: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/**
 * Starts Respite's CLI on `dir` (kept across restarts); resolves once it answers PING.
 * The CLI runs the server in this very process (RESPITE_NO_RELAUNCH): by default it relaunches
 * itself with a sized heap, and a SIGKILL of the launcher then only orphans the server, which
 * notices and shuts down cleanly (serving requests and closing its AOF meanwhile) — no crash.
 */
export async function startOn(dir: string, extra: string[] = []): Promise<Proc> {
  const port = await freePort();
  const args = [RESPITE_BIN, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''];
  args.push('--appendonly', 'yes', '--enable-debug-command', 'yes', ...extra);
  const proc = spawn(process.execPath, args, {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RESPITE_NO_RELAUNCH: '1' },
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d.toString()));
  proc.stderr!.on('data', (d) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 60000;
  let info = '';
  try {
    for (;;) {
      if (gone) throw new Error(`respite exited:\n${out}`);
      try {
        const c = await RawClient.connect(port);
        const r = await c.call('PING');
        if (r === '+PONG\r\n') info = (await q(c, 'INFO', 'server')) as string;
        c.close();
        if (info !== '') break;
      } catch {
        /* not yet */
      }
      if (Date.now() > deadline) throw new Error(`respite did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 30));
    }
    // kill() must reach the server itself (see above).
    assert.match(info, new RegExp(`process_id:${proc.pid}\r\n`), 'the server runs in another process');
  } catch (e) {
    if (!gone) proc.kill('SIGKILL');
    await exited;
    throw e;
  }
  return { port, proc, output: () => out, exited };
}

export async function kill(p: Proc): Promise<void> {
  if (p.proc.exitCode === null && p.proc.signalCode === null) p.proc.kill('SIGKILL');
  await p.exited;
}

export function checkAof(manifest: string): string {
  const r = spawnSync('redis-check-aof', [manifest], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  return r.stdout;
}

/** Waits until no AOF rewrite runs or is scheduled (INFO persistence). */
export async function rewriteDone(c: RawClient): Promise<string> {
  const deadline = Date.now() + 60000;
  for (;;) {
    const info = (await q(c, 'INFO', 'persistence')) as string;
    if (info.includes('aof_rewrite_in_progress:0') && info.includes('aof_rewrite_scheduled:0')) return info;
    if (Date.now() > deadline) throw new Error(`rewrite did not finish:\n${info}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function digest(port: number): Promise<string> {
  const c = await RawClient.connect(port);
  try {
    // Generous: a digest of 200k keys on a loaded machine.
    c.send('DEBUG', 'DIGEST');
    const r = await c.read(60000);
    return r.slice(1, -2);
  } finally {
    c.close();
  }
}
