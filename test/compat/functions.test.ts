/**
 * Redis Functions against the oracle, byte for byte in RESP2 and RESP3: FUNCTION LOAD's
 * metadata and registration errors, the load-time API, FUNCTION LIST/STATS/DELETE/FLUSH/
 * DUMP/RESTORE/KILL/HELP, FCALL/FCALL_RO with numkeys, the function flags (no-writes,
 * allow-oom under maxmemory, inside MULTI), errors in Redis 7's form, COMMAND INFO/GETKEYS,
 * INFO's counters, DUMP payloads restored across servers, and what FUNCTION and FCALL
 * propagate compared with the oracle's own AOF.
 *
 * Redis keeps libraries (and a library's functions) in hash tables with a random seed, so
 * a reply listing several of them is compared one library (with one function) at a time.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startPair, fmt, type Cmd, type Pair } from '../helpers/compat.js';
import { AofTail } from '../helpers/oracle-effects.js';
import { RawClient } from '../helpers/raw-client.js';
import { Crc64 } from '../../src/persistence/crc64.js';
import { recordPropagation, type PropagationRecorder } from '../../src/index.js';

let pair: Pair;
let aof: AofTail;
let rec: PropagationRecorder;

before(async () => {
  pair = await startPair(['--appendonly', 'yes', '--appendfsync', 'always']);
  rec = recordPropagation(pair.respite.server);
  aof = new AofTail(join(pair.oracle.dir, 'appendonlydir', 'appendonly.aof.1.incr.aof'));
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

const load = (code: string, ...opts: string[]): Cmd => ['FUNCTION', 'LOAD', ...opts, code];
const lib = (name: string, body: string): string => `#!lua name=${name}\n${body}`;
const reg = (fname: string, body = 'return 1'): string =>
  `redis.register_function('${fname}', function(keys, args) ${body} end)`;

async function fresh(): Promise<void> {
  await pair.same(['FUNCTION', 'FLUSH'], ['FLUSHALL']);
}

/** The bulk payload of a `$n\r\n...\r\n` reply. */
function bulkPayload(reply: string): Buffer {
  assert.equal(reply[0], '$', reply);
  return Buffer.from(reply.slice(reply.indexOf('\r\n') + 2, -2), 'latin1');
}

