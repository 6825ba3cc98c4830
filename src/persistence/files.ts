/**
 * File helpers shared by RDB saving (manager.ts) and the AOF (aof.ts).
 */
import { close, openSync, writeSync } from 'node:fs';

/** Writes all of b at fd's position (writeSync may write less than asked). */
export function writeAll(fd: number, b: Buffer): void {
  let off = 0;
  while (off < b.length) off += writeSync(fd, b, off, b.length - off);
}

/**
 * Redis's bg_unlink: `detach` takes the file's name away (an unlink, or a rename over the
 * path) while the file is held open, so that freeing its blocks happens at the last close, in
 * libuv's thread pool (Redis closes it in a bio thread). Freeing a big file's blocks takes the
 * file system tens of milliseconds (a 50 MB file: ~50 ms here), which would otherwise be
 * spent on the event loop. A path that does not exist is only detached.
 */
export function detachInBackground(path: string, detach: () => void): void {
  let fd = -1;
  try {
    fd = openSync(path, 'r');
  } catch {
    /* no file there */
  }
  try {
    detach();
  } finally {
    if (fd !== -1)
      close(fd, () => {
        /* closed: the blocks are free */
      });
  }
}
