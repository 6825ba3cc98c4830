/**
 * V8 flags the server runs with (the CLI launcher passes them to the child it starts; the
 * bench passes them when it starts the server process itself).
 *
 * The young generation is capped at 2 MB per semi-space (V8's default grows it to 16 MB under
 * load, then keeps both semi-spaces resident: about 30 MB of RSS that holds no data, 12 B per
 * element of a 1,000,000-element list). Under pipelined SET/GET/LPUSH/RPOP/SADD/HSET/LRANGE
 * loads the server's CPU time measured the same with both sizes: requests leave little alive at
 * each scavenge, so a smaller nursery scavenges more often but no more in total.
 */
export const SEMI_SPACE_FLAG = '--max-semi-space-size=2';

const SEMI_SPACE_RE = /--max[-_]semi[-_]space[-_]size/;

/** Whether the flags (node's own arguments, or NODE_OPTIONS split) already size the young generation. */
export function setsSemiSpace(flags: readonly string[]): boolean {
  return flags.some((f) => SEMI_SPACE_RE.test(f));
}