describe('FUNCTION LOAD', () => {
  test('the shebang line: missing or bad metadata, library names, engines', async () => {
    await fresh();
    await corpus([
      load("redis.register_function('f', function() return 1 end)"),
      load('#!lua'),
      load('#!lua\nreturn 1'),
      load('#!lua name=a name=b\nreturn 1'),
      load('#!lua foo=bar\nreturn 1'),
      load('#!lua NAME=x\nreturn 1'),
      load('#!lua name=x-y\nreturn 1'),
      load('#!lua name=\nreturn 1'),
      load('#!py name=x\nreturn 1'),
      load('#! name=c4\nreturn 1'),
      load('#!\nreturn 1'),
      load('#!lua name=c2 "\nreturn 1'),
      load('#!lua name="c1"\n' + reg('xc1')),
      load('#!lua   name=c3   \r\n' + reg('xc3')),
      load('#!LUA name=up\n' + reg('fup')),
      ['FUNCTION', 'LIST', 'LIBRARYNAME', 'c1', 'WITHCODE'],
      ['FUNCTION', 'LIST', 'LIBRARYNAME', 'c3', 'WITHCODE'],
    ]);
  });

  test('REPLACE, unknown options, a missing code argument, existing libraries', async () => {
    await fresh();
    await corpus([
      load(lib('x', reg('f0'))),
      load(lib('x', reg('f9'))),
      load(lib('x', reg('f9')), 'REPLACE'),
      load(lib('x', reg('f9')), 'replace', 'REPLACE'),
      load(lib('x', reg('f9')), 'FOO'),
      ['FUNCTION', 'LOAD', 'REPLACE'],
      ['FUNCTION', 'LOAD'],
      ['FCALL', 'f0', '0'],
      ['FCALL', 'f9', '0'],
      load(lib('y', reg('F9'))),
      load(lib('y', reg('f8') + '\n' + reg('F9'))),
      // A failed REPLACE keeps the old library.
      load(lib('x', reg('f8')), 'REPLACE'),
      ['FCALL', 'f9', '0'],
      ['FUNCTION', 'LIST', 'LIBRARYNAME', 'x'],
    ]);
  });

  test('compile errors, runtime errors and the restricted API while loading', async () => {
    await fresh();
    await corpus([
      load(lib('y', 'return 1')),
      load(lib('y', 'return +')),
      load(lib('y', "error('boom')")),
      load(lib('y', "redis.call('set','a','b')")),
      load(lib('y', "local s = string.format('%d', 1)")),
      load(lib('y', 'foo = 1')),
      load(lib('y', 'redis.foo = 1')),
      load(lib('y', 'local t = redis.setresp')),
      load(lib('y', 'local x = KEYS')),
      load(lib('y', 'local x = math.floor(1)')),
      load(lib('y', 'local x = tostring(1)')),
      load(lib('y', 'local x = pcall')),
      load(lib('y', reg('x8') + ' local a = nil; a.b = 1')),
      load(lib('y', "redis.log(redis.LOG_NOTICE, 'hi') " + reg('v', 'return redis.REDIS_VERSION'))),
      ['FCALL', 'v', '0'],
      load(lib('y2', 'local n = redis.REDIS_VERSION_NUM ' + reg('v2', 'return 2'))),
    ]);
  });

  test('a library body running past 500 ms is stopped with FUNCTION LOAD timeout', async () => {
    await fresh();
    await corpus([load(lib('spin', 'while true do end')), ['FUNCTION', 'LIST']]);
  });

  test('redis.register_function: positional and named forms and their errors', async () => {
    await fresh();
    await corpus([
      load(lib('a1', "redis.register_function('a-b', function() end)")),
      load(lib('a2', reg('f1') + '\n' + reg('f1'))),
      load(lib('a4', "redis.register_function{function_name='x', callback=function() end, description={}}")),
      load(lib('a5', "redis.register_function{[1]='x', callback=function() end}")),
      load(lib('a6', "redis.register_function('a', function() end, 3)")),
      load(lib('a7', 'redis.register_function(1)')),
      load(lib('a8', 'redis.register_function()')),
      load(lib('a9', "redis.register_function('f1')")),
      load(lib('b0', "redis.register_function('f1', 1)")),
      load(lib('b2', "redis.register_function{function_name='x2', callback=function() end, flags={1}}")),
      load(lib('b3', "redis.register_function{function_name='g2', callback=function() end, flags={'bad'}}")),
      load(lib('b4', "redis.register_function{function_name='', callback=function() end}")),
      load(
        lib('b5', "redis.register_function{function_name='g2', callback=function() end, flags='no-writes'}"),
      ),
      load(lib('b6', "redis.register_function{function_name='g2', callback=function() end, foo=1}")),
      load(lib('b7', "redis.register_function{function_name='g2'}")),
      load(lib('b8', 'redis.register_function{callback=function() end}')),
      load(lib('b9', "redis.register_function{function_name='x', callback=1}")),
      load(lib('c0', 'redis.register_function{function_name={}, callback=function() end}')),
      load(lib('c1', "redis.register_function({function_name='xc5', callback=function() end}, 2)")),
      load(lib('c2', "redis.register_function('X-1', function() end)")),
      load(lib('c3', "redis.register_function{[true]='x', callback=function() end}")),
      ['FUNCTION', 'LIST'],
      // Accepted forms, each alone in its library so that LIST's order is Redis's.
      load(lib('num', 'redis.register_function(1, function() return 1 end)')),
      load(
        lib(
          'flg',
          "redis.register_function{function_name='g', callback=function() end, flags={'no-writes','allow-oom','allow-stale','no-cluster','allow-cross-slot-keys'}, description='desc'}",
        ),
      ),
      load(
        lib(
          'up',
          "redis.register_function{function_name='u', callback=function() end, flags={'NO-WRITES', 'no-writes'}}",
        ),
      ),
      load(
        lib(
          'emp',
          "redis.register_function{FUNCTION_NAME='e', CALLBACK=function() end, flags={}, Description=5}",
        ),
      ),
      load(lib('dup', 'redis.register_function{function_name=1, callback=function() end}')),
      ['FUNCTION', 'LIST', 'LIBRARYNAME', 'num', 'WITHCODE'],
      ['FUNCTION', 'LIST', 'LIBRARYNAME', 'flg', 'WITHCODE'],
      ['FUNCTION', 'LIST', 'LIBRARYNAME', 'up'],
      ['FUNCTION', 'LIST', 'LIBRARYNAME', 'emp'],
      ['FUNCTION', 'STATS'],
    ]);
  });
});

