#!/usr/bin/env node
/**
 * respite-server [/path/to/redis.conf] [--option value ...] [-] — like redis-server: the
 * same arguments, config file syntax, fatal error texts, exit codes, log lines and signal
 * handling.
 *
 * The launcher sizes V8's heap: it re-runs itself as a child process with
 * `--max-old-space-size` set from `maxmemory` (maxmemory × 1.5 + 256 MB) or, without
 * maxmemory, from the machine (75% of its memory), unless the heap limit already fits or
 * the user set `--max-old-space-size` (in NODE_OPTIONS or node's own arguments). The parent
 * only forwards signals and exits with the child's code.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { fileURLToPath } from 'node:url';
import { Server, RESPITE_VERSION, REDIS_VERSION } from './server/server.js';
import { ConfigFileError, readConfigFiles, memtoull } from './config/config.js';
import { parseServerArgv } from './config/argv.js';
import { Logger } from './server/logger.js';

const MB = 1024 * 1024;
/** Set in the child the launcher starts with a sized heap. */
const CHILD_ENV = 'RESPITE_SIZED_HEAP';
import { startStallMonitor } from './server/stall-monitor.js';
import { watchLauncher } from './scripting/busy.js';

function usage(): never {
  process.stderr.write(
    'Usage: ./respite-server [/path/to/redis.conf] [options] [-]\n' +
      '       ./respite-server - (read config from stdin)\n' +
      '       ./respite-server -v or --version\n' +
      '       ./respite-server -h or --help\n\n' +
      'Examples:\n' +
      '       ./respite-server (run the server with default conf)\n' +
      "       echo 'maxmemory 128mb' | ./respite-server -\n" +
      '       ./respite-server /etc/redis/6379.conf\n' +
      '       ./respite-server --port 7777\n' +
      '       ./respite-server /etc/myredis.conf --loglevel verbose -\n' +
      '       ./respite-server /etc/myredis.conf --loglevel verbose\n\n',
  );
  process.exit(1);
}

/** The heap limit (MB) the server should run with. */
function heapTargetMb(maxmemory: bigint): number {
  if (maxmemory > 0n) return Math.ceil((Number(maxmemory) * 1.5) / MB) + 256;
  return Math.floor((totalmem() * 0.75) / MB);
}

function userSetHeapSize(): boolean {
  const flag = /--max[-_]old[-_]space[-_]size/;
  return process.execArgv.some((a) => flag.test(a)) || flag.test(process.env.NODE_OPTIONS ?? '');
}

/** Runs this script again with a sized heap; resolves never (the process exits with the child). */
function relaunch(heapMb: number, stdinText: string | null): void {
  const script = realpathSync(fileURLToPath(import.meta.url));
  const child = spawn(
    process.execPath,
    [...process.execArgv, `--max-old-space-size=${heapMb}`, script, ...process.argv.slice(2)],
    {
      // Its own process group: signals reach it once, through this parent.
      detached: true,
      stdio: [stdinText === null ? 'inherit' : 'pipe', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, [CHILD_ENV]: '1' },
    },
  );
  if (stdinText !== null) child.stdin!.end(Buffer.from(stdinText, 'latin1'));
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2'] as const) {
    process.on(sig, () => child.kill(sig));
  }
  child.on('exit', (code) => process.exit(code ?? 1));
  child.on('error', (e) => {
    process.stderr.write(`Could not start the server process: ${e.message}\n`);
    process.exit(1);
  });
}

