// A tiny static file server for the chat page (no build step): public/ plus /config.js,
// which tells the page where the gateway is and which credentials the browser uses.
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PUBLIC = fileURLToPath(new URL('./public/', import.meta.url));
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css' };
const FILES = new Set(['index.html', 'app.js', 'style.css']);

/**
 * Serves the page on 127.0.0.1:`port`; `config` = { gateway: 'ws://host:port', user, token }.
 * Resolves with the http.Server once listening.
 */
export function startStatic(port, config) {
  const server = http.createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/config.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript', 'Cache-Control': 'no-store' });
      res.end(`window.CHAT_CONFIG = ${JSON.stringify(config)};\n`);
      return;
    }
    const name = path === '/' ? 'index.html' : path.slice(1);
    if (!FILES.has(name)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[extname(name)], 'Cache-Control': 'no-store' });
    res.end(await readFile(join(PUBLIC, name)));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
