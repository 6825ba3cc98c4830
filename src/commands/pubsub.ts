/**
 * Pub/Sub commands (pubsub.c): SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH,
 * SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH and PUBSUB's introspection subcommands. The registry
 * and message delivery live in src/server/pubsub.ts.
 */
import type { CommandSpec } from './types.js';
import {
  CLIENT_DENY_BLOCKING,
  CLIENT_MULTI,
  CLIENT_PUBSUB,
  REPLY_OFF,
  REPLY_SKIP,
  type Client,
} from '../server/client.js';
import type { ReplyWriter } from '../protocol/writer.js';
import { PubSub } from '../server/pubsub.js';
import { globMatch } from '../util/glob.js';

/** addReplyPubsub(Un)Subscribed and friends: `[kind, channel or null, count]`. */
function confirm(c: Client, kind: string, channel: string | null, count: number): void {
  // Like every Pub/Sub push, it is sent even when CLIENT REPLY OFF|SKIP silences the command
  // (Redis's CLIENT_PUSHING): then it goes where silencing does not reach.
  if ((c.replyMode & (REPLY_OFF | REPLY_SKIP)) !== 0) {
    c.server.pubsub.pushTo(c, (out) => writeConfirm(out, kind, channel, count));
    return;
  }
  writeConfirm(c.out, kind, channel, count);
}

function writeConfirm(out: ReplyWriter, kind: string, channel: string | null, count: number): void {
  out.push(3);
  out.bulk(kind);
  if (channel === null) out.nullBulk();
  else out.bulk(channel);
  out.integer(count);
}

/** A client that must get one reply per command (scripts, EXEC) cannot subscribe. */
function denied(c: Client, name: string, multiAllowed: boolean): boolean {
  if ((c.flags & CLIENT_DENY_BLOCKING) !== 0 && !(multiAllowed && (c.flags & CLIENT_MULTI) !== 0)) {
    c.error(`ERR ${name} isn't allowed for a DENY BLOCKING client`);
    return true;
  }
  return false;
}

function leaveIfUnsubscribed(c: Client): void {
  if (c.subscriptions + c.patterns + c.shardSubscriptions === 0) c.flags &= ~CLIENT_PUBSUB;
}

function subscribeCommand(c: Client, argv: string[]): void {
  if (denied(c, 'SUBSCRIBE', true)) return;
  const ps = c.server.pubsub;
  for (let j = 1; j < argv.length; j++) {
    ps.subscribeChannel(c, argv[j], false);
    confirm(c, 'subscribe', argv[j], PubSub.subscriptionCount(c));
  }
  c.flags |= CLIENT_PUBSUB;
}

function unsubscribeCommand(c: Client, argv: string[]): void {
  const ps = c.server.pubsub;
  if (argv.length === 1) {
    const mine = c.pubsubState === null ? [] : [...c.pubsubState.channels];
    for (const ch of mine) {
      ps.unsubscribeChannel(c, ch, false);
      confirm(c, 'unsubscribe', ch, PubSub.subscriptionCount(c));
    }
    if (mine.length === 0) confirm(c, 'unsubscribe', null, PubSub.subscriptionCount(c));
  } else {
    for (let j = 1; j < argv.length; j++) {
      ps.unsubscribeChannel(c, argv[j], false);
      confirm(c, 'unsubscribe', argv[j], PubSub.subscriptionCount(c));
    }
  }
  leaveIfUnsubscribed(c);
}

function psubscribeCommand(c: Client, argv: string[]): void {
  if (denied(c, 'PSUBSCRIBE', true)) return;
  const ps = c.server.pubsub;
  for (let j = 1; j < argv.length; j++) {
    ps.subscribePattern(c, argv[j]);
    confirm(c, 'psubscribe', argv[j], PubSub.subscriptionCount(c));
  }
  c.flags |= CLIENT_PUBSUB;
}

function punsubscribeCommand(c: Client, argv: string[]): void {
  const ps = c.server.pubsub;
  if (argv.length === 1) {
    const mine = c.pubsubState === null ? [] : [...c.pubsubState.patterns];
    for (const p of mine) {
      ps.unsubscribePattern(c, p);
      confirm(c, 'punsubscribe', p, PubSub.subscriptionCount(c));
    }
    if (mine.length === 0) confirm(c, 'punsubscribe', null, PubSub.subscriptionCount(c));
  } else {
    for (let j = 1; j < argv.length; j++) {
      ps.unsubscribePattern(c, argv[j]);
      confirm(c, 'punsubscribe', argv[j], PubSub.subscriptionCount(c));
    }
  }
  leaveIfUnsubscribed(c);
}

function ssubscribeCommand(c: Client, argv: string[]): void {
  if (denied(c, 'SSUBSCRIBE', false)) return;
  const ps = c.server.pubsub;
  for (let j = 1; j < argv.length; j++) {
    ps.subscribeChannel(c, argv[j], true);
    confirm(c, 'ssubscribe', argv[j], c.shardSubscriptions);
  }
  c.flags |= CLIENT_PUBSUB;
}

