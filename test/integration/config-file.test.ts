/**
 * Config files and command-line options: respite-server must accept what redis-server
 * accepts, and refuse what it refuses with the same fatal message and exit code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Server } from '../../src/server/server.js';
import { ConfigFileError, readConfigFiles } from '../../src/config/config.js';
import { parseServerArgv } from '../../src/config/argv.js';
import { RawClient } from '../helpers/raw-client.js';
import {
  freePort,
  logMessages,
  removeDir,
  runBoth,
  runOracleAsync,
  startProcess,
  tempDir,
  type RunResult,
} from './cli-util.js';

function assertSameFailure(r: RunResult, o: RunResult, what: string): void {
  assert.equal(o.status, 1, `redis-server should fail for ${what}:\n${o.stdout}${o.stderr}`);
  assert.equal(r.status, 1, `respite-server should fail for ${what}:\n${r.stdout}${r.stderr}`);
  assert.equal(r.stderr, o.stderr, `stderr for ${what}`);
  // Fatal errors that Redis logs (instead of printing a FATAL block) go to stdout.
  const oLog = logMessages(o.stdout).filter((l) => l.startsWith('Fatal error'));
  const rLog = logMessages(r.stdout).filter((l) => l.startsWith('Fatal error'));
  assert.deepEqual(rLog, oLog, `logged fatal error for ${what}`);
}

const BAD_FILES: [string, string][] = [
  ['an unknown directive', 'port 7777\nfoo bar\n'],
  ['a value that is not an integer', '# comment\n\n  port   abc  \n'],
  ['too many arguments', 'port 1 2\n'],
  ['unbalanced quotes', 'bind "127.0.0.1\n'],
  ['a quote followed by text', 'requirepass "abc"def\n'],
  ['a bad memory value', 'maxmemory 1zb\n'],
  ['a bad enum value', 'loglevel loud\n'],
  ['bad save points', 'save 0 1\n'],
  ['a bad yes/no value', 'appendonly maybe\n'],
  ['an out-of-range value', 'databases 0\n'],
  ['a bad octal value', 'unixsocketperm 999\n'],
  ['a bad percent value', 'maxmemory-clients 101%\n'],
  ['a path as dbfilename', 'dbfilename a/b.rdb\n'],
  ['bad client output buffer limits', 'client-output-buffer-limit normal 1 2\n'],
  ['bad keyspace event classes', 'notify-keyspace-events Q\n'],
  ['a bad master port', 'replicaof 127.0.0.1 port\n'],
  ['too many bind addresses', `bind ${Array.from({ length: 17 }, (_, i) => `127.0.0.${i + 1}`).join(' ')}\n`],
  ['rename-command of an unknown command', 'rename-command nosuchcommand foo\n'],
  ['rename-command onto an existing name', 'rename-command get set\n'],
  ['a module option without value', 'mymodule.option\n'],
  ['a sentinel directive outside Sentinel mode', 'sentinel monitor m 127.0.0.1 6379 2\n'],
  ['a log file that cannot be opened', 'logfile /nonexistent-dir/respite.log\n'],
  ['replicaof in cluster mode', 'cluster-enabled yes\nreplicaof 127.0.0.1 6379\n'],
  ['CRLF line endings', 'port 7777\r\nfoo\r\n'],
  ['a deprecated directive then an error', 'list-max-ziplist-entries 5\nlua-replicate-commands yes\nbogus\n'],
  ['an include of a missing file', 'port 7777\ninclude /nonexistent-dir/missing.conf\n'],
];

/**
 * What respite-server prints for a config that fails to load: the same steps as the CLI
 * (file, then the options after a newline), run in-process to keep the test fast.
 */
function loadInProcess(args: string[], cwd: string): RunResult {
  const parsed = parseServerArgv(args);
  try {
    let text = parsed.configFile !== undefined ? readConfigFiles(resolve(cwd, parsed.configFile), cwd) : '';
    text += '\n' + parsed.options;
    new Server({ configText: text, cwd, log: false });
    return { status: 0, stdout: '', stderr: '' };
  } catch (e) {
    if (!(e instanceof ConfigFileError)) throw e;
    if (e.isLogLine) return { status: 1, stdout: `1:C 01 Jan 2026 00:00:00.000 # ${e.text}\n`, stderr: '' };
    return { status: 1, stdout: '', stderr: e.text };
  }
}

