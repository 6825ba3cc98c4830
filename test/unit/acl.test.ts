/**
 * The ACL checks that need commands of other branches over the wire (Pub/Sub channels,
 * MULTI/EXEC and script error texts), exercised through the exported API on a server's
 * own command table plus synthetic PUBLISH/SUBSCRIBE/PSUBSCRIBE specs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../../src/server/server.js';
import type { CommandSpec } from '../../src/commands/types.js';
import {
  ACL_DENIED_CHANNEL,
  ACL_DENIED_CMD,
  ACL_DENIED_KEY,
  aclCheckChannel,
  aclCheckKey,
  aclDeniedError,
  aclExecDeniedError,
  aclScriptDeniedError,
  aclPubsubHooks,
  type User,
} from '../../src/server/acl.js';

function spec(name: string, arity: number, flags: CommandSpec['flags']): CommandSpec {
  return { name, fullName: name, arity, flags, firstKey: 0, lastKey: 0, step: 0, flagBits: 0 };
}

const PUBLISH = spec('publish', 3, ['pubsub', 'loading', 'stale', 'fast', 'may_replicate']);
const SUBSCRIBE = spec('subscribe', -2, ['pubsub', 'noscript', 'loading', 'stale']);
const PSUBSCRIBE = spec('psubscribe', -2, ['pubsub', 'noscript', 'loading', 'stale']);

function setup(...rules: string[]): { server: Server; user: User } {
  const server = new Server({ log: false });
  const user = server.acl.newUser('u');
  for (const r of rules) assert.equal(user.apply(r, false), null, r);
  return { server, user };
}

test('channel rules: PUBLISH and SUBSCRIBE match patterns, PSUBSCRIBE compares literally', () => {
  const { server, user } = setup('on', '+@all', '&news.*', '&exact');
  const acl = server.acl;
  assert.equal(acl.checkCommand(user, PUBLISH, ['publish', 'news.a', 'm']), null);
  assert.deepEqual(acl.checkCommand(user, PUBLISH, ['publish', 'sport', 'm']), {
    reason: ACL_DENIED_CHANNEL,
    pos: 1,
  });
  assert.deepEqual(acl.checkCommand(user, SUBSCRIBE, ['subscribe', 'news.x', 'exact', 'nope']), {
    reason: ACL_DENIED_CHANNEL,
    pos: 3,
  });
  assert.equal(acl.checkCommand(user, PSUBSCRIBE, ['psubscribe', 'news.*', 'exact']), null);
  assert.deepEqual(acl.checkCommand(user, PSUBSCRIBE, ['psubscribe', 'news.a']), {
    reason: ACL_DENIED_CHANNEL,
    pos: 1,
  });
  assert.equal(aclCheckChannel(user, 'news.b', false), true);
  assert.equal(aclCheckChannel(user, 'news.b', true), false);
  assert.equal(aclCheckChannel(user, 'news.*', true), true);
  assert.equal(
    aclDeniedError({ reason: ACL_DENIED_CHANNEL, pos: 1 }, PUBLISH),
    'NOPERM this user has no permissions to access one of the channels used as arguments',
  );
});

test('allchannels, resetchannels and a selector granting channels', () => {
  const { server, user } = setup('on', '+@all', 'resetchannels', '(&chat.* +publish)');
  assert.equal(server.acl.checkCommand(user, PUBLISH, ['publish', 'chat.1', 'm']), null);
  assert.equal(server.acl.checkCommand(user, SUBSCRIBE, ['subscribe', 'chat.1'])?.reason, ACL_DENIED_CHANNEL);
  assert.equal(user.apply('allchannels', false), null);
  assert.equal(server.acl.checkCommand(user, SUBSCRIBE, ['subscribe', 'anything']), null);
});

test('the highest denial wins between selectors: channel over key over command', () => {
  const { server, user } = setup('on', '-@all', '+get', '~k*', '(+publish &c*)');
  const get = server.commands.get('get')!;
  assert.deepEqual(server.acl.checkCommand(user, get, ['get', 'x']), { reason: ACL_DENIED_KEY, pos: 1 });
  assert.deepEqual(server.acl.checkCommand(user, PUBLISH, ['publish', 'd', 'm']), {
    reason: ACL_DENIED_CHANNEL,
    pos: 1,
  });
  const set = server.commands.get('set')!;
  assert.deepEqual(server.acl.checkCommand(user, set, ['set', 'k', 'v']), { reason: ACL_DENIED_CMD, pos: 0 });
});

test('key permissions follow the key spec flags (read, write, both)', () => {
  const { server, user } = setup('on', '+@all', '%R~r*', '%W~w*', '~b*');
  const c = (name: string) => server.commands.get(name)!;
  const acl = server.acl;
  assert.equal(acl.checkCommand(user, c('get'), ['get', 'r1']), null);
  assert.equal(acl.checkCommand(user, c('get'), ['get', 'w1'])?.reason, ACL_DENIED_KEY);
  assert.equal(acl.checkCommand(user, c('set'), ['set', 'w1', 'v']), null);
  assert.equal(acl.checkCommand(user, c('set'), ['set', 'r1', 'v'])?.reason, ACL_DENIED_KEY);
  // INCR reads and writes: only a pattern with both permissions allows it.
  assert.equal(acl.checkCommand(user, c('incr'), ['incr', 'w1'])?.reason, ACL_DENIED_KEY);
  assert.equal(acl.checkCommand(user, c('incr'), ['incr', 'b1']), null);
  // EXISTS neither reads nor writes the value: any pattern that matches will do.
  assert.equal(acl.checkCommand(user, c('exists'), ['exists', 'r1', 'w1']), null);
  assert.equal(aclCheckKey(user, 'r9', true, false), true);
  assert.equal(aclCheckKey(user, 'r9', false, true), false);
});

test('error texts for EXEC and scripts', () => {
  assert.match(
    aclExecDeniedError({ reason: ACL_DENIED_CMD, pos: 0 }),
    /^NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call\. This command is no longer allowed for the following reason: no permission to execute the command or subcommand$/,
  );
  assert.match(
    aclExecDeniedError({ reason: ACL_DENIED_KEY, pos: 1 }),
    /no permission to touch the specified keys$/,
  );
  assert.equal(
    aclScriptDeniedError({ reason: ACL_DENIED_CMD, pos: 0 }),
    "The user executing the script can't run this command or subcommand",
  );
});

test('SETUSER narrowing the channels disconnects the pub/sub clients it no longer allows', () => {
  const { server } = setup();
  const acl = server.acl;
  const original = acl.newUser('p');
  original.apply('&a*', false);
  original.apply('&b*', false);
  const narrowed = acl.newUser('p');
  narrowed.copyFrom(original);
  narrowed.apply('resetchannels', false);
  narrowed.apply('&a*', false);
  const freed: number[] = [];
  const fake = (id: number, channels: string[]) =>
    ({
      id,
      aclUser: original,
      flags: 1 << 3,
      channels,
    }) as unknown as import('../../src/server/client.js').Client;
  const clients = [fake(1, ['a1']), fake(2, ['b1'])];
  for (const c of clients) server.clients.set(c.id, c);
  const realFree = server.freeClient.bind(server);
  server.freeClient = (c) => {
    freed.push(c.id);
    server.clients.delete(c.id);
  };
  aclPubsubHooks.subscriptions = (c) => ({
    channels: (c as unknown as { channels: string[] }).channels,
    patterns: [],
    shardChannels: [],
  });
  try {
    acl.killPubsubClientsIfNeeded(narrowed, original);
  } finally {
    aclPubsubHooks.subscriptions = null;
    server.freeClient = realFree;
  }
  assert.deepEqual(freed, [2]);
});
