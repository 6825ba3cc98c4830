/**
 * CONFIG GET / SET / RESETSTAT / REWRITE / HELP, as Redis 7.0 (config.c). The option table
 * (src/config/options.ts) drives all of them.
 */
import type { CommandSpec } from './types.js';
import type { Client } from '../server/client.js';
import { CLIENT_BLOCKED, CLIENT_IN_EXEC, CLIENT_MULTI, CLIENT_UNIX_SOCKET } from '../server/client.js';
import { rewriteConfig } from '../config/rewrite.js';
import { strerror } from '../config/special.js';
import { TLS_CONTEXT_OPTIONS } from '../server/tls.js';
import type { ConfigValue } from '../config/config.js';
import type { Server } from '../server/server.js';

function configGetCommand(c: Client, argv: string[]): void {
  const found = c.server.config.getMatching(argv.slice(2));
  c.out.map(found.length);
  for (const [name, value] of found) {
    c.out.bulk(name);
    c.out.bulk(value);
  }
}

/** Loopback or unix socket: what `enable-protected-configs local` allows. */
function isLocalClient(c: Client): boolean {
  if (c.flags & CLIENT_UNIX_SOCKET) return true;
  const ip = c.addr.slice(0, c.addr.lastIndexOf(':'));
  return ip === '::1' || ip.startsWith('127.');
}

function configSetCommand(c: Client, argv: string[]): void {
  if (argv.length % 2 !== 0) {
    c.error('ERR syntax error');
    return;
  }
  const server = c.server;
  const pairs: [string, string][] = [];
  for (let i = 2; i < argv.length; i += 2) pairs.push([argv[i], argv[i + 1]]);
  const prot = server.config.str('enable-protected-configs');
  const allowProtected = prot === 'yes' || (prot === 'local' && isLocalClient(c));
  const r = server.config.setFromCommand(pairs, allowProtected);
  if ('error' in r) {
    c.error(r.error);
    return;
  }
  const tlsChange = r.changed.find((ch) => TLS_CONTEXT_OPTIONS.has(ch.def.name));
  if (tlsChange !== undefined && server.isListening()) {
    const err = server.reconfigureTls();
    if (err !== null) {
      for (const ch of r.changed) server.config.setValue(ch.def.name, ch.old);
      c.error(`ERR CONFIG SET failed (possibly related to argument '${tlsChange.def.name}') - ${err}`);
      return;
    }
  }
  const tlsPortChange = r.changed.find((ch) => ch.def.name === 'tls-port');
  if (tlsPortChange !== undefined && server.isListening()) {
    rebindAndReply(c, r.changed, tlsPortChange.def.name, () => server.rebindTls());
    return;
  }
  const listenChange = r.changed.find((ch) => ch.def.name === 'port' || ch.def.name === 'bind');
  if (listenChange === undefined || !server.isListening()) {
    c.out.ok();
    return;
  }
  // New listeners open asynchronously: the client waits for the outcome, like Redis's
  // synchronous changeListenPort (inside MULTI the reply cannot wait and is OK).
  const oldOf = (name: string) =>
    String(r.changed.find((ch) => ch.def.name === name)?.old ?? server.config.str(name));
  const name = listenChange.def.name;
  rebindAndReply(c, r.changed, name, async () => {
    const err = await server.rebindTcp({ port: Number(oldOf('port')), bind: oldOf('bind') });
    if (err === null) return null;
    return name === 'port'
      ? 'Unable to listen on this port. Check server logs.'
      : 'Failed to bind to specified addresses.';
  });
}

/**
 * Runs an asynchronous listener change for CONFIG SET (tls-port): the client waits for the
 * outcome; on failure the changed options get their old values back.
 */
function rebindAndReply(
  c: Client,
  changed: { def: { name: string }; old: ConfigValue }[],
  name: string,
  rebind: () => Promise<string | null>,
): void {
  const server = c.server;
  const inExec = (c.flags & (CLIENT_MULTI | CLIENT_IN_EXEC)) !== 0;
  if (inExec) c.out.ok();
  else c.flags |= CLIENT_BLOCKED;
  void rebind().then((err) => {
    if (err !== null) {
      server.log.warning(
        `Failed applying new configuration. Possibly related to new ${name} setting. Restoring previous settings.`,
      );
      for (const ch of changed) server.config.setValue(ch.def.name, ch.old);
      if (!inExec) c.error(`ERR CONFIG SET failed (possibly related to argument '${name}') - ${err}`);
    } else if (!inExec) c.out.ok();
    if (!inExec) resumeClient(server, c);
  });
}

function resumeClient(server: Server, c: Client): void {
  c.flags &= ~CLIENT_BLOCKED;
  if (c.closed) return;
  c.requestWrite();
  server.processInput(c);
  server.flushPending();
}

function configResetStatCommand(c: Client): void {
  const server = c.server;
  server.stats.reset();
  for (const spec of new Set(server.commands.values())) {
    for (const s of [spec, ...(spec.subcommands ?? [])]) {
      if (!s.stats) continue;
      s.stats.calls = 0;
      s.stats.usec = 0;
      s.stats.rejectedCalls = 0;
      s.stats.failedCalls = 0;
    }
  }
  c.out.ok();
}

function configRewriteCommand(c: Client): void {
  const server = c.server;
  if (server.configFile === '') {
    c.error('ERR The server is running without a config file');
    return;
  }
  try {
    rewriteConfig(server.config, server.configFile);
  } catch (e) {
    server.log.warning(`CONFIG REWRITE failed: ${strerror(e)}`);
    c.error(`ERR Rewriting config file: ${strerror(e)}`);
    return;
  }
  server.log.warning('CONFIG REWRITE executed with success.');
  c.out.ok();
}

const HELP = [
  'CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GET <pattern>',
  '    Return parameters matching the glob-like <pattern> and their values.',
  'SET <directive> <value>',
  '    Set the configuration <directive> to <value>.',
  'RESETSTAT',
  '    Reset statistics reported by the INFO command.',
  'REWRITE',
  '    Rewrite the configuration file.',
  'HELP',
  '    Prints this help.',
];

function configHelpCommand(c: Client): void {
  c.out.array(HELP.length);
  for (const line of HELP) c.out.status(line);
}

function sub(
  name: string,
  arity: number,
  flags: CommandSpec['flags'],
  handler: CommandSpec['handler'],
): CommandSpec {
  return { name, arity, flags, firstKey: 0, lastKey: 0, step: 0, handler, since: '2.0.0', group: 'server' };
}

export const specs: CommandSpec[] = [
  {
    name: 'config',
    arity: -2,
    flags: [],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    since: '2.0.0',
    group: 'server',
    summary: 'A container for server configuration commands',
    subcommands: [
      { ...sub('get', -3, ['admin', 'noscript', 'loading', 'stale'], configGetCommand), since: '2.0.0' },
      { ...sub('set', -4, ['admin', 'noscript', 'loading', 'stale'], configSetCommand), since: '2.0.0' },
      {
        ...sub('resetstat', 2, ['admin', 'noscript', 'loading', 'stale'], configResetStatCommand),
        since: '2.0.0',
      },
      {
        ...sub('rewrite', 2, ['admin', 'noscript', 'loading', 'stale'], configRewriteCommand),
        since: '2.8.0',
      },
      { ...sub('help', 2, ['loading', 'stale'], configHelpCommand), since: '5.0.0' },
    ],
  },
];