describe('FUNCTION LIST, STATS, DELETE, FLUSH, KILL, HELP', () => {
  test('LIST options and errors, STATS, DELETE, FLUSH, KILL outside a script, HELP, arity', async () => {
    await fresh();
    await corpus([
      ['FUNCTION', 'LIST'],
      ['FUNCTION', 'STATS'],
      load(lib('alpha', reg('fa'))),
      load(lib('Beta', reg('fb'))),
      ['FUNCTION', 'LIST', 'LIBRARYNAME', 'a*', 'WITHCODE'],
      ['FUNCTION', 'LIST', 'libraryname', 'ALPHA'],
      ['FUNCTION', 'LIST', 'LIBRARYNAME', 'b*'],
      ['FUNCTION', 'LIST', 'WITHCODE', 'LIBRARYNAME', 'B?ta'],
      ['FUNCTION', 'LIST', 'LIBRARYNAME', 'nomatch'],
      ['FUNCTION', 'LIST', 'LIBRARYNAME'],
      ['FUNCTION', 'LIST', 'WITHCODE', 'WITHCODE'],
      ['FUNCTION', 'LIST', 'LIBRARYNAME', 'a', 'LIBRARYNAME', 'b'],
      ['FUNCTION', 'LIST', 'foo'],
      ['FUNCTION', 'STATS'],
      ['FUNCTION', 'STATS', 'x'],
      ['FUNCTION', 'DELETE', 'nolib'],
      ['FUNCTION', 'DELETE', 'ALPHA'],
      ['FUNCTION', 'DELETE', 'alpha', 'x'],
      ['FUNCTION', 'DELETE', 'alpha'],
      ['FCALL', 'fa', '0'],
      ['FUNCTION', 'LIST'],
      ['FUNCTION', 'FLUSH', 'x'],
      ['FUNCTION', 'FLUSH', 'sync', 'x'],
      ['function', 'flush', 'sync', 'x'],
      ['FUNCTION', 'FLUSH', 'SYNC'],
      load(lib('alpha', reg('fa'))),
      ['FUNCTION', 'FLUSH', 'async'],
      load(lib('alpha', reg('fa'))),
      ['FUNCTION', 'FLUSH'],
      ['FUNCTION', 'STATS'],
      ['FUNCTION', 'KILL'],
      ['FUNCTION', 'KILL', 'x'],
      ['FUNCTION', 'HELP'],
      ['FUNCTION', 'help'],
      ['FUNCTION', 'HELP', 'x'],
      ['FUNCTION', 'FOO'],
      ['FUNCTION'],
      ['FUNCTION', 'DUMP', 'x'],
      ['FUNCTION', 'RESTORE'],
    ]);
  });

  test('RESP3 shapes of LIST and STATS, and FCALL replies converted for RESP3', async () => {
    await fresh();
    await pair.both('HELLO', '3');
    try {
      await corpus([
        load(
          lib(
            'r3',
            "redis.register_function{function_name='m', callback=function() return {map={a=1}} end, flags={'no-writes', 'allow-stale'}, description='a map'}",
          ),
        ),
        load(lib('r4', reg('d', 'return {double=1.5}'))),
        load(lib('r5', reg('t', 'return true'))),
        load(lib('r6', reg('h', "redis.setresp(3) return redis.call('hgetall', keys[1])"))),
        ['HSET', 'h', 'f', 'v'],
        ['FUNCTION', 'LIST', 'LIBRARYNAME', 'r3', 'WITHCODE'],
        ['FUNCTION', 'LIST', 'LIBRARYNAME', 'r4'],
        ['FUNCTION', 'LIST', 'LIBRARYNAME', 'none'],
        ['FUNCTION', 'STATS'],
        ['FCALL', 'm', '0'],
        ['FCALL_RO', 'm', '0'],
        ['FCALL', 'd', '0'],
        ['FCALL', 't', '0'],
        ['FCALL', 'h', '1', 'h'],
        ['FUNCTION', 'HELP'],
      ]);
    } finally {
      await pair.both('HELLO', '2');
    }
    await corpus([
      ['FCALL', 'm', '0'],
      ['FCALL', 'd', '0'],
      ['FCALL', 't', '0'],
      ['FCALL', 'h', '1', 'h'],
    ]);
  });
});

