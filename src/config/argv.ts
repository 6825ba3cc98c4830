/**
 * Command-line arguments of `respite-server`, interpreted exactly as redis-server's main()
 * does: an optional config file first, `-` to read config from standard input, and
 * `--name value ...` options turned into config lines appended after the file.
 */
import { splitArgs } from '../protocol/parser.js';
import { repr } from './rewrite.js';

export interface ParsedArgv {
  /** The config file given as the first argument, as written. */
  configFile?: string;
  /** `-` was given: read config from standard input (after the file). */
  configFromStdin: boolean;
  /** The options as config text: `port "7777"\nbind "127.0.0.1" "::1"`. */
  options: string;
}

export function parseServerArgv(args: string[]): ParsedArgv {
  let j = 0;
  let configFile: string | undefined;
  let configFromStdin = false;
  let options = '';
  if (args.length > 0 && !args[0].startsWith('-')) {
    configFile = args[0];
    j = 1;
  }
  // False right after an option name given alone (`--port`): the next word is its value
  // even if it starts with `--`.
  let handledLastConfigArg = true;
  for (; j < args.length; j++) {
    const a = args[j];
    if (a === '-' && (j === 0 || j === args.length - 1)) {
      configFromStdin = true;
    } else if (handledLastConfigArg && a.startsWith('--')) {
      if (options.length > 0) options += '\n';
      options += a.slice(2) + ' ';
      const words = splitArgs(a);
      if (words !== null && words.length === 1) {
        handledLastConfigArg = false;
        const next = args[j + 1];
        const last = j === args.length - 1;
        const isSave = a.toLowerCase() === '--save';
        if (!last && next.startsWith('--') && isSave) {
          // `--save --port 1` means `save ""` (what scripts built from an empty list produce).
          options += '""';
          handledLastConfigArg = true;
        } else if (last && isSave) {
          options += '""';
        } else if (!last && next.startsWith('--') && a.toLowerCase() === '--sentinel') {
          handledLastConfigArg = true;
        }
      } else {
        handledLastConfigArg = true;
      }
    } else {
      options += repr(a) + ' ';
      handledLastConfigArg = true;
    }
  }
  return { configFile, configFromStdin, options };
}
