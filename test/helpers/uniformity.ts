/**
 * Statistical checks for the random-member commands (SRANDMEMBER, SPOP, HRANDFIELD): a
 * chi-square statistic over how often each element came up, against a bound far in the tail
 * (p well below 1e-6 for the sizes used), with a fixed number of draws, so the tests are
 * fast and do not flake — like Redis's own "histogram distribution" tests.
 */
import assert from 'node:assert/strict';
import { encodeCommand, type RawClient } from './raw-client.js';

/** Sends every command in one write and returns the raw replies in order. */
export async function pipeline(c: RawClient, cmds: (string | number)[][]): Promise<string[]> {
  c.write(Buffer.concat(cmds.map((cmd) => encodeCommand(cmd))));
  const out: string[] = [];
  for (let i = 0; i < cmds.length; i++) out.push(await c.read());
  return out;
}

/** Bulk strings of a flat array reply (RESP2 `*` or RESP3 `~`). */
export function bulkItems(raw: string): string[] {
  const lines = raw.split('\r\n');
  const out: string[] = [];
  for (let i = 1; i < lines.length - 1; i += 2) {
    assert.equal(lines[i][0], '$', `not a bulk in ${JSON.stringify(raw.slice(0, 80))}`);
    out.push(lines[i + 1]);
  }
  return out;
}

/** Pearson's chi-square of observed counts against equal expected counts. */
export function chiSquare(counts: Map<string, number>, universe: string[], total: number): number {
  const expected = total / universe.length;
  let chi = 0;
  for (const m of universe) {
    const o = counts.get(m) ?? 0;
    chi += ((o - expected) * (o - expected)) / expected;
  }
  return chi;
}

/**
 * Asserts that `draws` look uniform over `universe`: every draw is in it, every element came
 * up, and the chi-square statistic stays under `bound` (default: far beyond the p=1e-6
 * quantile for up to ~30 degrees of freedom).
 */
export function assertUniform(draws: string[], universe: string[], what: string, bound = 80): void {
  const counts = new Map<string, number>();
  const set = new Set(universe);
  for (const d of draws) {
    assert.ok(set.has(d), `${what}: ${JSON.stringify(d)} is not an element`);
    counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  assert.equal(counts.size, universe.length, `${what}: some elements never came up`);
  const chi = chiSquare(counts, universe, draws.length);
  assert.ok(
    chi < bound,
    `${what}: chi-square ${chi.toFixed(1)} over ${universe.length} elements exceeds ${bound}`,
  );
}
