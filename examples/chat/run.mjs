#!/usr/bin/env node
// The whole chat in one command: `node examples/chat/run.mjs` starts Respite with its browser
// gateway (http-port), the Node and Python chat services, and the static page, then prints
// the address to open in two browser windows. Ctrl-C stops everything.
// Ports: CHAT_REDIS_PORT (6399), CHAT_GATEWAY_PORT (7399), CHAT_WEB_PORT (8399).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { startStatic } from './static.mjs';
import { createBrowserUser, startServices } from './services.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const main = `${root}dist/src/main.js`;
const redisPort = Number(process.env.CHAT_REDIS_PORT ?? 6399);
const gatewayPort = Number(process.env.CHAT_GATEWAY_PORT ?? 7399);
const webPort = Number(process.env.CHAT_WEB_PORT ?? 8399);
// Fresh secrets each run: the services use the default user, browsers a restricted one.
const adminPass = randomBytes(12).toString('hex');
const browserPass = randomBytes(12).toString('hex');

if (!existsSync(main)) {
  console.log('Building Respite (npx tsc -p .) ...');
  if (spawnSync('npx', ['tsc', '-p', '.'], { cwd: root, stdio: 'inherit' }).status !== 0) process.exit(1);
}

const server = spawn(
  process.execPath,
  [main, '--port', String(redisPort), '--bind', '127.0.0.1', '--http-port', String(gatewayPort)].concat([
    '--requirepass',
    adminPass,
    '--save',
    '',
    '--loglevel',
    'warning',
  ]),
  { stdio: 'inherit' },
);
let stopServices = () => {};
const stop = () => {
  stopServices();
  if (server.exitCode === null) server.kill('SIGTERM');
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
server.once('exit', (code) => {
  console.log(`respite-server exited (${code})`);
  stopServices();
  process.exit(1);
});

const redisUrl = `redis://:${adminPass}@127.0.0.1:${redisPort}`;
// Wait until the server accepts connections.
for (let i = 0; ; i++) {
  const ok = await new Promise((resolve) => {
    const sock = net.connect(redisPort, '127.0.0.1', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
  if (ok) break;
  if (i > 100) throw new Error(`respite-server did not start on port ${redisPort}`);
  await new Promise((r) => setTimeout(r, 100));
}
const admin = new Redis(redisUrl);
await createBrowserUser(admin, 'chat', browserPass);
admin.disconnect();
stopServices = await startServices(redisUrl, (line) => console.log(`  [service] ${line}`));
await startStatic(webPort, { gateway: `ws://127.0.0.1:${gatewayPort}`, user: 'chat', token: browserPass });
console.log(`
Respite       redis://127.0.0.1:${redisPort} (password ${adminPass})
Gateway       ws://127.0.0.1:${gatewayPort}/ws (browser user "chat")
Chat page     http://127.0.0.1:${webPort}/   <- open it in two windows, join the same room
Try "@bot" (Node service) or "@py" (Python service) in a message. Ctrl-C stops everything.`);
