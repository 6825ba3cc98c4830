#!/usr/bin/env node
/**
 * respite-server [/path/to/redis.conf] [--option value ...] — like redis-server.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Server } from './server/server.js';
import { startStallMonitor } from './server/stall-monitor.js';

function usage(): never {
  process.stderr.write(
    'Usage: respite-server [/path/to/redis.conf] [options] [-]\n' +
      '       respite-server -v or --version\n' +
      '       respite-server -h or --help\n\n' +
      'Examples:\n' +
      '       respite-server (run the server with default conf)\n' +
      '       respite-server /etc/redis/6379.conf\n' +
      '       respite-server --port 7777\n' +
      '       respite-server /etc/myredis.conf --loglevel verbose\n',
  );
  process.exit(1);
}

/** Turns argv into config text, as Redis does: `--port 7777 --bind a b` -> lines. */
export function argvToConfig(args: string[]): { file?: string; text: string } {
  let file: string | undefined;
  let i = 0;
  if (args.length > 0 && !args[0].startsWith('--')) {
    file = args[0];
    i = 1;
  }
  const lines: string[] = [];
  let cur: string[] | null = null;
  for (; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith('--') && a.length > 2) {
      if (cur) lines.push(cur.join(' '));
      cur = [a.slice(2)];
    } else if (cur) {
      cur.push(quoteConfigArg(a));
    }
  }
  if (cur) lines.push(cur.join(' '));
  return { file, text: lines.join('\n') };
}

function quoteConfigArg(a: string): string {
  if (a !== '' && !/[\s"'\\]/.test(a)) return a;
  return '"' + a.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '"';
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '-v' || args[0] === '--version') {
    process.stdout.write('Respite server v=0.1.0 (Redis 7.0.15 compatible) node=' + process.version + '\n');
    return;
  }
  if (args[0] === '-h' || args[0] === '--help') usage();
  const { file, text } = argvToConfig(args);
  let configText = '';
  if (file) {
    try {
      configText = readFileSync(file, 'latin1');
    } catch (e) {
      process.stderr.write(`Fatal error, can't open config file '${file}': ${(e as Error).message}\n`);
      process.exit(1);
    }
  }
  let server: Server;
  try {
    server = new Server({
      configText: configText + '\n' + text,
      configFile: file ? resolve(file) : undefined,
      log: true,
      onShutdown: () => process.exit(0),
    });
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  }
  try {
    await server.listen();
  } catch (e) {
    server.log.warning((e as Error).message);
    process.exit(1);
  }
  startStallMonitor((line) => server.log.notice(line)); // opt-in: RESPITE_STALL_LOG=1
  const onSignal = (sig: string) => {
    server.log.warning(`Received ${sig} scheduling shutdown...`);
    server.shutdown({});
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('uncaughtException', (e) => {
    server.log.warning(`Uncaught exception (server keeps running): ${e.stack ?? e}`);
  });
}

void main();
