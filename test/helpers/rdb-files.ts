/** Helpers of the RDB interop tests: a dump.rdb written by Respite, checked and loaded by Redis's tools. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawClient } from './raw-client.js';
import { startOracle } from './servers.js';

/** A fresh temporary directory named after the test. */
export function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `respite-${tag}-`));
}

/** Asserts that redis-check-rdb accepts the file. */
export function assertRdbChecks(path: string): void {
  const check = spawnSync('redis-check-rdb', [path], { encoding: 'latin1' });
  assert.equal(check.status, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /\\o\/ RDB looks OK! \\o\//);
}

/**
 * Checks `dir`/dump.rdb with redis-check-rdb, starts redis-server (DEBUG enabled) on a copy of
 * it and runs `body` with a client of that server; the server and the copy are removed after.
 */
export async function inOracleLoading(dir: string, body: (oc: RawClient) => Promise<void>): Promise<void> {
  assertRdbChecks(join(dir, 'dump.rdb'));
  const odir = tempDir('rdb-oracle');
  copyFileSync(join(dir, 'dump.rdb'), join(odir, 'dump.rdb'));
  const oracle = await startOracle(['--dir', odir, '--enable-debug-command', 'yes']);
  const oc = await RawClient.connect(oracle.port);
  try {
    await body(oc);
  } finally {
    oc.close();
    await oracle.stop();
    rmSync(odir, { recursive: true, force: true });
  }
}
