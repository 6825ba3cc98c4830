/**
 * Glob-style pattern matching with exactly Redis's semantics (util.c stringmatchlen), used by
 * KEYS, SCAN MATCH, PSUBSCRIBE/PUBSUB, CONFIG GET and ACL key patterns.
 *
 * Pattern and subject are latin1 strings (one char = one byte). Behaviours kept from Redis:
 * - `*` any run, `?` one byte, `[abc]`, `[^abc]`, `[a-z]` (reversed ranges are swapped),
 *   `\x` matches x literally (also inside brackets); an unterminated `[` class runs to the
 *   end of the pattern; a trailing lone `\` matches a backslash.
 * - Ranges compare bytes as C's signed `char`: bytes 0x80-0xff sort below 0x00.
 * - nocase folds only A-Z (the C locale's tolower); `\`-escaped chars inside a class are
 *   compared case-sensitively, as Redis does.
 * - Recursion deeper than 1000 nested `*` gives "no match" (protection against abusive
 *   patterns), and a failed `*` tail stops longer matches of earlier stars early.
 */

const STAR = 42; // *
const QMARK = 63; // ?
const LBRACKET = 91; // [
const RBRACKET = 93; // ]
const BACKSLASH = 92; // \
const CARET = 94; // ^
const DASH = 45; // -

const MAX_NESTING = 1000;

/** C's tolower in the C locale: only A-Z change. */
function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** A byte as C's signed char on x86/ARM64 Linux (where Redis compares range bounds). */
function signedChar(c: number): number {
  return c >= 128 ? c - 256 : c;
}

/** Shared state of one match: set when a `*` tail failed everywhere (no longer match can help). */
let skipLongerMatches = false;

function matchImpl(p: string, pi: number, s: string, si: number, nocase: boolean, nesting: number): boolean {
  if (nesting > MAX_NESTING) return false;
  const pend = p.length;
  const send = s.length;
  while (pi < pend && si < send) {
    const pc = p.charCodeAt(pi);
    switch (pc) {
      case STAR: {
        while (pi + 1 < pend && p.charCodeAt(pi + 1) === STAR) pi++;
        if (pi + 1 === pend) return true;
        while (si < send) {
          if (matchImpl(p, pi + 1, s, si, nocase, nesting + 1)) return true;
          if (skipLongerMatches) return false;
          si++;
        }
        skipLongerMatches = true;
        return false;
      }
      case QMARK:
        si++;
        break;
      case LBRACKET: {
        pi++;
        const not = pi < pend && p.charCodeAt(pi) === CARET;
        if (not) pi++;
        let match = false;
        const sc = s.charCodeAt(si);
        for (;;) {
          const left = pend - pi;
          const c0 = left > 0 ? p.charCodeAt(pi) : 0;
          if (c0 === BACKSLASH && left >= 2) {
            pi++;
            if (p.charCodeAt(pi) === sc) match = true;
          } else if (left > 0 && c0 === RBRACKET) {
            break;
          } else if (left === 0) {
            // Unterminated class: step back so the increment below lands on the end.
            pi--;
            break;
          } else if (left >= 3 && p.charCodeAt(pi + 1) === DASH) {
            let start = signedChar(c0);
            let end = signedChar(p.charCodeAt(pi + 2));
            let c = signedChar(sc);
            if (start > end) {
              const t = start;
              start = end;
              end = t;
            }
            if (nocase) {
              start = lower(start);
              end = lower(end);
              c = lower(c);
            }
            pi += 2;
            if (c >= start && c <= end) match = true;
          } else if (!nocase) {
            if (c0 === sc) match = true;
          } else if (lower(c0) === lower(sc)) {
            match = true;
          }
          pi++;
        }
        if (not) match = !match;
        if (!match) return false;
        si++;
        break;
      }
      default: {
        // A `\` escapes the next char (a trailing lone `\` is literal).
        if (pc === BACKSLASH && pend - pi >= 2) pi++;
        const lit = p.charCodeAt(pi);
        const sc = s.charCodeAt(si);
        if (nocase ? lower(lit) !== lower(sc) : lit !== sc) return false;
        si++;
        break;
      }
    }
    pi++;
    if (si === send) {
      while (pi < pend && p.charCodeAt(pi) === STAR) pi++;
      break;
    }
  }
  return pi === pend && si === send;
}

/** True when `s` matches the glob `pattern` (Redis's stringmatchlen). */
export function globMatch(pattern: string, s: string, nocase = false): boolean {
  skipLongerMatches = false;
  return matchImpl(pattern, 0, s, 0, nocase, 0);
}

/** True when the pattern is a lone `*` (matches everything: callers skip matching). */
export function matchesAll(pattern: string): boolean {
  return pattern.length === 1 && pattern.charCodeAt(0) === STAR;
}