const RUNTIME_LIB = lib(
  'rt',
  [
    "redis.register_function('w', function(keys, args) return redis.call('set', keys[1], args[1]) end)",
    "redis.register_function{function_name='ro', callback=function(keys, args) return redis.call('get', keys[1]) end, flags={'no-writes'}}",
    "redis.register_function{function_name='rw', callback=function(keys, args) return redis.call('set', keys[1], 'x') end, flags={'no-writes'}}",
    "redis.register_function('err', function(keys, args) return redis.call('nosuch') end)",
    "redis.register_function('err2', function(keys, args) error('boom') end)",
    "redis.register_function('err3', function(keys, args) local a = nil; return a.b end)",
    "redis.register_function('err4', function(keys, args) return redis.error_reply('MY thing') end)",
    "redis.register_function('err5', function(keys, args) error({err='X y'}) end)",
    "redis.register_function('k', function(keys, args) return KEYS end)",
    "redis.register_function('both', function(keys, args) return {keys, args, #keys, #args} end)",
    "redis.register_function('reg', function(keys, args) redis.register_function('q', function() end) end)",
    "redis.register_function('pc', function(keys, args) return redis.pcall('incr', keys[1]) end)",
    "redis.register_function('sel', function(keys, args) redis.call('select', 1) return redis.call('set','a','b') end)",
    "redis.register_function('glob', function(keys, args) x = 1 end)",
    "redis.register_function('num', function(keys, args) return 3.9 end)",
    "redis.register_function('rcall', function(keys, args) return redis.call(unpack(args)) end)",
    "redis.register_function('lg', function(keys, args) redis.log(redis.LOG_WARNING, 'x') return redis.sha1hex('a') end)",
    "redis.register_function('libs', function(keys, args) return {cjson.encode({1,2}), string.rep('a', 3), tostring(math.floor(2.5)), bit.band(7, 3)} end)",
    'local helper = function(n) return n * 2 end',
    "redis.register_function('up', function(keys, args) return helper(tonumber(args[1])) end)",
  ].join('\n'),
);