function main(): void {
  const args = process.argv.slice(2);
  const isChild = process.env[CHILD_ENV] === '1';
  if (args.length > 0) {
    if (args[0] === '-v' || args[0] === '--version') {
      process.stdout.write(
        `Respite server v=${RESPITE_VERSION} redis_version=${REDIS_VERSION} node=${process.version} bits=64\n`,
      );
      process.exit(0);
    }
    if (args[0] === '--help' || args[0] === '-h') usage();
    if (args[0] === '--test-memory' || args[0] === '--check-system') {
      process.stderr.write(`${args[0]} is not supported by respite-server\n`);
      process.exit(1);
    }
  }
  if (args.some((a) => a.toLowerCase() === '--sentinel')) {
    process.stderr.write('Sentinel mode is not supported by respite-server\n');
    process.exit(1);
  }
  const early = new Logger();
  early.role = 'C';
  const parsed = parseServerArgv(args);
  const configFile = parsed.configFile !== undefined ? resolve(parsed.configFile) : undefined;
  let text = '';
  let stdinText: string | null = null;
  try {
    if (configFile !== undefined) text += readConfigFiles(configFile, process.cwd());
    if (parsed.configFromStdin) {
      if (isChild) early.warning('Reading config from stdin');
      stdinText = readFileSync(0, 'latin1');
      text += stdinText;
    }
  } catch (e) {
    if (e instanceof ConfigFileError && e.isLogLine) {
      early.warning(e.text);
      process.exit(1);
    }
    throw e;
  }
  // Like redis-server: with any argument, the options follow the file after a newline.
  if (args.length > 0) text += '\n' + parsed.options;

  let server: Server;
  try {
    server = new Server({
      configText: text,
      configFile,
      chdir: true,
      log: true,
      onShutdown: () => process.exit(0),
    });
  } catch (e) {
    if (e instanceof ConfigFileError) {
      if (e.isLogLine) early.warning(e.text);
      else process.stderr.write(e.text);
      process.exit(1);
    }
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  }
  if (server.config.sentinelMode) {
    process.stderr.write('Sentinel mode is not supported by respite-server\n');
    process.exit(1);
  }

  if (!isChild && !userSetHeapSize() && process.env.RESPITE_NO_RELAUNCH !== '1') {
    const target = heapTargetMb(memtoull(server.config.str('maxmemory')) ?? 0n);
    const current = getHeapStatistics().heap_size_limit / MB;
    // heap_size_limit includes the young generation: a margin avoids needless relaunches.
    if (current < target || current > target * 1.25 + 128) {
      relaunch(target, stdinText);
      return;
    }
  }
  if (isChild && process.channel) {
    // The launcher died without forwarding a signal (e.g. SIGKILL): it was meant to end this
    // process as abruptly, so it stops without the final save (a killed redis-server saves
    // nothing either) but closes its clients cleanly.
    process.channel.unref();
    const orphaned = () => {
      server.log.warning('The launcher process exited: shutting down.');
      if (server.shutdown({ nosave: true }) !== null) process.exit(1);
    };
    process.on('disconnect', orphaned);
    // During a busy script the event loop (and 'disconnect') waits: its service checks this.
    const launcher = process.ppid;
    watchLauncher(() => process.ppid !== launcher);
    // It may have died while this process was starting.
    if (!process.connected) setImmediate(orphaned);
  }
  if (parsed.configFromStdin && !isChild) early.warning('Reading config from stdin');
  void start(server, args.length === 0);
}

async function start(server: Server, noArgs: boolean): Promise<void> {
  server.logStartup(noArgs);
  for (const mod of server.config.loadModules) {
    server.log.warning(`Module ${mod[0]} failed to load: Respite cannot load Redis modules`);
    server.log.warning(`Can't load module from ${mod[0]}: server aborting`);
    process.exit(1);
  }
  if (server.config.moduleConfigs.size > 0) {
    server.log.warning(
      'Module Configuration detected without loadmodule directive or no ApplyConfig call: aborting',
    );
    process.exit(1);
  }
  try {
    await server.listen();
  } catch {
    // listen() logged why.
    process.exit(1);
  }
  startStallMonitor((line) => server.log.notice(line)); // opt-in: RESPITE_STALL_LOG=1
  if (server.config.bool('set-proc-title')) {
    const bind = server.config.str('bind').split(' ')[0]?.replace(/^-/, '') || '*';
    process.title = `respite-server ${bind}:${server.port}`;
  }
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => {
      if (server.handleSignal(sig)) process.exit(1);
    });
  }
  process.on('SIGHUP', () => {
    /* Redis ignores SIGHUP. */
  });
  process.on('uncaughtException', (e) => {
    server.log.warning(`Uncaught exception (server keeps running): ${e.stack ?? e}`);
  });
}

main();
