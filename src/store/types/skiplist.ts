/**
 * ZSkipList: the `skiplist` encoding of sorted sets — Redis's zskiplist (Pugh's skiplist with
 * spans for O(log n) ranks and a level-0 back pointer) plus the member -> node dict, laid
 * out in typed arrays instead of one heap object per node.
 *
 * - Nodes are integer ids. Id 0 is the header (32 levels); as a pointer, 0 means NULL.
 * - Live nodes always occupy ids 1..length (dense): deleting a node moves the last node into
 *   its slot. That gives O(1) random members (ZRANDMEMBER) and a SCAN-safe cursor (ZSCAN
 *   walks ids downwards; nodes only ever move down), like the keyspace Dict.
 * - A node's levels (forward id + span per level) are a block of `lvl[id]` slots in the
 *   shared `fwd`/`span` pools at `loff[id]`; freed blocks are reused per level count.
 *
 * Order: by score, then by member bytes (latin1 strings compare byte-wise).
 */

export const ZSKIPLIST_MAXLEVEL = 32;

export class ZSkipList {
  /** member -> node id */
  readonly dict = new Map<string, number>();
  length = 0;
  /** Levels in use (header levels >= level are NULL). */
  level = 1;
  tail = 0;
  score: Float64Array;
  ele: string[] = [''];
  backward: Int32Array;
  lvl: Uint8Array;
  loff: Int32Array;
  fwd: Int32Array;
  span: Int32Array;
  private poolTop = ZSKIPLIST_MAXLEVEL;
  /** Free level blocks by size: head offset (-1 = none), linked through fwd[off]. */
  private readonly freeHead = new Int32Array(ZSKIPLIST_MAXLEVEL + 1).fill(-1);
  /** Search paths (reused; every operation is synchronous). */
  readonly update = new Int32Array(ZSKIPLIST_MAXLEVEL);
  private readonly rank = new Float64Array(ZSKIPLIST_MAXLEVEL);
  private readonly path = new Int32Array(ZSKIPLIST_MAXLEVEL);

  constructor(capacity = 16) {
    const cap = capacity + 1;
    this.score = new Float64Array(cap);
    this.backward = new Int32Array(cap);
    this.lvl = new Uint8Array(cap);
    this.loff = new Int32Array(cap);
    const pool = ZSKIPLIST_MAXLEVEL + Math.ceil(capacity * 1.5);
    this.fwd = new Int32Array(pool);
    this.span = new Int32Array(pool);
    this.lvl[0] = ZSKIPLIST_MAXLEVEL;
  }

  /** Bytes held by the arrays (MEMORY USAGE estimate, members excluded). */
  arrayBytes(): number {
    return (
      this.score.byteLength +
      this.backward.byteLength +
      this.lvl.byteLength +
      this.loff.byteLength +
      this.fwd.byteLength +
      this.span.byteLength
    );
  }

  private growNodes(min: number): void {
    let cap = this.score.length * 2;
    while (cap < min) cap *= 2;
    const s = new Float64Array(cap);
    s.set(this.score);
    this.score = s;
    const b = new Int32Array(cap);
    b.set(this.backward);
    this.backward = b;
    const l = new Uint8Array(cap);
    l.set(this.lvl);
    this.lvl = l;
    const o = new Int32Array(cap);
    o.set(this.loff);
    this.loff = o;
  }

  private allocLevels(n: number): number {
    const head = this.freeHead[n];
    if (head !== -1) {
      this.freeHead[n] = this.fwd[head];
      return head;
    }
    const off = this.poolTop;
    this.poolTop += n;
    if (this.poolTop > this.fwd.length) {
      let cap = this.fwd.length * 2;
      while (cap < this.poolTop) cap *= 2;
      const f = new Int32Array(cap);
      f.set(this.fwd);
      this.fwd = f;
      const sp = new Int32Array(cap);
      sp.set(this.span);
      this.span = sp;
    }
    return off;
  }

  private freeLevels(off: number, n: number): void {
    this.fwd[off] = this.freeHead[n];
    this.freeHead[n] = off;
  }