describe('FCALL and FCALL_RO', () => {
  test('numkeys checks, unknown functions, KEYS/ARGV as arguments, replies and errors', async () => {
    await fresh();
    await corpus([
      load(RUNTIME_LIB),
      ['FCALL'],
      ['FCALL', 'w'],
      ['FCALL', 'w', '-1'],
      ['FCALL', 'w', '5', 'a'],
      ['FCALL', 'w', 'abc'],
      ['FCALL', 'w', '99999999999999999999'],
      ['FCALL', 'nosuch', 'abc'],
      ['FCALL', 'nosuch', '0'],
      ['FCALL', 'w', '1', 'k1', 'v1'],
      ['FCALL', 'W', '1', 'k1', 'v2'],
      ['GET', 'k1'],
      ['FCALL', 'both', '2', 'a', 'b', 'c'],
      ['FCALL', 'both', '0'],
      ['FCALL', 'err', '0'],
      ['FCALL', 'err2', '0'],
      ['FCALL', 'err3', '0'],
      ['FCALL', 'err4', '0'],
      ['FCALL', 'err5', '0'],
      ['FCALL', 'k', '0'],
      ['FCALL', 'reg', '0'],
      ['FCALL', 'pc', '1', 'k1'],
      ['FCALL', 'sel', '0'],
      ['GET', 'a'],
      ['SELECT', '1'],
      ['GET', 'a'],
      ['SELECT', '0'],
      ['FCALL', 'glob', '0'],
      ['FCALL', 'num', '0'],
      ['FCALL', 'lg', '0'],
      ['FCALL', 'libs', '0'],
      ['FCALL', 'up', '0', '21'],
      ['FCALL', 'rcall', '0', 'eval', 'return 1', '0'],
      ['FCALL', 'rcall', '0', 'fcall', 'w', '1', 'a', 'b'],
      ['FCALL', 'rcall', '0', 'function', 'list'],
      ['FCALL', 'rcall', '0', 'script', 'load', 'return 1'],
      ['FCALL', 'rcall', '0', 'set', 'a'],
      ['FCALL', 'rcall', '0', 'ping'],
      ['EVAL', "return redis.call('fcall', 'w', 1, 'a', 'b')", '0'],
    ]);
  });

  test('a function keeping its KEYS/ARGV tables across calls sees them unchanged (fresh tables per call)', async () => {
    await fresh();
    await corpus([
      load(
        "#!lua name=keep\nlocal kept = {}\nredis.register_function('keep', function(keys, args) kept[#kept + 1] = keys kept[#kept + 1] = args local out = {} for _, t in ipairs(kept) do out[#out + 1] = table.concat(t, ',') end return out end)",
      ),
      ['FCALL', 'keep', '1', 'k1', 'a1'],
      ['FCALL', 'keep', '2', 'k2', 'k3', 'a2', 'a3'],
      ['EVAL', 'return {KEYS[1], ARGV[1]}', '1', 'ek', 'ea'],
      ['FCALL', 'keep', '0'],
    ]);
  });

  test('no-writes: FCALL_RO runs only no-writes functions, which cannot write', async () => {
    await fresh();
    await corpus([
      load(RUNTIME_LIB),
      ['SET', 'k1', 'v1'],
      ['FCALL_RO', 'w', '1', 'k1', 'v1'],
      ['FCALL_RO', 'ro', '1', 'k1'],
      ['FCALL', 'ro', '1', 'k1'],
      ['FCALL', 'rw', '1', 'k1'],
      ['FCALL_RO', 'rw', '1', 'k1'],
      ['FCALL_RO', 'nosuch', '0'],
      ['FCALL_RO', 'ro', 'x'],
    ]);
  });

  test('under maxmemory: functions without allow-oom or no-writes are refused, also inside MULTI', async () => {
    await fresh();
    await corpus([
      load(
        lib(
          'oom',
          [
            "redis.register_function('plain', function(keys) return redis.call('set', keys[1], 'v') end)",
            "redis.register_function{function_name='aoom', callback=function(keys) return redis.call('set', keys[1], 'v') end, flags={'allow-oom'}}",
            "redis.register_function{function_name='nw', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}}",
            "redis.register_function{function_name='nwoom', callback=function(keys) return redis.call('set', keys[1], 'v') end, flags={'no-writes','allow-oom'}}",
            "redis.register_function{function_name='stale', callback=function(keys) return 1 end, flags={'allow-stale'}}",
          ].join('\n'),
        ),
      ),
    ]);
    try {
      await corpus([
        ['CONFIG', 'SET', 'maxmemory', '1'],
        ['FCALL', 'plain', '1', 'a'],
        ['FCALL_RO', 'plain', '1', 'a'],
        ['FCALL', 'aoom', '1', 'b'],
        ['FCALL', 'nw', '1', 'b'],
        ['FCALL', 'nwoom', '1', 'b'],
        ['FCALL', 'stale', '0'],
        ['FCALL', 'nosuch', '0'],
        load(lib('x', reg('x'))),
        ['FUNCTION', 'DELETE', 'nolib'],
        ['MULTI'],
        ['FCALL', 'nw', '1', 'b'],
        ['EXEC'],
      ]);
    } finally {
      await pair.same(['CONFIG', 'SET', 'maxmemory', '0']);
    }
    await corpus([
      ['MULTI'],
      ['FCALL', 'plain', '1', 'b'],
      ['FCALL', 'nw', '1', 'b'],
      ['FCALL_RO', 'plain', '1', 'b'],
      ['EXEC'],
    ]);
  });

  test('CLIENT PAUSE WRITE holds FCALL of a writing function, not of a no-writes one', async () => {
    await fresh();
    await pair.same(load(RUNTIME_LIB), ['SET', 'k1', 'v0']);
    const o2 = await RawClient.connect(pair.oracle.port);
    const r2 = await RawClient.connect(pair.respite.port);
    try {
      await pair.same(['CLIENT', 'PAUSE', '100000', 'WRITE']);
      o2.send('FCALL', 'w', '1', 'k1', 'v1');
      r2.send('FCALL', 'w', '1', 'k1', 'v1');
      await new Promise((res) => setTimeout(res, 100));
      // Not held: a no-writes function; the paused write has not run.
      await corpus([
        ['FCALL', 'ro', '1', 'k1'],
        ['FCALL_RO', 'ro', '1', 'k1'],
        ['CLIENT', 'UNPAUSE'],
      ]);
      assert.equal(await r2.read(), await o2.read());
      await corpus([['GET', 'k1']]);
    } finally {
      o2.close();
      r2.close();
    }
  });

  test("the caller's ACL user applies to FCALL and to the function's redis.call", async () => {
    await fresh();
    await pair.same(load(RUNTIME_LIB), ['SET', 'k1', 'v0']);
    await corpus([
      ['ACL', 'SETUSER', 'fu', 'on', 'nopass', '~*', '+fcall', '+fcall_ro', '+get'],
      ['ACL', 'SETUSER', 'nofu', 'on', 'nopass', '~*', '+get'],
      ['ACL', 'LOG', 'RESET'],
      ['AUTH', 'fu', 'x'],
      ['FCALL', 'ro', '1', 'k1'],
      ['FCALL_RO', 'ro', '1', 'k1'],
      ['FCALL', 'w', '1', 'k1', 'v1'],
      ['FCALL', 'rcall', '0', 'get', 'k1'],
      ['FUNCTION', 'LIST'],
      ['AUTH', 'nofu', 'x'],
      ['FCALL', 'ro', '1', 'k1'],
      ['AUTH', 'default', 'x'],
      ['GET', 'k1'],
      ['ACL', 'DELUSER', 'fu', 'nofu'],
    ]);
    const [a, b] = await pair.both('ACL', 'LOG');
    const fields = (r: string): string[] =>
      r
        .split('\r\n')
        .filter(
          (l) => /^(toplevel|lua|multi|command|key|fcall|set|function|get)$/.test(l) || l.startsWith('fu'),
        );
    assert.ok(fields(a).includes('lua'), a);
    assert.deepEqual(fields(b), fields(a));
  });

  test('MONITOR shows FCALL and EVAL before the commands they run, from the lua client', async () => {
    await fresh();
    await pair.same(load(RUNTIME_LIB));
    const mons = [await RawClient.connect(pair.oracle.port), await RawClient.connect(pair.respite.port)];
    try {
      for (const m of mons) assert.equal(await m.call('MONITOR'), '+OK\r\n');
      await corpus([
        ['FCALL', 'w', '1', 'mk', 'mv'],
        ['FCALL', 'nosuch', '0'],
        ['EVAL', "return redis.call('get', KEYS[1])", '1', 'mk'],
        ['PING'],
      ]);
      const lines = async (m: RawClient): Promise<string[]> => {
        const out: string[] = [];
        for (;;) {
          const l = (await m.read()).replace(/^\+\d+\.\d+ /, '').replace(/127\.0\.0\.1:\d+/, 'ADDR');
          out.push(l);
          if (l.includes('"PING"')) return out;
        }
      };
      const [a, b] = [await lines(mons[0]), await lines(mons[1])];
      assert.ok(
        a.some((l) => l.startsWith('[0 lua]')),
        a.join(''),
      );
      assert.deepEqual(b, a);
    } finally {
      for (const m of mons) m.close();
    }
  });

  test('COMMAND INFO, DOCS and GETKEYS of FCALL, FCALL_RO and FUNCTION', async () => {
    await corpus([
      ['COMMAND', 'INFO', 'fcall', 'fcall_ro'],
      ['COMMAND', 'INFO', 'function|load', 'function|list', 'function|restore', 'function|kill'],
      ['COMMAND', 'DOCS', 'fcall'],
      ['COMMAND', 'GETKEYS', 'FCALL', 'plain', '2', 'a', 'b', 'c'],
      ['COMMAND', 'GETKEYS', 'FCALL_RO', 'plain', '0', 'c'],
    ]);
  });

  test('INFO counts functions and libraries as the oracle does', async () => {
    await fresh();
    await pair.same(load(RUNTIME_LIB), load(lib('two', reg('t2'))));
    const field = (info: string, name: string): string => new RegExp(`${name}:(\\d+)`).exec(info)![1];
    const [a, b] = await pair.both('INFO', 'memory');
    for (const f of ['number_of_functions', 'number_of_libraries']) assert.equal(field(b, f), field(a, f), f);
    for (const f of ['used_memory_vm_functions', 'used_memory_functions'])
      assert.ok(Number(field(b, f)) > 0, f);
  });
});

