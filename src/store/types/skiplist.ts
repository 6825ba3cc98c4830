/**
 * ZSkipList: the `skiplist` encoding of sorted sets — Redis's zskiplist (Pugh's skiplist with
 * spans for O(log n) ranks and a level-0 back pointer) plus the member -> node dict, laid
 * out in one ArrayBuffer instead of one heap object per node (no GC work per element); the
 * dict is a KeyTable of member -> id (store/key-table.ts), the id's node in `node`.
 *
 * - A node is a block of 8-byte slots at offset `n` (the node's handle):
 *     n+0      score (f64)
 *     n+1      id (i32) | backward node (i32)
 *     n+2+k    forward node (i32) | span (i32) of level k
 *   so a search step reads the next node's score next to its links, as Redis's struct does.
 *   The header is the block at 0 (32 levels); as a link, 0 means NULL.
 * - Every node also has a dense id 1..length: deleting a node gives its id to the last one.
 *   Ids give O(1) random members (ZRANDMEMBER) and a SCAN-safe cursor (ZSCAN walks ids
 *   downwards; ids only ever move down), like the keyspace Dict. Members live in `ele[id]`.
 * - Freed blocks are reused per level count; blocks never move.
 *
 * Order: by score, then by member bytes (latin1 strings compare byte-wise).
 */
import { tracked, trackedArrayBuffer } from '../external.js';
import { KeyTable, type KeySource } from '../key-table.js';

export const ZSKIPLIST_MAXLEVEL = 32;

const HEADER_SLOTS = 2 + ZSKIPLIST_MAXLEVEL;

export class ZSkipList implements KeySource {
  /**
   * member -> id - 1 (store/key-table.ts: 32-bit slots off the heap, reading the members
   * from `ele`); the node is `node[id]`. A V8 Map here cost ~30-40 bytes per member, and its
   * lookups (chains of two entries on average, each a string compare) were a quarter of
   * ZADD's and GEOADD's CPU on a 100,000-member set.
   */
  private readonly table: KeyTable;
  length = 0;
  /** Levels in use (header levels >= level are NULL). */
  level = 1;
  tail = 0;
  /** The node blocks: `f` and `i` view the same buffer. */
  private f: Float64Array;
  private i: Int32Array;
  private top = HEADER_SLOTS;
  /** By id: member, level count, node. */
  ele: string[] = [''];
  private lvl: Uint8Array;
  private node: Int32Array;
  /** Free blocks by level count: head node (-1 = none), linked through the score slot. */
  private readonly freeHead = new Int32Array(ZSKIPLIST_MAXLEVEL + 1).fill(-1);
  /** Search paths (reused; every operation is synchronous). */
  private readonly update = new Int32Array(ZSKIPLIST_MAXLEVEL);
  private readonly rank = new Float64Array(ZSKIPLIST_MAXLEVEL);

  constructor(capacity = 16) {
    const slots = HEADER_SLOTS + Math.ceil(capacity * 3.5);
    const buf = trackedArrayBuffer(new ArrayBuffer(slots * 8));
    this.f = new Float64Array(buf);
    this.i = new Int32Array(buf);
    this.lvl = tracked(new Uint8Array(capacity + 1));
    this.node = tracked(new Int32Array(capacity + 1));
    this.lvl[0] = ZSKIPLIST_MAXLEVEL;
    this.table = new KeyTable(this, capacity, undefined, undefined, 'ZSkipList');
  }

  /** KeySource: the member of id i + 1. */
  keyAt(i: number): string {
    return this.ele[i + 1];
  }

  /** The node of a member, or 0 (the header: no member's node) when absent. */
  nodeOf(ele: string): number {
    const i = this.table.find(ele);
    return i === -1 ? 0 : this.node[i + 1];
  }

  has(ele: string): boolean {
    return this.table.find(ele) !== -1;
  }

  /** Bytes held by the arrays (MEMORY USAGE estimate, members excluded). */
  arrayBytes(): number {
    return (
      this.f.byteLength +
      this.lvl.byteLength +
      this.node.byteLength +
      this.ele.length * 4 +
      this.table.tableBytes()
    );
  }

