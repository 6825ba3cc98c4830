/**
 * The busy-script worker thread (see busy.ts): accepts new connections on the server's
 * listening fds while the main thread runs a busy script, and relays each connection's bytes
 * to the main thread over a MessagePort (the main thread's instruction hook drains it).
 *
 * `flag` (shared Int32): 0 = no busy script, 1 = busy, 2 = retired (see retire()). With no busy script and no
 * connection to relay, the thread parks in Atomics.wait: its event loop does not poll, so it
 * accepts nothing and the main thread takes every connection. A connection accepted here is
 * relayed for its whole life (also after the script); while any exists the loop keeps
 * running and may accept further connections, which are relayed too.
 */
import net from 'node:net';
import { workerData, type MessagePort } from 'node:worker_threads';

interface Init {
  fds: { fd: number; unix: boolean }[];
  flag: Int32Array;
  port: MessagePort;
}

type ToWorker = { t: 'write'; id: number; buf: Uint8Array } | { t: 'end'; id: number };

const { fds, flag, port } = workerData as Init;
const conns = new Map<number, net.Socket>();
let nextId = 1;

/**
 * Retired (the server closed or re-bound): drop the relayed connections, then park for good.
 * The listening handles stay open: closing them would close the main thread's fds.
 */
function retire(): void {
  for (const s of conns.values()) s.destroy();
  port.close();
  clearInterval(timer);
  setImmediate(() => {
    for (;;) Atomics.wait(flag, 0, 2, 60000);
  });
}

/** Parks the thread while there is nothing to do (see the file comment). */
function check(): void {
  for (;;) {
    const f = Atomics.load(flag, 0);
    if (f === 2) {
      retire();
      return;
    }
    if (f === 1 || conns.size !== 0) return;
    // Timed, so that a terminate() or an exit request is seen even without a notify.
    Atomics.wait(flag, 0, 0, 1000);
  }
}

function onConnection(sock: net.Socket, unix: boolean): void {
  const id = nextId++;
  conns.set(id, sock);
  if (!unix) sock.setNoDelay(true);
  port.postMessage({
    t: 'open',
    id,
    unix,
    remote: { address: sock.remoteAddress, port: sock.remotePort },
    local: { address: sock.localAddress, port: sock.localPort },
  });
  // A copy of exactly the chunk's bytes (a Buffer may view a larger pooled ArrayBuffer).
  sock.on('data', (chunk: Buffer) => port.postMessage({ t: 'data', id, buf: new Uint8Array(chunk) }));
  sock.on('error', () => {});
  sock.on('close', () => {
    conns.delete(id);
    port.postMessage({ t: 'close', id });
  });
}

port.on('message', (m: ToWorker) => {
  const s = conns.get(m.id);
  if (s === undefined) return;
  if (m.t === 'write') s.write(m.buf);
  else if (s.writableLength > 0) s.end();
  else s.destroy();
});

for (const { fd, unix } of fds) {
  const srv = net.createServer((s) => onConnection(s, unix));
  srv.on('error', () => {});
  srv.listen({ fd });
}

const timer = setInterval(check, 10);
check();