describe('FUNCTION DUMP and RESTORE', () => {
  test('payloads are byte-identical and restore across servers, with every policy and error', async () => {
    await fresh();
    const long = lib('dl', reg('df', "return 'hello from a dumped function'"));
    const [od, rd] = await pair.both('FUNCTION', 'DUMP');
    assert.equal(rd, od);
    await pair.same(load(long));
    const [o1, r1] = await pair.both('FUNCTION', 'DUMP');
    assert.equal(r1, o1);
    await pair.same(['CONFIG', 'SET', 'rdbcompression', 'no']);
    const [o2, r2] = await pair.both('FUNCTION', 'DUMP');
    assert.equal(r2, o2);
    await pair.same(['CONFIG', 'SET', 'rdbcompression', 'yes']);
    const fromOracle = bulkPayload(o1);
    const fromRespite = bulkPayload(r1);
    await pair.same(['FUNCTION', 'FLUSH']);
    // Each server restores the other's payload.
    pair.o.send('FUNCTION', 'RESTORE', fromRespite);
    pair.r.send('FUNCTION', 'RESTORE', fromOracle);
    assert.equal(await pair.r.read(), await pair.o.read());
    const bad = Buffer.from(fromOracle);
    bad[3] ^= 1;
    const [kd] = await pair.both('DUMP', 'nokey');
    await pair.same(['SET', 'k', 'v']);
    const [keyDump] = await pair.both('DUMP', 'k');
    assert.equal(kd, '$-1\r\n');
    await corpus([
      ['FCALL', 'df', '0'],
      ['FUNCTION', 'RESTORE', fromOracle],
      ['FUNCTION', 'RESTORE', fromOracle, 'REPLACE'],
      ['FUNCTION', 'RESTORE', fromOracle, 'FLUSH'],
      ['FUNCTION', 'RESTORE', fromOracle, 'append'],
      ['FUNCTION', 'RESTORE', fromOracle, 'bogus'],
      ['FUNCTION', 'RESTORE', fromOracle, 'FLUSH', 'x'],
      load(lib('other', "redis.register_function('df', function() end)")),
      ['FUNCTION', 'DELETE', 'dl'],
      load(lib('other', "redis.register_function('df', function() end)")),
      ['FUNCTION', 'RESTORE', fromOracle],
      ['FUNCTION', 'RESTORE', fromOracle, 'REPLACE'],
      ['FUNCTION', 'LIST'],
      ['FUNCTION', 'RESTORE', bad],
      ['FUNCTION', 'RESTORE', 'x'],
      ['FUNCTION', 'RESTORE', bulkPayload(keyDump)],
      ['FUNCTION', 'RESTORE', fromOracle, 'FLUSH'],
      ['FUNCTION', 'LIST', 'WITHCODE'],
      ['FCALL', 'df', '0'],
    ]);
  });

  test('a payload with several libraries restores them all (FLUSH replaces the set)', async () => {
    await fresh();
    await pair.same(load(lib('s1', reg('s1', 'return 1'))), load(lib('s2', reg('s2', 'return 2'))));
    const [o] = await pair.both('FUNCTION', 'DUMP');
    await pair.same(['FUNCTION', 'FLUSH'], load(lib('gone', reg('gone'))));
    await corpus([
      ['FUNCTION', 'RESTORE', bulkPayload(o), 'FLUSH'],
      ['FCALL', 's1', '0'],
      ['FCALL', 's2', '0'],
      ['FCALL', 'gone', '0'],
      ['FUNCTION', 'STATS'],
    ]);
  });
});

