/**
 * Glob-style matching as Redis's stringmatchlen (util.c): `*`, `?`, `[abc]`, `[^a-z]`,
 * `\x` escapes, optionally case-insensitive. Used by CONFIG GET patterns and `include`
 * globs.
 */
export function stringmatch(pattern: string, str: string, nocase: boolean): boolean {
  return matchAt(pattern, 0, str, 0, nocase, 0);
}

function lower(c: string, nocase: boolean): string {
  return nocase ? c.toLowerCase() : c;
}

function matchAt(p: string, pi: number, s: string, si: number, nocase: boolean, depth: number): boolean {
  // Redis bounds the recursion of consecutive stars; so do we.
  if (depth > 1000) return false;
  while (pi < p.length && si <= s.length) {
    const pc = p[pi];
    switch (pc) {
      case '*': {
        while (pi + 1 < p.length && p[pi + 1] === '*') pi++;
        if (pi + 1 === p.length) return true;
        for (let k = si; k <= s.length; k++) if (matchAt(p, pi + 1, s, k, nocase, depth + 1)) return true;
        return false;
      }
      case '?':
        if (si >= s.length) return false;
        si++;
        break;
      case '[': {
        if (si >= s.length) return false;
        pi++;
        const not = p[pi] === '^';
        if (not) pi++;
        let match = false;
        const c = lower(s[si], nocase);
        for (;;) {
          if (pi >= p.length) {
            pi--;
            break;
          }
          if (p[pi] === '\\' && pi + 2 < p.length) {
            pi++;
            if (lower(p[pi], nocase) === c) match = true;
          } else if (p[pi] === ']') {
            break;
          } else if (pi + 2 < p.length && p[pi + 1] === '-') {
            let start = lower(p[pi], nocase);
            let end = lower(p[pi + 2], nocase);
            if (start > end) [start, end] = [end, start];
            pi += 2;
            if (c >= start && c <= end) match = true;
          } else if (lower(p[pi], nocase) === c) {
            match = true;
          }
          pi++;
        }
        if (not) match = !match;
        if (!match) return false;
        si++;
        break;
      }
      default:
        if (pc === '\\' && pi + 1 < p.length) pi++;
        if (si >= s.length || lower(p[pi], nocase) !== lower(s[si], nocase)) return false;
        si++;
        break;
    }
    pi++;
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length && si === s.length;
}
