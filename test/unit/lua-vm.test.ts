/**
 * The Lua engine's host API: loading and calling chunks, host functions, tables, error
 * values and positions, the instruction hook (busy-script detection) and the sandbox.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LuaVM, LuaError, LuaKill, LuaTable, openLibs, type LuaValue } from '../../src/lua/index.js';
import { protectGlobals, setGlobalForce } from '../../src/lua/sandbox.js';

function vmWithLibs(): LuaVM {
  const vm = new LuaVM();
  openLibs(vm);
  return vm;
}

function run(vm: LuaVM, src: string, args: LuaValue[] = []): LuaValue[] {
  return vm.call(vm.load(src, 'user_script'), args);
}

test('a loaded chunk returns multiple results and receives its arguments as varargs', () => {
  const vm = vmWithLibs();
  assert.deepEqual(run(vm, 'local a, b = ... return b, a, select("#", ...)', ['x', 2]), [2, 'x', 2]);
});

test('host functions get their arguments and return results; tables cross both ways', () => {
  const vm = vmWithLibs();
  const seen: LuaValue[][] = [];
  vm.setGlobal(
    'host',
    LuaVM.host((args) => {
      seen.push(args);
      const t = vm.createTable(['a', 'b']);
      t.set('n', args.length);
      return [t, 'second'];
    }),
  );
  const r = run(vm, 'local t, s = host(1, nil, "z") return t[1] .. t[2] .. t.n .. s');
  assert.deepEqual(r, ['ab3second']);
  assert.deepEqual(seen, [[1, undefined, 'z']]);
  const t = run(vm, 'return {10, 20, x = "y"}')[0] as LuaTable;
  assert.equal(t.length(), 2);
  assert.equal(t.get(2), 20);
  assert.equal(t.get('x'), 'y');
});

test('a compiled chunk can be called many times and sees current globals', () => {
  const vm = vmWithLibs();
  const f = vm.load('counter = (counter or 0) + 1 return counter', 'user_script');
  for (let i = 1; i <= 5; i++) assert.deepEqual(vm.call(f), [i]);
});

test('syntax errors use Lua 5.1 message format with chunk name and line', () => {
  const vm = vmWithLibs();
  const msg = (src: string) => {
    try {
      vm.load(src, 'user_script');
    } catch (e) {
      assert.ok(e instanceof LuaError);
      return e.value;
    }
    return 'compiled';
  };
  assert.equal(msg('x = = 1'), "user_script:1: unexpected symbol near '='");
  assert.equal(msg('\n\nlocal x = 1 +'), "user_script:3: unexpected symbol near '<eof>'");
  assert.equal(msg('if x then'), "user_script:1: 'end' expected near '<eof>'");
  assert.equal(
    msg('while true do\n\n'),
    "user_script:3: 'end' expected (to close 'while' at line 1) near '<eof>'",
  );
  assert.equal(msg('for i = 1 do end'), "user_script:1: ',' expected near 'do'");
  assert.equal(msg('x'), "user_script:1: '=' expected near '<eof>'");
});

test('runtime errors carry Lua values and positions; error levels point at callers', () => {
  const vm = vmWithLibs();
  const err = (src: string) => {
    try {
      run(vm, src);
    } catch (e) {
      assert.ok(e instanceof LuaError);
      return e.value;
    }
    return 'no error';
  };
  assert.equal(err('local t\n\nreturn t.x'), "user_script:3: attempt to index local 't' (a nil value)");
  assert.equal(err('local function f()\n error("up", 2)\nend\n\nf()'), 'user_script:5: up');
  const v = err('error({code = 7})');
  assert.ok(v instanceof LuaTable);
  assert.equal(v.get('code'), 7);
});

test('deep recursion raises Lua stack overflow, catchable by pcall, not a JS crash', () => {
  const vm = vmWithLibs();
  const r = run(vm, 'local function f(n) return 1 + f(n + 1) end local ok, e = pcall(f, 1) return ok, e');
  assert.equal(r[0], false);
  assert.match(String(r[1]), /^user_script:1: stack overflow$/);
  // the VM is still usable afterwards
  assert.deepEqual(run(vm, 'return 1 + 1'), [2]);
});

test('the hook interrupts an endless loop with an error pcall cannot catch', () => {
  const vm = vmWithLibs();
  let calls = 0;
  vm.setHook(1000, () => {
    if (++calls >= 50) throw new LuaKill('Script killed by user with SCRIPT KILL...');
  });
  for (const src of [
    'while true do end',
    'repeat local x = 1 until false',
    'for i = 1, math.huge do end',
    'local function f() end while true do f() end',
    'for k in function() return 1 end do end',
    'while true do pcall(function() while true do end end) end',
    'local ok = pcall(function() while true do end end) return "escaped"',
  ]) {
    calls = 0;
    assert.throws(() => run(vm, src), LuaKill, src);
    assert.equal(calls, 50, src);
  }
  // removing the hook restores normal running
  vm.setHook(0, null);
  assert.deepEqual(run(vm, 'local s = 0 for i = 1, 100000 do s = s + i end return s'), [5000050000]);
});

test('the hook is called every N function entries and loop iterations', () => {
  const vm = vmWithLibs();
  let calls = 0;
  vm.setHook(10, () => calls++);
  run(vm, 'for i = 1, 1000 do end');
  // 1000 iterations plus the chunk entry: 100 hook calls
  assert.equal(calls, 100);
});

test('sandbox: globals are readonly, unknown globals raise Redis errors, forced globals work', () => {
  const vm = vmWithLibs();
  protectGlobals(vm);
  const err = (src: string) => {
    try {
      run(vm, src);
    } catch (e) {
      return (e as LuaError).value;
    }
    return 'no error';
  };
  assert.equal(err('x = 1'), 'user_script:1: Attempt to modify a readonly table');
  assert.equal(err('return y'), "user_script:1: Script attempted to access nonexistent global variable 'y'");
  assert.equal(err('string.len = nil'), 'user_script:1: Attempt to modify a readonly table');
  assert.deepEqual(run(vm, 'local t = {} t.x = 1 return t.x'), [1]);
  setGlobalForce(vm, 'KEYS', vm.createTable(['k1']));
  assert.deepEqual(run(vm, 'return KEYS[1]'), ['k1']);
});

test('loadstring compiles text chunks with Lua chunk names and reports syntax errors as values', () => {
  const vm = vmWithLibs();
  assert.deepEqual(run(vm, 'return loadstring("return 1 + ...")(41)'), [42]);
  assert.deepEqual(run(vm, 'return loadstring("return +")'), [
    undefined,
    `[string "return +"]:1: unexpected symbol near '+'`,
  ]);
});