  // ---- Node accessors -------------------------------------------------------------------

  scoreOf(n: number): number {
    return this.f[n];
  }

  idOf(n: number): number {
    return this.i[2 * n + 2];
  }

  eleOf(n: number): string {
    return this.ele[this.i[2 * n + 2]];
  }

  /** Number of levels of node n. */
  levelOf(n: number): number {
    return this.lvl[this.i[2 * n + 2]];
  }

  /** Previous node at level 0 (0 = none). */
  prevOf(n: number): number {
    return this.i[2 * n + 3];
  }

  /** Next node at level 0 (0 = none). */
  nextOf(n: number): number {
    return this.i[2 * n + 4];
  }

  first(): number {
    return this.i[4];
  }

  /** The node of a dense id (1..length). */
  nodeOfId(id: number): number {
    return this.node[id];
  }

  // ---- Storage ----------------------------------------------------------------------------

  private growIds(min: number): void {
    let cap = Math.max(16, Math.floor(this.lvl.length * 1.5));
    while (cap < min) cap = Math.floor(cap * 1.5);
    const l = tracked(new Uint8Array(cap));
    l.set(this.lvl);
    this.lvl = l;
    const n = tracked(new Int32Array(cap));
    n.set(this.node);
    this.node = n;
  }

  private allocBlock(levels: number): number {
    const head = this.freeHead[levels];
    if (head !== -1) {
      this.freeHead[levels] = this.i[2 * head];
      return head;
    }
    const b = this.top;
    const size = 2 + levels;
    this.top += size;
    if (this.top > this.f.length) {
      let cap = Math.floor(this.f.length * 1.5);
      while (cap < this.top) cap = Math.floor(cap * 1.5);
      const buf = trackedArrayBuffer(new ArrayBuffer(cap * 8));
      const nf = new Float64Array(buf);
      nf.set(this.f);
      this.f = nf;
      this.i = new Int32Array(buf);
    }
    return b;
  }

  private freeBlock(b: number, levels: number): void {
    this.i[2 * b] = this.freeHead[levels];
    this.freeHead[levels] = b;
  }

  /** Redis's zslRandomLevel: P = 1/4 per extra level. */
  private static randomLevel(): number {
    let level = 1;
    while (Math.random() < 0.25 && level < ZSKIPLIST_MAXLEVEL) level++;
    return level;
  }

  /** True when node n sorts before (score, ele). */
  private before(n: number, score: number, ele: string): boolean {
    const s = this.f[n];
    return s < score || (s === score && this.ele[this.i[2 * n + 2]] < ele);
  }

  // ---- Operations -------------------------------------------------------------------------

  /** Inserts a member that is not in the table yet; returns its node. */
  insert(score: number, ele: string): number {
    const level = ZSkipList.randomLevel();
    const id = this.length + 1;
    if (id >= this.lvl.length) this.growIds(id + 1);
    // The probe must be the last one on any table before insertAtProbe (module state).
    this.table.find(ele);
    const grow = this.table.insertAtProbe(id - 1);
    this.ele.push(ele);
    if (grow) this.table.grow();
    const b = this.allocBlock(level);
    this.f[b] = score;
    this.i[2 * b + 2] = id;
    this.lvl[id] = level;
    this.node[id] = b;
    this.link(b, level, score, ele, this.length);
    this.length = id;
    return b;
  }

