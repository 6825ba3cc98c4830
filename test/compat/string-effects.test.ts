/**
 * Side effects of the string commands against the oracle: what each write propagates to
 * AOF/replicas (read back from the oracle's AOF, compared with Respite's `propagate` hook)
 * and which keyspace events it fires (the oracle's `__keyevent@0__:*` messages, compared with
 * Respite's `notifyKeyspaceEvent` hook).
 *
 * Respite only calls `propagate` for rewritten commands (SET ... EX -> SET ... PXAT, GETDEL ->
 * DEL, ...); a write that changed the dirty counter without calling it is expected to be
 * propagated verbatim by the dispatcher. MULTI/EXEC wrapping is the AOF layer's business and
 * is ignored here; relative expire times are compared within 2 s.
 */
import { test } from 'node:test';
import { effectsHarness } from '../helpers/oracle-effects.js';

const { sameEffects } = effectsHarness();

test('SET and its variants propagate deterministic commands and fire set/expire events', async () => {
  await sameEffects(
    ['SET', 'e:a', 'v'],
    ['SET', 'e:a', 'w'],
    ['SET', 'e:a', 'x', 'NX'],
    ['SET', 'e:a', 'x', 'XX'],
    ['SET', 'e:b', 'x', 'XX'],
    ['SET', 'e:a', 'y', 'GET'],
    ['set', 'e:a', 'y', 'get', 'GET', 'KEEPTTL'],
    ['SET', 'e:a', 'z', 'EX', '100'],
    ['SET', 'e:a', 'z', 'px', '100000', 'NX'],
    ['SET', 'e:a', 'z', 'PX', '100000', 'XX'],
    ['SET', 'e:a', 'z', 'EXAT', '99999999999'],
    ['SET', 'e:a', 'z', 'PXAT', '99999999999999'],
    ['SET', 'e:a', 'z', 'KEEPTTL'],
    ['SET', 'e:a', 'z', 'GET', 'EX', '100'],
    ['SET', 'e:c', 'z', 'EX', '0'],
    ['SETNX', 'e:c', '1'],
    ['SETNX', 'e:c', '2'],
    ['SETEX', 'e:d', '100', 'v'],
    ['PSETEX', 'e:d', '100000', 'v'],
    ['SETEX', 'e:d', '-1', 'v'],
    ['GETSET', 'e:d', 'w'],
    ['GETSET', 'e:new', 'w'],
    ['MSET', 'e:m1', '1', 'e:m2', '2', 'e:m1', '3'],
    ['MSETNX', 'e:m1', '1', 'e:m3', '2'],
    ['MSETNX', 'e:m4', '1', 'e:m5', '2'],
  );
});

test('GETEX, GETDEL and reads propagate and notify like the oracle, including keymiss', async () => {
  await sameEffects(
    ['SET', 'g:a', 'v'],
    ['GETEX', 'g:a'],
    ['GETEX', 'g:a', 'EX', '100'],
    ['GETEX', 'g:a', 'PXAT', '99999999999999'],
    ['GETEX', 'g:a', 'PERSIST'],
    ['GETEX', 'g:a', 'PERSIST'],
    ['GETEX', 'g:a', 'EXAT', '1'],
    ['GETEX', 'g:a', 'EX', '100'],
    ['GETDEL', 'g:missing'],
    ['SET', 'g:b', 'v'],
    ['GETDEL', 'g:b'],
    ['GET', 'g:b'],
    ['MGET', 'g:b', 'g:c', 'e:a'],
    ['STRLEN', 'g:b'],
    ['GETRANGE', 'g:b', '0', '1'],
    ['LCS', 'g:b', 'g:c'],
    ['SET', 'g:b', 'v', 'GET'],
  );
});

test('in-place writes and counters fire append/setrange/incrby/incrbyfloat events', async () => {
  await sameEffects(
    ['APPEND', 'w:a', 'x'],
    ['APPEND', 'w:a', 'y'],
    ['APPEND', 'w:a', ''],
    ['SETRANGE', 'w:a', '5', 'z'],
    ['SETRANGE', 'w:a', '5', ''],
    ['SETRANGE', 'w:b', '5', ''],
    ['SETRANGE', 'w:b', '5', 'q'],
    ['SETRANGE', 'w:b', '-1', 'q'],
    ['INCR', 'w:n'],
    ['DECR', 'w:n'],
    ['INCRBY', 'w:n', '10'],
    ['DECRBY', 'w:n', '3'],
    ['INCRBY', 'w:a', '1'],
    ['INCRBYFLOAT', 'w:f', '1.5'],
    ['INCRBYFLOAT', 'w:f', '0.1'],
    ['INCRBYFLOAT', 'w:f', 'inf'],
    ['SET', 'w:t', '1', 'PXAT', '99999999999999'],
    ['INCRBYFLOAT', 'w:t', '1'],
  );
});

test('a key found expired by a string command is deleted, propagated as DEL and notified', async () => {
  await sameEffects(
    ['SET', 'x:a', 'v', 'PX', '1'],
    ['SET', 'x:b', 'v', 'PX', '1'],
    ['SET', 'x:c', 'v', 'PX', '1'],
    ['SET', 'x:d', '5', 'PX', '1'],
  );
  await new Promise((r) => setTimeout(r, 20));
  await sameEffects(['GET', 'x:a'], ['SET', 'x:b', 'w'], ['APPEND', 'x:c', 'w'], ['INCR', 'x:d']);
});
