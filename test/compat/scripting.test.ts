/**
 * EVAL and friends against the oracle, byte for byte: Redis↔Lua conversions both ways in
 * RESP2 and RESP3, the `redis` table, error forms (runtime, syntax, redis.call errors),
 * SCRIPT LOAD/EXISTS/FLUSH/HELP, EVALSHA NOSCRIPT, EVAL_RO write refusal, numkeys errors,
 * databases selected by scripts not leaking to the caller.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPair, fmt, type Cmd, type Pair } from '../helpers/compat.js';
import type { RawClient } from '../helpers/raw-client.js';

let pair: Pair;

before(async () => {
  pair = await startPair([]);
});

after(async () => {
  await pair.close();
});

/** Runs every command on both servers and reports all differences at once. */
async function corpus(cmds: Cmd[]): Promise<void> {
  const bad: string[] = [];
  for (const cmd of cmds) {
    const [a, b] = await pair.both(...cmd);
    if (a !== b) bad.push(`${fmt(cmd)}\n  redis:   ${JSON.stringify(a)}\n  respite: ${JSON.stringify(b)}`);
  }
  assert.deepEqual(bad, []);
}

const ev = (src: string, ...rest: string[]): Cmd => ['EVAL', src, String(countKeys(rest)), ...rest];
function countKeys(rest: string[]): number {
  const i = rest.indexOf('--');
  return i === -1 ? rest.length : i;
}
const evk = (src: string, keys: string[], args: string[] = []): Cmd => [
  'EVAL',
  src,
  String(keys.length),
  ...keys,
  ...args,
];

const LUA_TO_REDIS = [
  'return 1',
  'return 3.99',
  'return -3.99',
  'return 1e300',
  'return 0/0',
  "return 'hello'",
  "return ''",
  'return true',
  'return false',
  'return nil',
  'return {}',
  'return {1,2,3}',
  "return {1,'two',{3,{4}},true,false}",
  'return {1,nil,3}',
  "return {1,2,x='y'}",
  "return {ok='fine'}",
  "return {err='My Error'}",
  "return {err='-CODE with dash'}",
  "return {err='line1\\nline2'}",
  "return {ok='a\\r\\nb'}",
  "return redis.status_reply('STATUS')",
  "return redis.error_reply('x y')",
  "return redis.error_reply('-WRONG stuff')",
  "return redis.error_reply('plain')",
  'return {double=3.5}',
  'return {map={a=1}}',
  'return {set={a=true}}',
  "return {big_number='123'}",
  'return {{ok="x"},{err="y"}}',
  "return redis.sha1hex('')",
  "return redis.sha1hex('abc')",
  'return redis.REDIS_VERSION',
  'return redis.REDIS_VERSION_NUM',
  'return redis.replicate_commands()',
  'return redis.breakpoint()',
  'return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_REPLICA, redis.REPL_SLAVE, redis.REPL_ALL}',
  'redis.set_repl(redis.REPL_ALL) return 1',
  "redis.log(redis.LOG_WARNING, 'from a script') return 1",
  'return type(redis.debug)',
];

test('Lua values convert to Redis replies as in Redis (RESP2 and RESP3)', async () => {
  await pair.reset();
  await corpus(LUA_TO_REDIS.map((s) => ev(s)));
  await pair.both('HELLO', '3');
  await corpus(LUA_TO_REDIS.map((s) => ev(s)));
  await corpus(LUA_TO_REDIS.map((s) => ev('redis.setresp(3) ' + s)));
  await pair.both('HELLO', '2');
});

const REDIS_TO_LUA = [
  "redis.call('set','k','v') return redis.call('get','k')",
  "return redis.call('get','nokey')",
  "return type(redis.call('get','nokey'))",
  "return redis.call('incr','n')",
  "return redis.call('set','k','v')",
  "return type(redis.call('set','k','v'))",
  "return redis.call('set','k','v').ok",
  "redis.call('rpush','l','a','b','c') return redis.call('lrange','l',0,-1)",
  "return #redis.call('lrange','l',0,-1)",
  "return redis.call('lrange','nolist',0,-1)",
  "return redis.pcall('incr','k')",
  "return redis.pcall('incr','k').err",
  "return type(redis.pcall('nosuchcmd'))",
  "redis.call('hset','h','f','v') return redis.call('hgetall','h')",
  "redis.setresp(3) redis.call('hset','h','f','v') return redis.call('hgetall','h')",
  "redis.setresp(3) local r = redis.call('hgetall','h') return r.map.f",
  "redis.setresp(3) redis.call('sadd','s','m') return redis.call('smembers','s')",
  "redis.setresp(3) local r = redis.call('smembers','s') return tostring(r.set.m)",
  "redis.setresp(3) return redis.call('get','nokey')",
  "redis.setresp(3) return type(redis.call('get','nokey'))",
  "redis.setresp(3) redis.call('zadd','z',1.5,'a') return redis.call('zscore','z','a')",
  "redis.setresp(3) return redis.call('zscore','z','a').double",
  "redis.setresp(3) return redis.call('exists','z')",
  "return redis.call('zscore','z','a')",
  "return redis.call('ping')",
  "return redis.call('echo', 123)",
  "return redis.call('echo', 1.5)",
  "return redis.call('select', 1)",
  "redis.call('select', 1) redis.call('set','indb1','x') return redis.call('dbsize')",
  "return redis.call('dbsize')",
  "return redis.call('GET','k')",
  "return redis.call('object','encoding','k')",
  "return redis.call('config','get','maxmemory')",
  "return redis.call('blpop','emptylist',0)",
  "return redis.call('brpoplpush','emptylist','x',0)",
];

