/**
 * Debian's redis-cli against Respite: one-shot commands, commands read from stdin, binary
 * values through -x, and --pipe mass insertion. Outputs are compared with the same runs
 * against redis-server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startOracle, startRespite } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw-client.js';

interface CliRun {
  stdout: string;
  stderr: string;
  status: number | null;
}

/** Runs redis-cli asynchronously (the in-process server must keep running meanwhile). */
function cli(port: number, args: string[], stdin?: Buffer | string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const p = spawn('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => err.push(d));
    p.on('error', reject);
    p.on('close', (status) =>
      resolve({
        stdout: Buffer.concat(out).latin1Slice(),
        stderr: Buffer.concat(err).latin1Slice(),
        status,
      }),
    );
    p.stdin.end(stdin ?? '');
  });
}

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

/** The same sequence of redis-cli runs, in order (later runs see earlier writes). */
const RUNS: { args: string[]; stdin?: Buffer | string }[] = [
  { args: ['PING'] },
  { args: ['PING', 'hello world'] },
  { args: ['ECHO', 'a', 'b'] },
  { args: ['SET', 'k', 'some value'] },
  { args: ['GET', 'k'] },
  { args: ['GET', 'missing'] },
  { args: ['NOSUCHCOMMAND', 'x', 'y'] },
  { args: ['GET'] },
  { args: ['SELECT', '99'] },
  { args: ['-n', '3', 'SET', 'k', 'in db 3'] },
  { args: ['-n', '3', 'GET', 'k'] },
  { args: ['GET', 'k'] },
  { args: ['--raw', 'ECHO', 'line1\nline2'] },
  { args: ['--no-raw', 'ECHO', 'tab\there \u00e9'] },
  { args: ['-x', 'SET', 'bin'], stdin: ALL_BYTES },
  { args: ['--no-raw', 'GET', 'bin'] },
  { args: ['--raw', 'GET', 'bin'] },
  // Commands read from stdin, one per line, split by redis-cli like the server's inline parser.
  { args: [], stdin: 'PING\nSET a "quoted value"\nGET a\nECHO \'single\' "x\\ty"\nNOSUCH\nGET a b\n' },
  { args: ['QUIT'] },
];

test('redis-cli prints the same output for Respite as for redis-server', async () => {
  const oracle = await startOracle();
  const respite = await startRespite();
  try {
    for (const run of RUNS) {
      const [o, r] = [
        await cli(oracle.port, run.args, run.stdin),
        await cli(respite.port, run.args, run.stdin),
      ];
      assert.deepEqual(r, o, `redis-cli ${JSON.stringify(run.args)}`);
    }
    const ping = await cli(respite.port, ['PING']);
    assert.equal(ping.stdout, 'PONG\n');
    const bin = await cli(respite.port, ['--raw', 'GET', 'bin']);
    assert.equal(bin.stdout, ALL_BYTES.latin1Slice() + '\n', '-x stored every byte value');
  } finally {
    await respite.close();
    await oracle.stop();
  }
});

test('redis-cli --pipe mass-inserts 100,000 SET commands', async () => {
  const respite = await startRespite();
  try {
    const parts: string[] = [];
    for (let i = 0; i < 100000; i++) {
      const k = `key:${i}`;
      const v = `value:${i}`;
      parts.push(`*3\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$${v.length}\r\n${v}\r\n`);
    }
    const run = await cli(respite.port, ['--pipe'], parts.join(''));
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /errors: 0, replies: 100000/);
    const c = await RawClient.connect(respite.port);
    assert.equal(await c.call('GET', 'key:0'), '$7\r\nvalue:0\r\n');
    assert.equal(await c.call('GET', 'key:99999'), '$11\r\nvalue:99999\r\n');
    assert.equal(await c.call('GET', 'key:54321'), '$11\r\nvalue:54321\r\n');
    assert.equal(respite.server.dbs[0].dict.size, 100000, 'every key is in db 0');
    c.close();
  } finally {
    await respite.close();
  }
});