test('a bad config file fails with the same fatal message and exit code as redis-server', async () => {
  const dir = tempDir();
  try {
    for (let i = 0; i < BAD_FILES.length; i += 4) {
      await Promise.all(
        BAD_FILES.slice(i, i + 4).map(async ([what, content], k) => {
          const file = join(dir, `bad${i + k}.conf`);
          writeFileSync(file, content);
          const oracle = await runOracleAsync([file], { cwd: dir });
          assertSameFailure(loadInProcess([file], dir), oracle, what);
        }),
      );
    }
    // The CLI itself prints the same and exits with code 1.
    const file = join(dir, 'bad0.conf');
    const { respite, oracle } = await runBoth([file], { cwd: dir });
    assertSameFailure(respite, oracle, 'the CLI');
  } finally {
    removeDir(dir);
  }
});

test('an error inside an included file names the line of that file', async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'inc.conf'), '# included\ntimeout 5\ntimeout five\n');
    writeFileSync(join(dir, 'main.conf'), `port 7777\ninclude ${join(dir, 'inc.conf')}\n`);
    const file = join(dir, 'main.conf');
    const { respite, oracle } = await runBoth([file], { cwd: dir });
    assertSameFailure(respite, oracle, 'include');
  } finally {
    removeDir(dir);
  }
});

test('a missing config file is a logged fatal error, like redis-server', async () => {
  const dir = tempDir();
  try {
    const { respite: r, oracle: o } = await runBoth(['missing.conf'], { cwd: dir });
    assertSameFailure(r, o, 'a missing file');
    assert.match(
      r.stdout,
      /Fatal error, can't open config file '.*missing\.conf': No such file or directory/,
    );
  } finally {
    removeDir(dir);
  }
});

const BAD_ARGV: string[][] = [
  ['--port', '99999'],
  ['--nosuch', '1'],
  ['--port'],
  ['--port', '7000', '--loglevel', 'bogus'],
  ['--bind', '127.0.0.1', '::1', '--port', 'x'],
  ['--save', '--port', 'abc'],
  ['--save', '100', '--port', 'abc'],
  ['--port 7000', 'extra'],
  ['--requirepass', 'a"b\\c\n', '--databases', '0'],
  ['--maxmemory', '1 gb'],
  ['--port', '--bind'],
];

test('bad command-line options fail like redis-server, naming the generated config line', async () => {
  const dir = tempDir();
  try {
    for (const args of BAD_ARGV) {
      assertSameFailure(loadInProcess(args, dir), await runOracleAsync(args, { cwd: dir }), args.join(' '));
    }
    const { respite, oracle } = await runBoth(BAD_ARGV[0], { cwd: dir });
    assertSameFailure(respite, oracle, 'the CLI');
    // Options come after the file: their line numbers continue the file's.
    const file = join(dir, 'ok.conf');
    writeFileSync(file, '# a comment\ntimeout 5\n');
    const args = [file, '--timeout', '6', '--hz', 'fast'];
    assertSameFailure(loadInProcess(args, dir), await runOracleAsync(args, { cwd: dir }), args.join(' '));
  } finally {
    removeDir(dir);
  }
});

test('config read from standard input with `-` is checked like redis-server', async () => {
  const dir = tempDir();
  try {
    const input = 'timeout 5\nmaxmemory lots\n';
    const { respite: r, oracle: o } = await runBoth(['-'], { cwd: dir, input });
    assertSameFailure(r, o, 'stdin');
    assert.ok(logMessages(o.stdout).includes('Reading config from stdin'));
  } finally {
    removeDir(dir);
  }
});

/** Reads CONFIG GET name's raw reply from a server on port. */
async function configGet(port: number, names: string[]): Promise<string[]> {
  const c = await RawClient.connect(port);
  const out: string[] = [];
  for (const n of names) out.push(await c.call('CONFIG', 'GET', n));
  c.close();
  return out;
}

