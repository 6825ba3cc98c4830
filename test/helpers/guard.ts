/**
 * Loaded into every test file's process (`node --test --import .../guard.js`, see
 * scripts/run-tests.mjs) so that a failing test cannot hang the whole run.
 *
 * A test that fails between starting a server and stopping it leaves a listening socket or a
 * child process (with pipes to this process) behind, and node's test runner then waits for
 * this process to exit forever. After the file's last test, the guard gives the process a
 * grace period to exit by itself; if it is still alive then, it names what keeps it alive,
 * kills the child processes this process started (by their PIDs) and exits with a failure.
 */
import { after } from 'node:test';
import { readdirSync, readFileSync } from 'node:fs';

const GRACE_MS = 5000;

/** PIDs of this process's direct children (from /proc; empty where /proc is missing). */
function childPids(): number[] {
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return pids;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid) pids.push(Number(name));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

function killChildren(): number[] {
  const pids = childPids();
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return pids;
}

after(() => {
  setTimeout(() => {
    const handles = process.getActiveResourcesInfo().filter((r) => r !== 'Timeout');
    const killed = killChildren();
    process.stderr.write(
      `# test guard: this file's process was still alive ${GRACE_MS} ms after its last test ` +
        `(open: ${handles.join(', ') || 'nothing'}; killed child pids: ${killed.join(', ') || 'none'}). ` +
        'A test left a server, client or child process running.\n',
    );
    process.exitCode = 1;
    process.exit();
  }, GRACE_MS).unref();
});

process.on('exit', () => {
  killChildren();
});