function sunsubscribeCommand(c: Client, argv: string[]): void {
  const ps = c.server.pubsub;
  if (argv.length === 1) {
    const mine = c.pubsubState === null ? [] : [...c.pubsubState.shardChannels];
    for (const ch of mine) {
      ps.unsubscribeChannel(c, ch, true);
      confirm(c, 'sunsubscribe', ch, c.shardSubscriptions);
    }
    if (mine.length === 0) confirm(c, 'sunsubscribe', null, c.shardSubscriptions);
  } else {
    for (let j = 1; j < argv.length; j++) {
      ps.unsubscribeChannel(c, argv[j], true);
      confirm(c, 'sunsubscribe', argv[j], c.shardSubscriptions);
    }
  }
  leaveIfUnsubscribed(c);
}

// Channel permissions (ACL `&pattern`) are checked by the dispatcher (Acl.checkCommand).
function publishCommand(c: Client, argv: string[]): void {
  // Redis forwards PUBLISH to replicas only (never to the AOF): left to replication.
  c.out.integer(c.server.pubsub.publish(argv[1], argv[2], false));
}

function spublishCommand(c: Client, argv: string[]): void {
  c.out.integer(c.server.pubsub.publish(argv[1], argv[2], true));
}

// ---- PUBSUB ---------------------------------------------------------------------------------

const HELP = [
  'PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'SHARDCHANNELS [<pattern>]',
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  'SHARDNUMSUB [<shardchannel> ...]',
  '    Return the number of subscribers for the specified shard level channel(s)',
  'HELP',
  '    Prints this help.',
];

function subcommandSyntaxError(c: Client, argv: string[]): void {
  c.error(
    `ERR unknown subcommand or wrong number of arguments for '${argv[1].slice(0, 128)}'. Try ${argv[0].toUpperCase()} HELP.`,
  );
}

function pubsubHelpCommand(c: Client): void {
  c.out.array(HELP.length);
  for (const line of HELP) c.out.status(line);
}

function channelList(c: Client, argv: string[], table: Map<string, Set<Client>>): void {
  if (argv.length > 3) {
    subcommandSyntaxError(c, argv);
    return;
  }
  const pat = argv.length === 3 ? argv[2] : null;
  const out = c.out;
  const mark = out.deferLen();
  let n = 0;
  for (const ch of table.keys()) {
    if (pat === null || globMatch(pat, ch)) {
      out.bulk(ch);
      n++;
    }
  }
  out.setDeferredArray(mark, n);
}

function numsub(c: Client, argv: string[], table: Map<string, Set<Client>>): void {
  c.out.array((argv.length - 2) * 2);
  for (let j = 2; j < argv.length; j++) {
    c.out.bulk(argv[j]);
    c.out.integer(table.get(argv[j])?.size ?? 0);
  }
}

function pubsubChannelsCommand(c: Client, argv: string[]): void {
  channelList(c, argv, c.server.pubsub.channels);
}

function pubsubShardchannelsCommand(c: Client, argv: string[]): void {
  channelList(c, argv, c.server.pubsub.shardChannels);
}

function pubsubNumsubCommand(c: Client, argv: string[]): void {
  numsub(c, argv, c.server.pubsub.channels);
}

function pubsubShardnumsubCommand(c: Client, argv: string[]): void {
  numsub(c, argv, c.server.pubsub.shardChannels);
}

function pubsubNumpatCommand(c: Client): void {
  c.out.integer(c.server.pubsub.patterns.size);
}

const SUB_FLAGS: CommandSpec['flags'] = ['pubsub', 'noscript', 'loading', 'stale'];

function cmd(
  name: string,
  arity: number,
  flags: CommandSpec['flags'],
  handler: CommandSpec['handler'],
  keys: [number, number, number] = [0, 0, 0],
): CommandSpec {
  return { name, arity, flags, firstKey: keys[0], lastKey: keys[1], step: keys[2], handler, group: 'pubsub' };
}

function sub(name: string, arity: number, handler: CommandSpec['handler'], pubsub = true): CommandSpec {
  return {
    name,
    arity,
    flags: pubsub ? ['pubsub', 'loading', 'stale'] : ['loading', 'stale'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    handler,
  };
}

export const specs: CommandSpec[] = [
  cmd('subscribe', -2, SUB_FLAGS, subscribeCommand),
  cmd('unsubscribe', -1, SUB_FLAGS, unsubscribeCommand),
  cmd('psubscribe', -2, SUB_FLAGS, psubscribeCommand),
  cmd('punsubscribe', -1, SUB_FLAGS, punsubscribeCommand),
  cmd('publish', 3, ['pubsub', 'loading', 'stale', 'fast'], publishCommand),
  cmd('ssubscribe', -2, SUB_FLAGS, ssubscribeCommand, [1, -1, 1]),
  cmd('sunsubscribe', -1, SUB_FLAGS, sunsubscribeCommand, [1, -1, 1]),
  cmd('spublish', 3, ['pubsub', 'loading', 'stale', 'fast'], spublishCommand, [1, 1, 1]),
  {
    name: 'pubsub',
    arity: -2,
    flags: [],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    group: 'pubsub',
    subcommands: [
      sub('help', 2, pubsubHelpCommand, false),
      sub('channels', -2, pubsubChannelsCommand),
      sub('numpat', 2, pubsubNumpatCommand),
      sub('numsub', -2, pubsubNumsubCommand),
      sub('shardchannels', -2, pubsubShardchannelsCommand),
      sub('shardnumsub', -2, pubsubShardnumsubCommand),
    ],
  },
];
