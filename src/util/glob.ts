/** Redis's glob matching (util.c stringmatchlen), for KEYS, SCAN MATCH, COMMAND LIST, ... */

/** stringmatchlen: Redis's glob (`*`, `?`, `[a-z]`, `[^x]`, `\` escapes). */
export function globMatch(pattern: string, s: string, nocase: boolean): boolean {
  if (nocase) {
    pattern = pattern.toLowerCase();
    s = s.toLowerCase();
  }
  return matchAt(pattern, 0, s, 0);
}

function matchAt(p: string, pi: number, s: string, si: number): boolean {
  while (pi < p.length) {
    const ch = p[pi];
    if (ch === '*') {
      while (pi + 1 < p.length && p[pi + 1] === '*') pi++;
      if (pi + 1 === p.length) return true;
      for (let k = si; k <= s.length; k++) if (matchAt(p, pi + 1, s, k)) return true;
      return false;
    }
    if (si >= s.length) return false;
    if (ch === '?') {
      pi++;
      si++;
      continue;
    }
    if (ch === '[') {
      pi++;
      const not = p[pi] === '^';
      if (not) pi++;
      let matched = false;
      for (;;) {
        if (pi >= p.length) {
          pi--;
          break;
        }
        if (p[pi] === '\\' && pi + 1 < p.length) {
          pi++;
          if (p[pi] === s[si]) matched = true;
        } else if (p[pi] === ']') {
          break;
        } else if (pi + 2 < p.length && p[pi + 1] === '-') {
          let a = p.charCodeAt(pi);
          let b = p.charCodeAt(pi + 2);
          const x = s.charCodeAt(si);
          if (a > b) [a, b] = [b, a];
          if (x >= a && x <= b) matched = true;
          pi += 2;
        } else if (p[pi] === s[si]) {
          matched = true;
        }
        pi++;
      }
      if (not) matched = !matched;
      if (!matched) return false;
      pi++;
      si++;
      continue;
    }
    if (ch === '\\' && pi + 1 < p.length) pi++;
    if (p[pi] !== s[si]) return false;
    pi++;
    si++;
  }
  return si === s.length;
}
