/**
 * Bytes the data types hold outside V8's heap: the Buffers and typed arrays of list chunks,
 * stream nodes and skiplist columns live in ArrayBuffer backing stores, which V8's heap
 * statistics do not count. INFO used_memory (and so maxmemory) adds this figure.
 *
 * Each backing store is counted when a type allocates it and given back when the garbage
 * collector frees it (a FinalizationRegistry), the same moment V8's heap figure drops for
 * the objects that referenced it. Only what the types allocate through these helpers is
 * counted: socket read buffers and other transient Buffers of the runtime are not data.
 */

/** Typed arrays of at most this many bytes live inside V8's heap (typed_array_max_size_in_heap). */
const ON_HEAP_MAX = 64;

let total = 0;
const registry = new FinalizationRegistry<number>((bytes) => {
  total -= bytes;
});

/** Counts v's backing store (once per store: pass each ArrayBuffer once). Returns v. */
export function tracked<T extends ArrayBufferView>(v: T): T {
  // Checked before touching .buffer: reading it moves an on-heap typed array off the heap.
  if (v.byteLength > ON_HEAP_MAX) {
    const ab = v.buffer;
    total += ab.byteLength;
    registry.register(ab, ab.byteLength, ab);
  }
  return v;
}

/**
 * Counts an ArrayBuffer the caller will view through several typed arrays. Returns it.
 * `releasable` false: the caller never passes it to release(), which spares the registry's
 * unregister token (a runtime call per registration).
 */
export function trackedArrayBuffer(ab: ArrayBuffer, releasable = true): ArrayBuffer {
  if (ab.byteLength > ON_HEAP_MAX) {
    total += ab.byteLength;
    if (releasable) registry.register(ab, ab.byteLength, ab);
    else registry.register(ab, ab.byteLength);
  }
  return ab;
}

/**
 * Frees v's backing store now instead of when the collector finds v unreachable, for a view
 * made by tracked()/externalBuffer() that its owner is dropping and nothing else references
 * (a list chunk's outgrown or removed buffer). Such views usually live long enough to reach
 * the old generation, where only a full collection would free them: meanwhile their bytes
 * stay allocated and counted. Detaching moves the store to a new, young ArrayBuffer that the
 * next scavenge frees; v reads as empty afterwards.
 */
export function release(v: ArrayBufferView): void {
  if (v.byteLength <= ON_HEAP_MAX) return;
  const ab = v.buffer;
  if (!registry.unregister(ab)) return; // not counted here: someone else's store
  total -= ab.byteLength;
  structuredClone(ab, { transfer: [ab as ArrayBuffer] });
}

/** A counted Buffer of n bytes with a backing store of its own (not from Node's pool). */
export function externalBuffer(n: number): Buffer {
  return tracked(Buffer.allocUnsafeSlow(n));
}

/** A counted Buffer holding the latin1 bytes of s, in a backing store of its own. */
export function externalLatin1(s: string): Buffer {
  const b = Buffer.allocUnsafeSlow(s.length);
  b.latin1Write(s, 0);
  return tracked(b);
}

/** Bytes counted and not yet freed. */
export function externalBytes(): number {
  return total;
}