/** A FUNCTION RESTORE payload around `body`: RDB version 10 and the CRC-64 trailer. */
function payload(...parts: (number[] | string)[]): Buffer {
  const body = Buffer.concat([
    ...parts.map((x) =>
      typeof x === 'string'
        ? Buffer.concat([Buffer.from([x.length]), Buffer.from(x, 'latin1')])
        : Buffer.from(x),
    ),
    Buffer.from([10, 0]),
  ]);
  const c = new Crc64();
  c.update(body);
  const t = Buffer.alloc(8);
  c.writeLE(t, 0);
  return Buffer.concat([body, t]);
}

describe('FUNCTION RESTORE of hand-made payloads', () => {
  test('truncated and foreign payloads, and the pre-GA format of 7.0 release candidates', async () => {
    await fresh();
    const code = "redis.register_function('pg', function() return 7 end)";
    await corpus([
      ['FUNCTION', 'RESTORE', payload([0xf5, 0x40, 0x64], 'abc')],
      ['FUNCTION', 'RESTORE', payload([0xf5])],
      ['FUNCTION', 'RESTORE', payload([0xf5, 0xc0])],
      ['FUNCTION', 'RESTORE', payload([0x00], 'a', 'b')],
      ['FUNCTION', 'RESTORE', payload([0xf5], '#!lua')],
      ['FUNCTION', 'RESTORE', payload([0xf5], '#!lua nam=x')],
      ['FUNCTION', 'RESTORE', payload([0xf5], '#!lua name=x\nret')],
      ['FUNCTION', 'RESTORE', payload([0xf6], 'LUA')],
      ['FUNCTION', 'RESTORE', payload([0xf6], 'LUA', 'x')],
      ['FUNCTION', 'RESTORE', payload([0xf6], 'LUA', 'x', [1])],
      ['FUNCTION', 'RESTORE', payload([0xf6], 'LUA', 'x', [0])],
      ['FUNCTION', 'RESTORE', payload([0xf6], 'prega', 'lua', [0], code)],
      [
        'FUNCTION',
        'RESTORE',
        payload([0xf6], 'prega2', 'LUA', [1], 'a description', code.replace("'pg'", "'pg2'")),
      ],
      ['FUNCTION', 'LIST', 'WITHCODE', 'LIBRARYNAME', 'prega'],
      ['FUNCTION', 'LIST', 'WITHCODE', 'LIBRARYNAME', 'prega2'],
      ['FCALL', 'pg', '0'],
      ['FUNCTION', 'RESTORE', payload([0xf5], lib('two', reg('t1')), [0xf5], lib('two', reg('t2')))],
      ['FUNCTION', 'RESTORE', payload([0xf5], lib('t1', reg('tt')), [0xf5], lib('t2', reg('tt')))],
      ['FUNCTION', 'STATS'],
    ]);
  });
});

