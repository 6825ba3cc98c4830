/**
 * A few large scratch buffers kept for reuse by the request parser and the reply writers.
 *
 * A big value passes through a buffer of its size on the way in (the parser assembles the
 * argument) and on the way out (the reply holds it until the socket takes it). Allocating
 * those afresh for every command costs a fresh mmap with its page faults, and V8 runs more
 * mark-compact cycles to reclaim the dropped backing stores; Redis's allocator reuses its
 * memory instead. A buffer is given back only when nothing refers to it any more (the
 * parser moved on, or the socket took the whole reply synchronously), and everything runs
 * on the one thread, so a buffer is never in two places at once.
 */

/** Smallest buffer worth keeping: below it Node's pool and malloc are cheap anyway. */
export const SPARE_MIN = 128 * 1024;
/** Largest buffer kept: a one-off huge value must not stay allocated. */
const SPARE_MAX = 4 * 1024 * 1024;
/** At most this many bytes are kept: enough for 50 clients streaming 1 MB values. */
const TOTAL_MAX = 64 * 1024 * 1024;

/** Most recently given first. */
const spares: Buffer[] = [];
let total = 0;
/** A take since the last trimSpares(). */
let used = false;

/** A kept buffer of at least min and at most max bytes (removed from the pool), or null. */
export function takeSpare(min: number, max: number): Buffer | null {
  for (let i = 0; i < spares.length; i++) {
    const b = spares[i];
    if (b.length >= min && b.length <= max) {
      spares.splice(i, 1);
      total -= b.length;
      used = true;
      return b;
    }
  }
  return null;
}

/** Offers a buffer nothing refers to any more for reuse. */
export function giveSpare(b: Buffer): void {
  if (b.length < SPARE_MIN || b.length > SPARE_MAX) return;
  // A Buffer view of a bigger allocation is kept only if it is the whole of it.
  if (b.byteOffset !== 0 || b.byteLength !== b.buffer.byteLength) return;
  spares.unshift(b);
  total += b.length;
  while (total > TOTAL_MAX) total -= spares.pop()!.length;
}

/**
 * Called periodically (serverCron, once a second): when no buffer was taken since the last
 * call, the big values have stopped coming and the buffers are let go, as Redis frees an
 * idle client's query buffer.
 */
export function trimSpares(): void {
  if (!used) {
    spares.length = 0;
    total = 0;
  }
  used = false;
}

/** Bytes held for reuse (tests). */
export function spareBytes(): number {
  return total;
}
