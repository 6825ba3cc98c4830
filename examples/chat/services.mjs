// Starting the chat's backend services (bot.mjs on Node, pybot.py on Python) and the browser
// user; shared by run.mjs and the end-to-end test.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = (f) => fileURLToPath(new URL(f, import.meta.url));

/** A python3 that can `import redis` (Debian's python3-redis), or null. */
export function findPython() {
  for (const exe of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(exe, ['-c', 'import redis'], { stdio: 'ignore' });
    if (r.status === 0) return exe;
  }
  return null;
}

/**
 * The browser's own ACL user: only the chat's channels, only the Pub/Sub commands it needs,
 * no keys. `redis` is an ioredis client authenticated as an administrator.
 */
export async function createBrowserUser(redis, user, password) {
  await redis.call(
    'ACL',
    'SETUSER',
    user,
    'reset',
    'on',
    `>${password}`,
    'resetchannels',
    '&chat:*',
    '+subscribe',
    '+unsubscribe',
    '+publish',
    '+ping',
  );
}

/**
 * Spawns the Node and Python services against `redisUrl`. Resolves once each printed that it
 * listens; returns a function that stops them. `log` gets their output lines.
 */
export async function startServices(redisUrl, log = (line) => console.log(line)) {
  const env = { ...process.env, REDIS_URL: redisUrl };
  const procs = [];
  const started = [];
  const launch = (cmd, args) => {
    const p = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    procs.push(p);
    started.push(
      new Promise((resolve, reject) => {
        p.stdout.setEncoding('utf8');
        p.stderr.setEncoding('utf8');
        p.stdout.on('data', (d) => {
          for (const l of d.split('\n')) if (l) log(l);
          if (d.includes('listening')) resolve();
        });
        p.stderr.on('data', (d) => log(d.trimEnd()));
        p.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code}`)));
      }),
    );
  };
  launch(process.execPath, [here('./bot.mjs')]);
  const python = findPython();
  if (python !== null) launch(python, [here('./pybot.py')]);
  else log('python3 with the redis module not found (apt-get install python3-redis): no Python service');
  await Promise.all(started);
  return () => {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGTERM');
  };
}
