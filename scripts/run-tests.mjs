// Runs every compiled test file with node's built-in test runner.
// Node 20's `--test` takes no globs, so the files are listed here.
// Usage: node scripts/run-tests.mjs [substring-filter ...]
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = walk('dist/test', [])
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
// With no file, `node --test` would discover every file itself (helpers included): refuse.
if (files.length === 0) {
  process.stderr.write(`run-tests: no compiled test file matches ${filters.join(', ')} (under dist/test)\n`);
  process.exit(2);
}
// Each file's process loads the guard (a test that leaves a server running fails instead of
// hanging the run); a file gets at most FILE_TIMEOUT_MS, the whole run RUN_TIMEOUT_MS.
const FILE_TIMEOUT_MS = 10 * 60 * 1000;
const RUN_TIMEOUT_MS = 40 * 60 * 1000;
const guard = pathToFileURL(join('dist', 'test', 'helpers', 'guard.js')).href;
const args = [
  '--test',
  '--test-concurrency=2',
  `--test-timeout=${FILE_TIMEOUT_MS}`,
  '--import',
  guard,
  ...files,
];
if (!process.stdout.isTTY) args.unshift('--test-reporter=spec');
// Its own process group, so that the watchdog can end the runner and every test process.
const child = spawn(process.execPath, args, { stdio: 'inherit', detached: true });
const watchdog = setTimeout(() => {
  process.stderr.write(`\nrun-tests: the test run exceeded ${RUN_TIMEOUT_MS / 60000} minutes; ending it\n`);
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}, RUN_TIMEOUT_MS);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    try {
      process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  });
}
child.on('exit', (code) => {
  clearTimeout(watchdog);
  process.exit(code ?? 1);
});
