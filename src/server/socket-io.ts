/**
 * The socket fast paths: reads and replies go straight between the connection's stream handle
 * (libuv's TCP or pipe handle, or Node's TLSWrap over it) and Respite, past Node's stream
 * layer.
 *
 * Replies (directWrite). `socket.write` of a reply the kernel takes at once still runs the
 * Writable machinery: the write state, a WriteWrap request object per write, the completion
 * callback deferred with process.nextTick and the 'drain' bookkeeping. At one reply per
 * request (-P 1) that was a sizeable part of Respite's user CPU per request. Here the common
 * case is one call into the handle (libuv's uv_try_write) with a request object that is
 * reused, because a write that completes at once never keeps it.
 *
 * A write the kernel did not take whole stays queued in libuv (in order: libuv never lets a
 * later write pass a queued one) and holds the buffer until its completion callback; the
 * caller must not reuse that buffer. `queuedBytes` counts it for the output-buffer limits
 * and CLIENT LIST's omem.
 *
 * Ordering with `socket.write`: a direct write is used only when the socket's Writable holds
 * nothing (writableLength 0), so every earlier byte is already in libuv's queue; a write
 * through `socket.write` after a queued direct write goes to the same queue behind it.
 *
 * Reads (takeOverReads). A socket made with Node's `onread` option (reads into one shared
 * buffer) still goes through Node's onStreamRead for every read; the handle's read callback
 * is replaced by one that hands the byte count straight to the server, and leaves EOF and
 * errors to Node's own callback (which closes the socket as usual).
 *
 * TLS replies (tlsWrite). A TLS socket's handle (TLSWrap) encrypts a write at once (OpenSSL
 * copies the bytes: the buffer can be reused on return) and hands it to the TCP handle, but
 * always completes it later (a native immediate), and it allows one write in flight: a
 * second one before the first completed aborts the process (a CHECK in Node's C++). So the
 * caller keeps its own in-flight flag: while it is set it neither writes nor calls
 * `socket.write` (replies wait in its buffer), and it writes directly only when the socket's
 * Writable holds nothing (which is then idle too). `socket.end()` and `socket.destroy()`
 * stay safe while a write is in flight (a shutdown waits for the queued TCP write).
 *
 * TLS reads (takeOverTlsReads). A TLS socket is made by Node's TLS server, without the
 * `onread` option: each decrypted chunk becomes a fresh Buffer pushed through the Readable
 * and emitted as 'data'. Its handle (TLSWrap) is a stream handle too, so it is switched to
 * the shared buffer (the handle's useUserBuffer, what the `onread` option does) and its read
 * callback taken over as above; anything the Readable already held is handed over first.
 *
 * The handle API comes from `process.binding('stream_wrap')` (Node's own net module uses
 * it). Where it is missing, or RESPITE_NO_DIRECT_IO=1, both fast paths report it and the
 * caller uses the stream API.
 */
import type net from 'node:net';

/** The part of a stream handle (TCPWrap, PipeWrap) that a direct write uses. */
interface StreamHandle {
  writeBuffer(req: WriteReq, data: Uint8Array): number;
  readonly writeQueueSize: number;
}

/** A WriteWrap: the request object libuv completes an incomplete write on. */
interface WriteReq {
  oncomplete: ((this: WriteReq, status: number) => void) | null;
  /** Keeps the written buffer alive while libuv holds it. */
  buffer: Uint8Array | null;
  onDone: ((status: number) => void) | null;
}

interface StreamWrapBinding {
  WriteWrap: new () => WriteReq;
  streamBaseState: Int32Array;
  kLastWriteWasAsync: number;
  kReadBytesOrError: number;
}

function loadBinding(): StreamWrapBinding | null {
  if (process.env.RESPITE_NO_DIRECT_IO === '1') return null;
  try {
    const b = (process as unknown as { binding(name: string): Partial<StreamWrapBinding> }).binding(
      'stream_wrap',
    );
    if (typeof b.WriteWrap !== 'function' || !(b.streamBaseState instanceof Int32Array)) return null;
    if (typeof b.kLastWriteWasAsync !== 'number' || typeof b.kReadBytesOrError !== 'number') return null;
    return b as StreamWrapBinding;
  } catch {
    return null;
  }
}

const binding = loadBinding();
let sharedReq: WriteReq | null = binding !== null ? newReq(binding, onComplete) : null;

function newReq(b: StreamWrapBinding, oncomplete: (this: WriteReq, status: number) => void): WriteReq {
  const req = new b.WriteWrap();
  req.oncomplete = oncomplete;
  req.buffer = null;
  req.onDone = null;
  return req;
}

function onComplete(this: WriteReq, status: number): void {
  const done = this.onDone;
  this.buffer = null;
  this.onDone = null;
  if (done !== null) done(status);
}

function handleOf(socket: net.Socket): StreamHandle | null {
  const h = (socket as unknown as { _handle: StreamHandle | null })._handle;
  return h !== null && typeof h.writeBuffer === 'function' ? h : null;
}

/** Result of directWrite: the kernel took everything. */
export const WRITE_DONE = 0;
/** Result of directWrite: the rest is queued in libuv, which holds the buffer until onDone. */
export const WRITE_QUEUED = 1;
/** Result of directWrite: not possible here (no binding, TLS, Writable busy): use socket.write. */
export const WRITE_UNSUPPORTED = 2;