  /**
   * Links block b (its score, id and member set; `level` levels) where (score, ele) belongs
   * among the `count` nodes linked now (zslInsert's search and splice).
   */
  private link(b: number, level: number, score: number, ele: string, count: number): void {
    const { update, rank } = this;
    const I = this.i;
    const F = this.f;
    const E = this.ele;
    let x = 0;
    let r = 0;
    // The search of before(), inlined, with the rank in a local (this is ZADD's hot loop).
    for (let k = this.level - 1; k >= 0; k--) {
      for (;;) {
        const o = 2 * x + 4 + 2 * k;
        const nx = I[o];
        if (nx === 0) break;
        const s = F[nx];
        if (s < score || (s === score && E[I[2 * nx + 2]] < ele)) {
          r += I[o + 1];
          x = nx;
        } else break;
      }
      rank[k] = r;
      update[k] = x;
    }
    if (level > this.level) {
      for (let k = this.level; k < level; k++) {
        rank[k] = 0;
        update[k] = 0;
        I[5 + 2 * k] = count;
      }
      this.level = level;
    }
    for (let k = 0; k < level; k++) {
      const uo = 2 * update[k] + 4 + 2 * k;
      const xo = 2 * b + 4 + 2 * k;
      I[xo] = I[uo];
      I[uo] = b;
      I[xo + 1] = I[uo + 1] - (rank[0] - rank[k]);
      I[uo + 1] = rank[0] - rank[k] + 1;
    }
    for (let k = level; k < this.level; k++) I[2 * update[k] + 5 + 2 * k]++;
    I[2 * b + 3] = update[0];
    const nxt = I[2 * b + 4];
    if (nxt !== 0) I[2 * nxt + 3] = b;
    else this.tail = b;
  }

  /** zslDeleteNode: unlinks x given the search path in `update` (does not free it). */
  private unlink(x: number): void {
    const I = this.i;
    const update = this.update;
    const xl = this.lvl[I[2 * x + 2]];
    for (let k = 0; k < this.level; k++) {
      const uo = 2 * update[k] + 4 + 2 * k;
      if (k < xl && I[uo] === x) {
        const xo = 2 * x + 4 + 2 * k;
        I[uo + 1] += I[xo + 1] - 1;
        I[uo] = I[xo];
      } else {
        I[uo + 1] -= 1;
      }
    }
    const nxt = I[2 * x + 4];
    if (nxt !== 0) I[2 * nxt + 3] = I[2 * x + 3];
    else this.tail = I[2 * x + 3];
    while (this.level > 1 && I[4 + 2 * (this.level - 1)] === 0) this.level--;
  }

  /** Frees an unlinked node: drops its member and gives its id to the last id's node. */
  private release(x: number): void {
    const I = this.i;
    const id = I[2 * x + 2];
    this.table.probeIndex(this.ele[id], id - 1);
    this.table.removeAtProbe();
    this.freeBlock(x, this.lvl[id]);
    const m = this.length;
    this.length = m - 1;
    if (id !== m) {
      this.table.moveIndex(this.ele[m], m - 1, id - 1);
      const mn = this.node[m];
      I[2 * mn + 2] = id;
      this.node[id] = mn;
      this.ele[id] = this.ele[m];
      this.lvl[id] = this.lvl[m];
    }
    this.ele.pop();
  }

  /** Fills `update` with the path to the first node >= (score, ele); returns that node. */
  private seek(score: number, ele: string): number {
    const { update } = this;
    const I = this.i;
    const F = this.f;
    const E = this.ele;
    let x = 0;
    for (let k = this.level - 1; k >= 0; k--) {
      for (;;) {
        const nx = I[2 * x + 4 + 2 * k];
        if (nx === 0) break;
        const s = F[nx];
        if (s < score || (s === score && E[I[2 * nx + 2]] < ele)) x = nx;
        else break;
      }
      update[k] = x;
    }
    return I[2 * x + 4];
  }

  /** Deletes a member; returns false when absent. */
  delete(ele: string): boolean {
    const n = this.nodeOf(ele);
    if (n === 0) return false;
    this.seek(this.f[n], ele);
    this.unlink(n);
    this.release(n);
    return true;
  }

  /**
   * Changes the score of node x (zslUpdateScore): in place when the order does not change,
   * otherwise moved. Returns the member's node (x: it keeps its block).
   */
  updateScore(x: number, newScore: number): number {
    const back = this.prevOf(x);
    const nxt = this.nextOf(x);
    const ele = this.eleOf(x);
    if (
      (back === 0 || this.f[back] < newScore || (this.f[back] === newScore && this.eleOf(back) < ele)) &&
      (nxt === 0 || this.f[nxt] > newScore || (this.f[nxt] === newScore && this.eleOf(nxt) > ele))
    ) {
      this.f[x] = newScore;
      return x;
    }
    // Moved as Redis does (unlinked, then linked at the new place), but the same block keeps
    // its id, member and level: no dict update, no allocation.
    this.seek(this.f[x], ele);
    this.unlink(x);
    this.f[x] = newScore;
    this.link(x, this.lvl[this.i[2 * x + 2]], newScore, ele, this.length - 1);
    return x;
  }