test('Redis replies convert to Lua values as in Redis', async () => {
  await pair.reset();
  await corpus(REDIS_TO_LUA.map((s) => ev(s)));
  await corpus([['GET', 'indb1'], ['DBSIZE']]);
  await pair.reset();
  await pair.both('HELLO', '3');
  await corpus(REDIS_TO_LUA.map((s) => ev(s)));
  await pair.both('HELLO', '2');
});

test('KEYS and ARGV reach the script', async () => {
  await pair.reset();
  await corpus([
    evk('return KEYS', ['a', 'b'], ['c', 'd']),
    evk('return ARGV', ['a', 'b'], ['c', 'd']),
    evk('return {#KEYS, #ARGV}', [], ['x']),
    evk("return redis.call('set', KEYS[1], ARGV[1])", ['k'], ['v']),
    evk("return redis.call('get', KEYS[1])", ['k']),
    evk('return ARGV[1]', [], ['\x00\xff binary']),
  ]);
});

test('KEYS and ARGV are fresh in every script even after a script changed them (reused tables)', async () => {
  await pair.reset();
  const check = evk(
    "return {#KEYS, #ARGV, KEYS[1], ARGV[1], tostring(KEYS.x), tostring(rawget(ARGV, 'y'))}",
    ['k1'],
    ['a1'],
  );
  await corpus([
    evk('KEYS[3] = 1 KEYS.x = 2 return #KEYS', ['a', 'b'], ['c']),
    check,
    evk("table.insert(ARGV, 'z') ARGV[1] = nil return #ARGV", [], ['c', 'd']),
    check,
    evk("setmetatable(ARGV, {__index = function() return 'meta' end}) return ARGV[9]", [], ['c']),
    check,
    evk('for i = 1, 40 do ARGV[i] = i end ARGV.y = 1 return #ARGV', [], []),
    check,
    evk('KEYS[1] = nil return #KEYS', ['a', 'b', 'c']),
    check,
    evk('return {#KEYS, #ARGV}', [], []),
    evk('return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3]}', ['a', 'b'], ['c', 'd', 'e']),
    evk('return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3]}', ['a'], []),
  ]);
});

const ERRORS = [
  "return redis.call('nosuch')",
  "return redis.call('get')",
  "return redis.call('incr','s')",
  'return redis.call()',
  'return redis.call({})',
  "return redis.call('get', {})",
  'return redis.pcall()',
  'return x',
  'x = 1',
  'return +',
  'return (',
  "error('boom')",
  'error(5)',
  "error({err='TABLE err'})",
  "error('no position', 0)",
  'local t = nil\nreturn t.x',
  "\n\nreturn redis.call('incr','s')",
  "local function f()\n  redis.call('incr','s')\nend\nf()",
  "return redis.call('subscribe','x')",
  "return redis.call('eval','return 1','0')",
  "return redis.call('multi')",
  "return pcall(function() redis.call('incr','s') end)",
  "local ok, e = pcall(function() redis.call('incr','s') end) return e",
  "local ok, e = pcall(function() error('x') end) return e",
  'return redis.error_reply()',
  'return redis.setresp(4)',
  'return redis.set_repl(99)',
  'return redis.log(1)',
];

test('script errors have Redis 7.0 forms', async () => {
  await pair.reset();
  await corpus([['SET', 's', 'str']]);
  await corpus(ERRORS.map((s) => ev(s)));
});