test('a config file with quotes, includes, repeated and multi-argument directives loads like redis-server', async () => {
  const dir = tempDir();
  const servers: Awaited<ReturnType<typeof startProcess>>[] = [];
  try {
    mkdirSync(join(dir, 'conf.d'));
    writeFileSync(join(dir, 'conf.d', 'a.conf'), 'timeout 30\ntcp-keepalive 60\n');
    writeFileSync(join(dir, 'conf.d', 'b.conf'), 'timeout 31\n');
    writeFileSync(join(dir, 'conf.d', '.hidden.conf'), 'timeout 99\n');
    writeFileSync(
      join(dir, 'main.conf'),
      [
        '# A config file in redis.conf syntax',
        '',
        'bind 127.0.0.1 -::1',
        'save 900 1',
        'save 300 10',
        '   maxmemory 100mb   ',
        'MAXMEMORY-POLICY ALLKEYS-LRU',
        'hash-max-ziplist-entries 64',
        'masterauth "p a\\"ss\\x41"',
        "masteruser 'o\\'neil'",
        'notify-keyspace-events "KEA"',
        'client-output-buffer-limit replica 1gb 512mb 30',
        'client-output-buffer-limit pubsub 64mb 16mb 90 normal 1k 2k 3',
        `include ${join(dir, 'conf.d', '*.conf')}`,
        `include ${join(dir, 'nothing-matches-*.conf')}`,
        'rename-command ECHO SAY',
        'hz 1000\r',
        'list-max-ziplist-entries 5',
        'slave-read-only no',
        'unixsocketperm 755',
        'latency-tracking-info-percentiles 50 99.90 100',
        'oom-score-adj yes',
        'shutdown-on-sigterm nosave now',
        'oom-score-adj-values "0 100 900"',
        '',
      ].join('\n'),
    );
    const names = [
      'bind',
      'save',
      'maxmemory',
      'maxmemory-policy',
      'hash-max-listpack-entries',
      'masterauth',
      'masteruser',
      'notify-keyspace-events',
      'client-output-buffer-limit',
      'timeout',
      'tcp-keepalive',
      'hz',
      'replica-read-only',
      'unixsocketperm',
      'latency-tracking-info-percentiles',
      'oom-score-adj',
      'shutdown-on-sigterm',
      'oom-score-adj-values',
    ];
    const results: string[][] = [];
    for (const cmd of ['redis', 'respite'] as const) {
      const port = await freePort();
      const s = await startProcess(
        cmd,
        [join(dir, 'main.conf'), '--port', String(port), '--dir', dir],
        port,
        {
          cwd: dir,
        },
      );
      servers.push(s);
      const replies = await configGet(port, names);
      const c = await RawClient.connect(port);
      replies.push(await c.call('SAY', 'hello'));
      replies.push(await c.call('ECHO', 'hello'));
      c.close();
      results.push(replies);
    }
    assert.deepEqual(results[1], results[0]);
    assert.match(results[1][0], /127\.0\.0\.1 -::1/);
    assert.match(results[1][9], /31/);
  } finally {
    for (const s of servers) await s.kill();
    removeDir(dir);
  }
});

test('command-line options override the config file; a bare `--save` means no save points', async () => {
  const dir = tempDir();
  const servers: Awaited<ReturnType<typeof startProcess>>[] = [];
  try {
    writeFileSync(join(dir, 'main.conf'), 'timeout 5\nsave 900 1\nbind 127.0.0.1\n');
    const results: string[][] = [];
    for (const cmd of ['redis', 'respite'] as const) {
      const port = await freePort();
      const args = [join(dir, 'main.conf'), '--timeout', '6', '--port', String(port), '--dir', dir, '--save'];
      const s = await startProcess(cmd, args, port, { cwd: dir });
      servers.push(s);
      results.push(await configGet(port, ['timeout', 'save', 'bind']));
    }
    assert.deepEqual(results[1], results[0]);
    assert.equal(results[1][0], '*2\r\n$7\r\ntimeout\r\n$1\r\n6\r\n');
    assert.equal(results[1][1], '*2\r\n$4\r\nsave\r\n$0\r\n\r\n');
  } finally {
    for (const s of servers) await s.kill();
    removeDir(dir);
  }
});