  /** 1-based rank of (score, ele) (zslGetRank), 0 when not found. */
  getRank(score: number, ele: string): number {
    const I = this.i;
    const F = this.f;
    let x = 0;
    let rank = 0;
    for (let k = this.level - 1; k >= 0; k--) {
      for (;;) {
        const o = 2 * x + 4 + 2 * k;
        const nx = I[o];
        if (nx !== 0 && (F[nx] < score || (F[nx] === score && this.ele[I[2 * nx + 2]] <= ele))) {
          rank += I[o + 1];
          x = nx;
        } else break;
      }
      if (x !== 0 && this.ele[I[2 * x + 2]] === ele) return rank;
    }
    return 0;
  }

  /** The node at a 1-based rank, or 0. */
  getElementByRank(rank: number): number {
    const I = this.i;
    let x = 0;
    let traversed = 0;
    for (let k = this.level - 1; k >= 0; k--) {
      for (;;) {
        const o = 2 * x + 4 + 2 * k;
        const nx = I[o];
        if (nx !== 0 && traversed + I[o + 1] <= rank) {
          traversed += I[o + 1];
          x = nx;
        } else break;
      }
      if (traversed === rank) return x;
    }
    return 0;
  }

  /** The first node with score >= min (> min when minex), or 0; fills `update`. */
  firstGte(min: number, minex: boolean): number {
    const I = this.i;
    const F = this.f;
    let x = 0;
    for (let k = this.level - 1; k >= 0; k--) {
      for (;;) {
        const nx = I[2 * x + 4 + 2 * k];
        if (nx !== 0 && (minex ? F[nx] <= min : F[nx] < min)) x = nx;
        else break;
      }
      this.update[k] = x;
    }
    return I[2 * x + 4];
  }

  /** The last node with score <= max (< max when maxex), or 0. */
  lastLte(max: number, maxex: boolean): number {
    const I = this.i;
    const F = this.f;
    let x = 0;
    for (let k = this.level - 1; k >= 0; k--) {
      for (;;) {
        const nx = I[2 * x + 4 + 2 * k];
        if (nx !== 0 && (maxex ? F[nx] < max : F[nx] <= max)) x = nx;
        else break;
      }
    }
    return x;
  }

  /** The first node whose member is >= (> when ex) s, or 0; fills `update`. */
  firstLexGte(s: string, ex: boolean): number {
    const I = this.i;
    let x = 0;
    for (let k = this.level - 1; k >= 0; k--) {
      for (;;) {
        const nx = I[2 * x + 4 + 2 * k];
        if (nx !== 0) {
          const e = this.ele[I[2 * nx + 2]];
          if (ex ? e <= s : e < s) {
            x = nx;
            continue;
          }
        }
        break;
      }
      this.update[k] = x;
    }
    return I[2 * x + 4];
  }

  /** The last node whose member is <= (< when ex) s, or 0. */
  lastLexLte(s: string, ex: boolean): number {
    const I = this.i;
    let x = 0;
    for (let k = this.level - 1; k >= 0; k--) {
      for (;;) {
        const nx = I[2 * x + 4 + 2 * k];
        if (nx !== 0) {
          const e = this.ele[I[2 * nx + 2]];
          if (ex ? e < s : e <= s) {
            x = nx;
            continue;
          }
        }
        break;
      }
    }
    return x;
  }

  /** Fills `update` with the path to the node at 1-based rank `start`; returns that node. */
  private seekRank(start: number): number {
    const I = this.i;
    let x = 0;
    let traversed = 0;
    for (let k = this.level - 1; k >= 0; k--) {
      for (;;) {
        const o = 2 * x + 4 + 2 * k;
        const nx = I[o];
        if (nx !== 0 && traversed + I[o + 1] < start) {
          traversed += I[o + 1];
          x = nx;
        } else break;
      }
      this.update[k] = x;
    }
    return I[2 * x + 4];
  }