  /** Redis's zslRandomLevel: P = 1/4 per extra level. */
  private static randomLevel(): number {
    let level = 1;
    while (Math.random() < 0.25 && level < ZSKIPLIST_MAXLEVEL) level++;
    return level;
  }

  /** True when node x sorts before (score, ele). */
  private before(x: number, score: number, ele: string): boolean {
    const s = this.score[x];
    return s < score || (s === score && this.ele[x] < ele);
  }

  first(): number {
    return this.fwd[this.loff[0]];
  }

  next(x: number): number {
    return this.fwd[this.loff[x]];
  }

  /** Inserts a member that is not in the dict yet; returns its node id. */
  insert(score: number, ele: string): number {
    const { update, rank, fwd, span, loff } = this;
    let x = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      rank[i] = i === this.level - 1 ? 0 : rank[i + 1];
      for (;;) {
        const o = loff[x] + i;
        const f = fwd[o];
        if (f !== 0 && this.before(f, score, ele)) {
          rank[i] += span[o];
          x = f;
        } else break;
      }
      update[i] = x;
    }
    const level = ZSkipList.randomLevel();
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        rank[i] = 0;
        update[i] = 0;
        this.span[this.loff[0] + i] = this.length;
      }
      this.level = level;
    }
    const id = this.length + 1;
    if (id >= this.score.length) this.growNodes(id + 1);
    const off = this.allocLevels(level);
    // allocLevels may have replaced the pools.
    const F = this.fwd;
    const S = this.span;
    const L = this.loff;
    this.score[id] = score;
    this.ele.push(ele);
    this.lvl[id] = level;
    L[id] = off;
    for (let i = 0; i < level; i++) {
      const uo = L[update[i]] + i;
      const xo = off + i;
      F[xo] = F[uo];
      F[uo] = id;
      S[xo] = S[uo] - (rank[0] - rank[i]);
      S[uo] = rank[0] - rank[i] + 1;
    }
    for (let i = level; i < this.level; i++) S[L[update[i]] + i]++;
    this.backward[id] = update[0];
    const nxt = F[off];
    if (nxt !== 0) this.backward[nxt] = id;
    else this.tail = id;
    this.length = id;
    this.dict.set(ele, id);
    return id;
  }

  /** zslDeleteNode: unlinks x given the search path in `update` (does not free it). */
  private unlink(x: number, update: Int32Array): void {
    const { fwd, span, loff } = this;
    const xo = loff[x];
    const xl = this.lvl[x];
    for (let i = 0; i < this.level; i++) {
      const uo = loff[update[i]] + i;
      if (i < xl && fwd[uo] === x) {
        span[uo] += span[xo + i] - 1;
        fwd[uo] = fwd[xo + i];
      } else {
        span[uo] -= 1;
      }
    }
    const nxt = fwd[xo];
    if (nxt !== 0) this.backward[nxt] = this.backward[x];
    else this.tail = this.backward[x];
    const h = loff[0];
    while (this.level > 1 && fwd[h + this.level - 1] === 0) this.level--;
  }

  /**
   * Frees the slot of an unlinked node: removes its member from the dict and moves the last
   * node into the hole. Returns the id that moved into x (or 0 when none moved); ids held in
   * `update` are remapped.
   */
  private release(x: number): number {
    this.dict.delete(this.ele[x]);
    this.freeLevels(this.loff[x], this.lvl[x]);
    const m = this.length;
    this.length = m - 1;
    if (x === m) {
      this.ele.pop();
      return 0;
    }
    // Find the predecessors of m at each of its levels and point them at x.
    const { fwd, loff, path } = this;
    const ms = this.score[m];
    const me = this.ele[m];
    let p = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (;;) {
        const f = fwd[loff[p] + i];
        if (f !== 0 && f !== m && this.before(f, ms, me)) p = f;
        else break;
      }
      path[i] = p;
    }
    const ml = this.lvl[m];
    for (let i = 0; i < ml; i++) fwd[loff[path[i]] + i] = x;
    this.score[x] = ms;
    this.ele[x] = me;
    this.lvl[x] = ml;
    loff[x] = loff[m];
    this.backward[x] = this.backward[m];
    const nxt = fwd[loff[x]];
    if (nxt !== 0) this.backward[nxt] = x;
    else this.tail = x;
    for (let i = 0; i < ZSKIPLIST_MAXLEVEL; i++) if (this.update[i] === m) this.update[i] = x;
    this.ele.pop();
    this.dict.set(me, x);
    return m;
  }

  /** Fills `update` with the path to the first node >= (score, ele); returns that node (0 = none). */
  private seek(score: number, ele: string): number {
    const { update, fwd, loff } = this;
    let x = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (;;) {
        const f = fwd[loff[x] + i];
        if (f !== 0 && this.before(f, score, ele)) x = f;
        else break;
      }
      update[i] = x;
    }
    return fwd[loff[x]];
  }

  /** Deletes a member; returns false when absent. */
  delete(ele: string): boolean {
    const id = this.dict.get(ele);
    if (id === undefined) return false;
    const x = this.seek(this.score[id], ele);
    this.unlink(x, this.update);
    this.release(x);
    return true;
  }

  /**
   * Changes the score of member node x (zslUpdateScore): in place when the order does not
   * change, otherwise removed and reinserted. Returns the member's node id afterwards.
   */
  updateScore(x: number, newScore: number): number {
    const back = this.backward[x];
    const nxt = this.fwd[this.loff[x]];
    const ele = this.ele[x];
    if (
      (back === 0 ||
        this.score[back] < newScore ||
        (this.score[back] === newScore && this.ele[back] < ele)) &&
      (nxt === 0 || this.score[nxt] > newScore || (this.score[nxt] === newScore && this.ele[nxt] > ele))
    ) {
      this.score[x] = newScore;
      return x;
    }
    const found = this.seek(this.score[x], ele);
    this.unlink(found, this.update);
    this.release(found);
    return this.insert(newScore, ele);
  }

  /** 1-based rank of a node (zslGetRank), 0 when not found. */
  getRank(score: number, ele: string): number {
    const { fwd, span, loff } = this;
    let x = 0;
    let rank = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (;;) {
        const o = loff[x] + i;
        const f = fwd[o];
        if (f !== 0 && (this.score[f] < score || (this.score[f] === score && this.ele[f] <= ele))) {
          rank += span[o];
          x = f;
        } else break;
      }
      if (x !== 0 && this.ele[x] === ele) return rank;
    }
    return 0;
  }

  /** The node at a 1-based rank, or 0. */
  getElementByRank(rank: number): number {
    const { fwd, span, loff } = this;
    let x = 0;
    let traversed = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (;;) {
        const o = loff[x] + i;
        const f = fwd[o];
        if (f !== 0 && traversed + span[o] <= rank) {
          traversed += span[o];
          x = f;
        } else break;
      }
      if (traversed === rank) return x;
    }
    return 0;
  }

  /** The first node with score >= min (> min when minex), or 0. */
  firstGte(min: number, minex: boolean): number {
    const { fwd, loff } = this;
    let x = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (;;) {
        const f = fwd[loff[x] + i];
        if (f !== 0 && (minex ? this.score[f] <= min : this.score[f] < min)) x = f;
        else break;
      }
      this.update[i] = x;
    }
    return fwd[loff[x]];
  }

  /** The last node with score <= max (< max when maxex), or 0. */
  lastLte(max: number, maxex: boolean): number {
    const { fwd, loff } = this;
    let x = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (;;) {
        const f = fwd[loff[x] + i];
        if (f !== 0 && (maxex ? this.score[f] < max : this.score[f] <= max)) x = f;
        else break;
      }
    }
    return x;
  }

  /** The first node whose member is >= (> when ex) s, or 0; fills `update`. */
  firstLexGte(s: string, ex: boolean): number {
    const { fwd, loff } = this;
    let x = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (;;) {
        const f = fwd[loff[x] + i];
        if (f !== 0 && (ex ? this.ele[f] <= s : this.ele[f] < s)) x = f;
        else break;
      }
      this.update[i] = x;
    }
    return fwd[loff[x]];
  }

  /** The last node whose member is <= (< when ex) s, or 0. */
  lastLexLte(s: string, ex: boolean): number {
    const { fwd, loff } = this;
    let x = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (;;) {
        const f = fwd[loff[x] + i];
        if (f !== 0 && (ex ? this.ele[f] < s : this.ele[f] <= s)) x = f;
        else break;
      }
    }
    return x;
  }

  /** Fills `update` with the path to the node at 1-based rank `start`; returns that node. */
  seekRank(start: number): number {
    const { fwd, span, loff } = this;
    let x = 0;
    let traversed = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      for (;;) {
        const o = loff[x] + i;
        const f = fwd[o];
        if (f !== 0 && traversed + span[o] < start) {
          traversed += span[o];
          x = f;
        } else break;
      }
      this.update[i] = x;
    }
    return fwd[loff[x]];
  }

  /** Unlinks and frees x (path in `update`); returns the node after it (remapped if it moved). */
  private deleteAt(x: number): number {
    let next = this.fwd[this.loff[x]];
    this.unlink(x, this.update);
    const moved = this.release(x);
    if (moved !== 0 && next === moved) next = x;
    return next;
  }

  /** zslDeleteRangeByScore; returns the number of nodes deleted. */
  deleteRangeByScore(min: number, minex: boolean, max: number, maxex: boolean): number {
    let x = this.firstGte(min, minex);
    let removed = 0;
    while (x !== 0 && (maxex ? this.score[x] < max : this.score[x] <= max)) {
      x = this.deleteAt(x);
      removed++;
    }
    return removed;
  }

  /** zslDeleteRangeByLex (min/max null = -/+ infinity). */
  deleteRangeByLex(min: string | null, minex: boolean, max: string | null, maxex: boolean): number {
    let x = min === null ? this.seekRank(1) : this.firstLexGte(min, minex);
    let removed = 0;
    while (x !== 0 && (max === null || (maxex ? this.ele[x] < max : this.ele[x] <= max))) {
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

  /** Checks the structure's invariants (tests): order, spans, back pointers, dict. */
  verify(): string | null {
    const { fwd, span, loff } = this;
    // Level 0: order and back pointers.
    let prev = 0;
    let n = 0;
    for (let x = fwd[loff[0]]; x !== 0; x = fwd[loff[x]]) {
      n++;
      if (x < 1 || x > this.length) return `node id ${x} out of 1..${this.length}`;
      if (this.backward[x] !== prev) return `backward of ${x} is ${this.backward[x]}, expected ${prev}`;
      if (prev !== 0 && !this.before(prev, this.score[x], this.ele[x])) return `order broken at ${x}`;
      if (this.dict.get(this.ele[x]) !== x) return `dict entry of ${JSON.stringify(this.ele[x])} is wrong`;
      prev = x;
      if (n > this.length) return 'cycle at level 0';
    }
    if (n !== this.length) return `level 0 has ${n} nodes, length ${this.length}`;
    if (this.tail !== prev) return `tail ${this.tail}, expected ${prev}`;
    if (this.dict.size !== this.length) return `dict size ${this.dict.size} != length ${this.length}`;
    // Ranks at level 0.
    const rankOf = new Int32Array(this.length + 1);
    let r = 0;
    for (let x = fwd[loff[0]]; x !== 0; x = fwd[loff[x]]) rankOf[x] = ++r;
    // Every level: spans equal rank differences (span to NULL = length - rank).
    for (let i = 0; i < ZSKIPLIST_MAXLEVEL; i++) {
      let x = 0;
      for (;;) {
        if (x !== 0 && this.lvl[x] <= i) return `node ${x} linked at level ${i} above its height`;
        const f = fwd[loff[x] + i];
        if (i >= this.level) {
          if (x === 0 && f !== 0) return `header level ${i} set above level ${this.level}`;
          break;
        }
        const rx = x === 0 ? 0 : rankOf[x];
        if (f === 0) {
          // Redis leaves stale spans on the last node of a level; only links matter there.
          break;
        }
        if (span[loff[x] + i] !== rankOf[f] - rx) return `span at node ${x} level ${i} is wrong`;
        x = f;
      }
    }
    if (this.level > 1 && fwd[loff[0] + this.level - 1] === 0) return `top level ${this.level} is empty`;
    return null;
  }
}