/**
 * Writes data to socket's handle. Returns WRITE_DONE, WRITE_QUEUED (onDone runs with the
 * libuv status when the queued rest is written or failed), WRITE_UNSUPPORTED, or a negative
 * libuv error code (the connection is broken: nothing was queued).
 */
export function directWrite(socket: net.Socket, data: Uint8Array, onDone: (status: number) => void): number {
  if (binding === null || socket.writableLength !== 0 || socket.destroyed || socket.writableEnded)
    return WRITE_UNSUPPORTED;
  // A TLS socket's handle takes one write at a time (tlsWrite).
  if ((socket as { encrypted?: boolean }).encrypted === true) return WRITE_UNSUPPORTED;
  const h = handleOf(socket);
  if (h === null) return WRITE_UNSUPPORTED;
  const req = sharedReq!;
  const err = h.writeBuffer(req, data);
  if (err !== 0) return err < 0 ? err : -1;
  if (binding.streamBaseState[binding.kLastWriteWasAsync] === 0) return WRITE_DONE;
  // libuv now owns req until its completion: the next write takes a fresh one.
  req.buffer = data;
  req.onDone = onDone;
  sharedReq = newReq(binding, onComplete);
  return WRITE_QUEUED;
}

/** WriteWraps whose TLS write completed: reused by the next tlsWrite. */
const freeTlsReqs: WriteReq[] = [];

function onTlsComplete(this: WriteReq, status: number): void {
  const done = this.onDone;
  this.onDone = null;
  freeTlsReqs.push(this);
  if (done !== null) done(status);
}

/**
 * Writes data to a TLS socket's handle; data can be reused on return. Returns WRITE_QUEUED
 * (onDone runs with the status once written or failed; until then the caller must not
 * write to the socket at all), WRITE_DONE, WRITE_UNSUPPORTED (use socket.write) or a
 * negative error code (the connection is broken: nothing was queued).
 */
export function tlsWrite(socket: net.Socket, data: Uint8Array, onDone: (status: number) => void): number {
  if (binding === null || socket.writableLength !== 0 || socket.destroyed || socket.writableEnded)
    return WRITE_UNSUPPORTED;
  const h = handleOf(socket);
  if (h === null) return WRITE_UNSUPPORTED;
  const req = freeTlsReqs.pop() ?? newReq(binding, onTlsComplete);
  const err = h.writeBuffer(req, data);
  if (err !== 0) {
    freeTlsReqs.push(req);
    return err < 0 ? err : -1;
  }
  if (binding.streamBaseState[binding.kLastWriteWasAsync] === 0) {
    freeTlsReqs.push(req);
    return WRITE_DONE;
  }
  req.onDone = onDone;
  return WRITE_QUEUED;
}

/** Output a socket still holds: its Writable's buffer plus what libuv has queued. */
export function queuedBytes(socket: net.Socket): number {
  return socket.writableLength + handleQueuedBytes(socket);
}

/** What libuv has queued on socket's handle (direct writes the kernel did not take yet). */
export function handleQueuedBytes(socket: net.Socket): number {
  const h = handleOf(socket);
  return h !== null ? h.writeQueueSize : 0;
}

/** The part of a stream handle that takeOverReads replaces. */
interface ReadableHandle {
  onread: (this: unknown, arrayBuffer: unknown) => unknown;
  reading: boolean;
  readStop(): number;
  useUserBuffer?: (buffer: Uint8Array) => void;
}

/**
 * Has every successful read of socket (made with Node's `onread` option) call onRead(n)
 * directly, n the bytes read into the option's buffer; onRead returns false to stop reading
 * (as the option's callback). Returns false, changing nothing, when not possible here.
 */
export function takeOverReads(socket: net.Socket, onRead: (n: number) => boolean): boolean {
  if (binding === null) return false;
  const h = (socket as unknown as { _handle: ReadableHandle | null })._handle;
  if (h === null || typeof h.onread !== 'function' || typeof h.readStop !== 'function') return false;
  const nodeOnRead = h.onread;
  const state = binding.streamBaseState;
  const kRead = binding.kReadBytesOrError;
  h.onread = function (this: unknown, arrayBuffer: unknown): unknown {
    const n = state[kRead];
    if (n <= 0 || socket.destroyed) return nodeOnRead.call(this, arrayBuffer);
    if (!onRead(n) && !socket.destroyed) {
      h.reading = false;
      h.readStop();
    }
    return undefined;
  };
  return true;
}

/**
 * Has a TLS socket's decrypted bytes read into buffer (shared, reused after each call) and
 * handed to onData(chunk, n) directly, instead of as 'data' events. Bytes the socket's
 * Readable already buffered are handed over first (as their own chunk). Returns false,
 * changing nothing, when not possible here (the caller listens to 'data').
 */
export function takeOverTlsReads(
  socket: net.Socket,
  buffer: Buffer,
  onData: (chunk: Buffer, n: number) => void,
): boolean {
  if (binding === null) return false;
  const h = (socket as unknown as { _handle: ReadableHandle | null })._handle;
  if (h === null || typeof h.useUserBuffer !== 'function' || typeof h.onread !== 'function') return false;
  if (typeof h.readStop !== 'function') return false;
  for (let b = socket.read() as Buffer | null; b !== null; b = socket.read() as Buffer | null)
    onData(b, b.length);
  if (socket.destroyed) return true;
  h.useUserBuffer(buffer);
  return takeOverReads(socket, (n) => {
    onData(buffer, n);
    return true;
  });
}