test('EVALSHA, SCRIPT LOAD/EXISTS/FLUSH/HELP and numkeys errors', async () => {
  await pair.reset();
  await corpus([
    ['SCRIPT', 'FLUSH'],
    ['SCRIPT', 'LOAD', 'return 42'],
    ['SCRIPT', 'LOAD', 'return +'],
    [
      'SCRIPT',
      'EXISTS',
      'd0a6b5a0a8e2b1b0e4cf4de1b7e9d8b0d0b0a0a0',
      '1fa00e76656cc152ad327c13fe365858fd7be306',
    ],
    ['EVALSHA', '1fa00e76656cc152ad327c13fe365858fd7be306', '0'],
    ['EVALSHA', '1FA00E76656CC152AD327C13FE365858FD7BE306', '0'],
    ['EVALSHA_RO', '1fa00e76656cc152ad327c13fe365858fd7be306', '0'],
    ['EVALSHA', 'ffffffffffffffffffffffffffffffffffffffff', '0'],
    ['EVALSHA', 'short', '0'],
    ['EVAL', 'return 1', '-1'],
    ['EVAL', 'return 1', '5'],
    ['EVAL', 'return 1', 'abc'],
    ['EVAL', 'return 1', '1', 'k'],
    ['EVAL', 'return 1'],
    ['SCRIPT', 'FLUSH', 'ASYNC'],
    ['SCRIPT', 'EXISTS', '1fa00e76656cc152ad327c13fe365858fd7be306'],
    ['SCRIPT', 'FLUSH', 'SYNC'],
    ['SCRIPT', 'FLUSH', 'bad'],
    ['SCRIPT', 'FLUSH', 'SYNC', 'x'],
    ['SCRIPT', 'HELP'],
    ['SCRIPT', 'KILL'],
    ['SCRIPT', 'DEBUG', 'NO'],
    ['SCRIPT', 'DEBUG', 'maybe'],
    ['SCRIPT', 'NOSUCH'],
    ['SCRIPT', 'LOAD'],
    ['EVAL', 'return redis.sha1hex(ARGV[1])', '0', 'return 42'],
  ]);
});

test('SCRIPT DEBUG: NO answers OK, refused inside a pipeline or EXEC; YES/SYNC (the Lua debugger) are a clear error', async () => {
  await pair.reset();
  await corpus([
    ['SCRIPT', 'DEBUG', 'no'],
    ['SCRIPT', 'DEBUG', 'NO', 'x'],
    ['SCRIPT', 'DEBUG'],
    ['SCRIPT', 'DEBUG', ''],
  ]);
  const transcript = async (c: RawClient): Promise<string[]> => {
    // One packet: the PING's reply is still pending when SCRIPT DEBUG runs.
    c.write('PING\r\nSCRIPT DEBUG NO\r\nSCRIPT DEBUG maybe\r\n');
    const out = [await c.read(), await c.read(), await c.read()];
    c.write('MULTI\r\nSCRIPT DEBUG NO\r\nEXEC\r\n');
    out.push(await c.read(), await c.read(), await c.read());
    out.push(await c.call('SCRIPT', 'DEBUG', 'NO'));
    return out;
  };
  const o = await transcript(pair.o);
  assert.deepEqual(await transcript(pair.r), o);
  assert.deepEqual(o, [
    '+PONG\r\n',
    '-ERR SCRIPT DEBUG must be called outside a pipeline\r\n',
    '-ERR SCRIPT DEBUG must be called outside a pipeline\r\n',
    '+OK\r\n',
    '+QUEUED\r\n',
    '*1\r\n-ERR SCRIPT DEBUG must be called outside a pipeline\r\n',
    '+OK\r\n',
  ]);
  // Redis would answer OK and debug the next EVAL; Respite has no debugger (not sent to the
  // oracle: its next EVAL would start a debugging session).
  for (const mode of ['YES', 'sync'])
    assert.equal(
      await pair.r.call('SCRIPT', 'DEBUG', mode),
      '-ERR SCRIPT DEBUG YES/SYNC is not supported: Respite has no Lua debugger (ldb)\r\n',
    );
  assert.equal(await pair.r.call('EVAL', 'return 1', '0'), ':1\r\n');
});

test('EVAL_RO and no-writes scripts refuse writes', async () => {
  await pair.reset();
  await corpus([
    ['SET', 'k', 'v'],
    ['EVAL_RO', "return redis.call('get','k')", '0'],
    ['EVAL_RO', "return redis.call('set','k','x')", '0'],
    ['EVAL_RO', "return redis.pcall('set','k','x')", '0'],
    ['EVAL', "#!lua flags=no-writes\nreturn redis.call('set','k','x')", '0'],
    ['EVAL', "#!lua flags=no-writes\nreturn redis.call('get','k')", '0'],
    ['EVAL', "#!lua\nreturn redis.call('get','k')", '0'],
    ['EVAL', '#!lua flags=bogus\nreturn 1', '0'],
    ['EVAL', '#!python\nreturn 1', '0'],
    ['GET', 'k'],
  ]);
});

test('the database selected by a script does not leak to the caller', async () => {
  await pair.reset();
  await corpus([
    ['SELECT', '2'],
    ['EVAL', "redis.call('select','5') redis.call('set','x','1') return 1", '0'],
    ['GET', 'x'],
    ['SELECT', '5'],
    ['GET', 'x'],
    ['EVAL', "return redis.call('get','x')", '0'],
    ['SELECT', '0'],
  ]);
});

test("redis.call checks the caller's ACL user", async () => {
  await pair.reset();
  await corpus([
    ['ACL', 'SETUSER', 'scriptuser', 'on', 'nopass', '+@all', '-set', '~*'],
    ['AUTH', 'scriptuser', 'x'],
    ['EVAL', "return redis.call('set','k','v')", '0'],
    ['EVAL', "return redis.pcall('set','k','v')", '0'],
    ['EVAL', "return redis.call('get','k')", '0'],
    ['AUTH', 'default', 'x'],
    ['ACL', 'DELUSER', 'scriptuser'],
  ]);
});
