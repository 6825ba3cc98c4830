/**
 * Side effects of the bitmap and HyperLogLog commands against the oracle: what each write
 * propagates to AOF/replicas (read back from the oracle's AOF, compared with Respite's
 * `propagate` hook) and which keyspace events it fires (`setbit`, `set`, `del`, `pfadd`,
 * `keymiss`), including Redis 7.0.15's rules: SETBIT and BITFIELD only when a bit changed or
 * the string was created or grown, PFCOUNT propagates when it caches a cardinality.
 *
 * Respite only calls `propagate` for rewritten commands (SET ... EX -> SET ... PXAT, GETDEL ->
 * DEL, ...); a write that changed the dirty counter without calling it is expected to be
 * propagated verbatim by the dispatcher. MULTI/EXEC wrapping is the AOF layer's business and
 * is ignored here; relative expire times are compared within 2 s.
 */
import { test } from 'node:test';
import { effectsHarness } from '../helpers/oracle-effects.js';

const { sameEffects } = effectsHarness();

test('SETBIT notifies and propagates only when a bit changes or the string is created or grows', async () => {
  await sameEffects(
    ['SETBIT', 'b', '7', '1'],
    ['SETBIT', 'b', '7', '1'],
    ['SETBIT', 'b', '7', '0'],
    ['SETBIT', 'b', '100', '0'],
    ['SETBIT', 'b', '-1', '1'],
    ['SETBIT', 'b', '1', '2'],
    ['GETBIT', 'b', '7'],
    ['GETBIT', 'nob', '7'],
    ['BITCOUNT', 'b'],
    ['BITCOUNT', 'nob'],
    ['BITPOS', 'nob', '1'],
    ['RPUSH', 'l', 'x'],
    ['SETBIT', 'l', '1', '1'],
  );
});

test('BITOP fires set on the destination, del when an empty result removes it', async () => {
  await sameEffects(
    ['SET', 'a', 'abc'],
    ['BITOP', 'AND', 'd', 'a', 'nokey'],
    ['BITOP', 'NOT', 'd', 'a'],
    ['BITOP', 'OR', 'd', 'nokey'],
    ['BITOP', 'OR', 'd', 'nokey'],
    ['SET', 'd', 'x', 'EX', '100'],
    ['BITOP', 'XOR', 'd', 'a', 'a'],
    ['BITOP', 'NAND', 'd', 'a'],
  );
});

test('BITFIELD notifies setbit when a value changed or the key was created', async () => {
  await sameEffects(
    ['BITFIELD', 'f', 'SET', 'u8', '0', '0'],
    ['BITFIELD', 'f', 'SET', 'u8', '0', '0'],
    ['BITFIELD', 'f', 'SET', 'u8', '8', '0'],
    ['BITFIELD', 'f', 'SET', 'u8', '8', '1', 'SET', 'u8', '16', '1'],
    ['BITFIELD', 'f', 'INCRBY', 'u8', '0', '0', 'GET', 'u8', '0'],
    ['BITFIELD', 'f', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '9'],
    ['BITFIELD', 'g', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '9'],
    ['BITFIELD', 'nof', 'GET', 'u8', '0'],
    ['BITFIELD_RO', 'f', 'GET', 'u8', '0'],
    ['BITFIELD_RO', 'nof', 'GET', 'u8', '0'],
    ['BITFIELD', 'f', 'GET', 'u8', 'x'],
  );
});

test('PFADD and PFMERGE fire pfadd; PFCOUNT propagates when it caches; PFDEBUG conversions propagate', async () => {
  await sameEffects(
    ['PFADD', 'h', 'a', 'b'],
    ['PFADD', 'h', 'a'],
    ['PFADD', 'h2'],
    ['PFADD', 'h2'],
    ['PFCOUNT', 'h'],
    ['PFCOUNT', 'h'],
    ['PFCOUNT', 'h', 'h2'],
    ['PFCOUNT', 'noh'],
    ['PFMERGE', 'm', 'h', 'h2', 'noh'],
    ['PFMERGE', 'm'],
    ['PFDEBUG', 'ENCODING', 'm'],
    ['PFDEBUG', 'GETREG', 'h'],
    ['PFDEBUG', 'GETREG', 'h'],
    ['PFDEBUG', 'TODENSE', 'm'],
    ['PFDEBUG', 'TODENSE', 'm'],
    ['SET', 's', 'not an hll'],
    ['PFADD', 's', 'a'],
    ['PFCOUNT', 's'],
  );
});