  /** Unlinks and frees x (path in `update`); returns the node after it. */
  private deleteAt(x: number): number {
    const next = this.nextOf(x);
    this.unlink(x);
    this.release(x);
    return next;
  }

  /** zslDeleteRangeByScore; returns the number of nodes deleted. */
  deleteRangeByScore(min: number, minex: boolean, max: number, maxex: boolean): number {
    let x = this.firstGte(min, minex);
    let removed = 0;
    while (x !== 0 && (maxex ? this.f[x] < max : this.f[x] <= max)) {
      x = this.deleteAt(x);
      removed++;
    }
    return removed;
  }

  /** zslDeleteRangeByLex (min/max null = -/+ infinity). */
  deleteRangeByLex(min: string | null, minex: boolean, max: string | null, maxex: boolean): number {
    let x = min === null ? this.seekRank(1) : this.firstLexGte(min, minex);
    let removed = 0;
    while (x !== 0) {
      const e = this.eleOf(x);
      if (max !== null && (maxex ? e >= max : e > max)) break;
      x = this.deleteAt(x);
      removed++;
    }
    return removed;
  }

  /** zslDeleteRangeByRank with 1-based inclusive ranks. */
  deleteRangeByRank(start: number, end: number): number {
    let x = this.seekRank(start);
    let removed = 0;
    let traversed = start;
    while (x !== 0 && traversed <= end) {
      x = this.deleteAt(x);
      removed++;
      traversed++;
    }
    return removed;
  }

  /** Checks the structure's invariants (tests): order, spans, back pointers, ids, dict. */
  verify(): string | null {
    const I = this.i;
    let prev = 0;
    let n = 0;
    const rankOf = new Map<number, number>();
    for (let x = this.first(); x !== 0; x = this.nextOf(x)) {
      n++;
      if (n > this.length) return 'cycle at level 0';
      const id = this.idOf(x);
      if (id < 1 || id > this.length) return `id ${id} out of 1..${this.length}`;
      if (this.node[id] !== x) return `node of id ${id} is ${this.node[id]}, expected ${x}`;
      if (this.prevOf(x) !== prev) return `backward of ${x} is ${this.prevOf(x)}, expected ${prev}`;
      if (prev !== 0 && !this.before(prev, this.f[x], this.eleOf(x))) return `order broken at ${x}`;
      if (this.nodeOf(this.eleOf(x)) !== x) return `dict entry of ${JSON.stringify(this.eleOf(x))} is wrong`;
      rankOf.set(x, n);
      prev = x;
    }
    if (n !== this.length) return `level 0 has ${n} nodes, length ${this.length}`;
    if (this.ele.length !== this.length + 1) return `ele has ${this.ele.length} slots for ${this.length}`;
    if (this.tail !== prev) return `tail ${this.tail}, expected ${prev}`;
    const tableProblem = this.table.check(this.length);
    if (tableProblem !== null) return `member table: ${tableProblem}`;
    // Every level: links only to nodes that tall, spans equal rank differences.
    for (let k = 0; k < ZSKIPLIST_MAXLEVEL; k++) {
      let x = 0;
      for (;;) {
        if (x !== 0 && this.lvl[this.idOf(x)] <= k) return `node ${x} linked at level ${k} above its height`;
        const nx = I[2 * x + 4 + 2 * k];
        if (k >= this.level) {
          if (x === 0 && nx !== 0) return `header level ${k} set above level ${this.level}`;
          break;
        }
        // Redis leaves stale spans on the last node of a level; only links matter there.
        if (nx === 0) break;
        const rx = x === 0 ? 0 : rankOf.get(x)!;
        if (I[2 * x + 5 + 2 * k] !== rankOf.get(nx)! - rx) return `span at node ${x} level ${k} is wrong`;
        x = nx;
      }
    }
    if (this.level > 1 && I[4 + 2 * (this.level - 1)] === 0) return `top level ${this.level} is empty`;
    return null;
  }
}
