/**
 * Protected mode seen from another host, without touching the machine's network: the test
 * makes two network namespaces of its own joined by a veth pair (10.231.0.1 ⇄ 10.231.0.2),
 * runs the server (Respite, then the oracle) in the first and redis-cli in the second, and
 * compares what a non-loopback client gets: Redis's DENIED text without a password, service
 * with `protected-mode no` or a password, and always service on the namespace's loopback.
 * Needs root (CAP_NET_ADMIN) for `ip netns`; without it the test says so and is skipped.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { RESPITE_BIN } from '../helpers/servers.js';

const TAG = `rsp${process.pid % 100000}`;
const NS_SERVER = `${TAG}-srv`;
const NS_CLIENT = `${TAG}-cli`;
const SERVER_IP = '10.231.0.1';
const PORT = 6379;

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: 'ignore' });
}

function cleanup(): void {
  for (const ns of [NS_SERVER, NS_CLIENT]) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
}

let unavailable: string | false = false;

before(() => {
  try {
    cleanup();
    ip(['netns', 'add', NS_SERVER]);
    ip(['netns', 'add', NS_CLIENT]);
    ip([
      'link',
      'add',
      `${TAG}a`,
      'netns',
      NS_SERVER,
      'type',
      'veth',
      'peer',
      'name',
      `${TAG}b`,
      'netns',
      NS_CLIENT,
    ]);
    ip(['-n', NS_SERVER, 'addr', 'add', `${SERVER_IP}/24`, 'dev', `${TAG}a`]);
    ip(['-n', NS_CLIENT, 'addr', 'add', '10.231.0.2/24', 'dev', `${TAG}b`]);
    for (const ns of [NS_SERVER, NS_CLIENT]) {
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    ip(['-n', NS_SERVER, 'link', 'set', `${TAG}a`, 'up']);
    ip(['-n', NS_CLIENT, 'link', 'set', `${TAG}b`, 'up']);
  } catch (e) {
    unavailable = `network namespaces are not available here (${(e as Error).message.split('\n')[0]})`;
    cleanup();
  }
});
after(cleanup);

/**
 * redis-cli run inside a namespace; resolves with its stderr (warnings such as "AUTH
 * failed") followed by its stdout: read from two pipes, their interleaving is timing alone.
 */
function cliIn(ns: string, host: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('ip', ['netns', 'exec', ns, 'redis-cli', '-h', host, '-p', String(PORT), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    // What happens after a DENIED depends on timing alone (Redis's close races the client's
    // next write: a broken pipe, a reset or an orderly end), so only the replies are kept.
    p.on('close', () => resolve((err + out).replace(/^Error: .*\n/gm, '')));
  });
}

async function startIn(kind: 'respite' | 'redis', extra: string[]): Promise<ChildProcess> {
  const common = ['--port', String(PORT), '--bind', `127.0.0.1 ${SERVER_IP}`, '--save', '', ...extra];
  const argv = kind === 'respite' ? [process.execPath, RESPITE_BIN, ...common] : ['redis-server', ...common];
  const proc = spawn('ip', ['netns', 'exec', NS_SERVER, ...argv], { stdio: 'ignore' });
  const deadline = Date.now() + 20000;
  for (;;) {
    const r = (await cliIn(NS_SERVER, '127.0.0.1', ['PING'])).trim();
    if (r === 'PONG' || r.startsWith('NOAUTH') || r.includes('NOAUTH')) break;
    if (Date.now() > deadline) {
      await stop(proc);
      throw new Error(`${kind} did not start in ${NS_SERVER}: ${r}`);
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  return proc;
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGKILL');
  await exited;
}

/** What a client on the other host sees, for each server configuration. */
async function scenario(kind: 'respite' | 'redis'): Promise<string[]> {
  const seen: string[] = [];
  for (const extra of [[], ['--protected-mode', 'no'], ['--requirepass', 's3cret']]) {
    const proc = await startIn(kind, extra);
    try {
      seen.push(await cliIn(NS_CLIENT, SERVER_IP, ['PING']));
      seen.push(await cliIn(NS_CLIENT, SERVER_IP, ['--no-auth-warning', '-a', 's3cret', 'PING']));
      seen.push(await cliIn(NS_SERVER, '127.0.0.1', ['--no-auth-warning', '-a', 's3cret', 'SET', 'k', 'v']));
    } finally {
      await stop(proc);
    }
  }
  return seen;
}

test('a client on another host gets DENIED in protected mode, service otherwise — as from redis-server', async (t) => {
  if (unavailable) {
    t.skip(unavailable);
    return;
  }
  const respite = await scenario('respite');
  const redis = await scenario('redis');
  assert.deepEqual(respite, redis);
  assert.match(respite[0], /DENIED Redis is running in protected mode/);
  assert.equal(respite[3].trim(), 'PONG');
});