describe('propagation', () => {
  /** Runs cmds on both servers (replies compared), then compares the streams sent to the AOF. */
  async function sameProp(...cmds: Cmd[]): Promise<string[][]> {
    aof.readAll();
    rec.take();
    await corpus(cmds);
    const oracle = aof.readAll();
    const respite = rec.take();
    assert.deepEqual(respite, oracle, `propagation of ${cmds.map((c) => fmt(c)).join(' | ')}`);
    return oracle;
  }

  test('FUNCTION LOAD/DELETE/FLUSH/RESTORE propagate verbatim when they change the libraries', async () => {
    await fresh();
    const code = lib('p', reg('pf', "return redis.call('incr', keys[1])"));
    const s = await sameProp(
      load(code),
      load(code),
      load(code, 'REPLACE'),
      load('#!lua name=p\nreturn 1', 'REPLACE'),
    );
    assert.deepEqual(s, [
      ['FUNCTION', 'LOAD', code],
      ['FUNCTION', 'LOAD', 'REPLACE', code],
    ]);
    await sameProp(['FUNCTION', 'DELETE', 'p'], ['FUNCTION', 'DELETE', 'p']);
    await sameProp(load(code), ['FUNCTION', 'FLUSH'], ['FUNCTION', 'FLUSH', 'ASYNC']);
    await pair.same(load(code));
    const [o] = await pair.both('FUNCTION', 'DUMP');
    await sameProp(
      ['FUNCTION', 'RESTORE', bulkPayload(o)],
      ['FUNCTION', 'RESTORE', bulkPayload(o), 'REPLACE'],
      ['FUNCTION', 'RESTORE', 'junk'],
    );
  });

  test("FCALL propagates the function's writes (in MULTI/EXEC when several), not itself", async () => {
    await fresh();
    await pair.same(
      load(
        lib(
          'q',
          [
            reg('one', "return redis.call('set', keys[1], args[1])"),
            reg('two', "redis.call('set', keys[1], args[1]) return redis.call('incr', keys[2])"),
            reg('none', "return redis.call('get', keys[1])"),
            reg('ttl', "return redis.call('expire', keys[1], 100)"),
          ].join('\n'),
        ),
      ),
    );
    const s = await sameProp(
      ['FCALL', 'one', '1', 'a', 'v'],
      ['FCALL', 'two', '2', 'a', 'n', 'w'],
      ['FCALL', 'none', '1', 'a'],
      ['FCALL', 'two', '2', 'a', 'a', 'w'],
    );
    assert.ok(s.some((argv) => argv[0] === 'MULTI'));
  });
});
