/** Commands of this group: see docs/COMPATIBILITY.md. */
import type { CommandSpec } from './types.js';

export const specs: CommandSpec[] = [];
