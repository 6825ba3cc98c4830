/** Command-line options of the bench and small helpers shared by its modes. */

export interface Options {
  /** The arguments as given, for the report. */
  args: string[];
  mode:
    | 'main'
    | 'scale'
    | 'profile'
    | 'collections'
    | 'tls'
    | 'geo'
    | 'acl'
    | 'multi'
    | 'persistence'
    | 'streams'
    | 'bits'
    | 'values'
    | 'lua'
    | 'pubsub'
    | 'eviction'
    | 'gateway'
    | 'scripting'
    | 'bullmq';
  quick: boolean;
  write: boolean;
  repeat: number;
  requests: number;
  latencyRequests: number;
  tests: string[];
  keys: number;
  /** Elements in the one key of each type in the collections memory test. */
  collElements: number;
  /** Collections run: only the memory part (`--coll-memory-only`), with `--coll-types`. */
  collMemoryOnly: boolean;
  /** Collections memory part: the types to measure (`--coll-types hash,set`; default all). */
  collTypes: string[];
  scaleKeys: number;
  scaleSeconds: number;
  profilePipeline: number;
  profileRequests: number;
  /** Tests of the profile run (`--profile-tests`). */
  profileTests: string;
  /** Members preloaded into the geo set of the geo run (`--geo-points`). */
  geoPoints: number;
  /** Jobs per measured run of the BullMQ bench (`--bullmq-jobs`). */
  bullmqJobs: number;
  /** Profile Respite (node --cpu-prof) during the BullMQ bench (`--bullmq-profile`). */
  bullmqProfile: boolean;
  /** Gateway run: subscribers per transport and publish rate (0 = the mode's defaults). */
  gatewaySubscribers: number;
  gatewayRate: number;
  /** Gateway run: a directory for the server's --cpu-prof profiles ('' = none). */
  gatewayCpuProf: string;
  /** Gateway run: transports to run (`--gateway-kinds resp,sse,ws`). */
  gatewayKinds: string;
  /** Gateway run: the publisher's pacing tick in ms (`--gateway-tick-ms`, 0 = the default 10). */
  gatewayTickMs: number;
  /** Gateway run: subscriber client threads (`--gateway-client-threads`, 0 = automatic). */
  gatewayClientThreads: number;
  /** Gateway run: the server's http-flush-interval in ms (`--gateway-flush-ms`, -1 = its default). */
  gatewayFlushMs: number;
}

export function parseOptions(argv: string[]): Options {
  const o: Options = {
    args: argv,
    mode: 'main',
    quick: false,
    write: true,
    repeat: 1,
    requests: 500000,
    latencyRequests: 100000,
    tests: ['set', 'get', 'incr', 'lpush', 'mset'],
    keys: 1000000,
    collElements: 1000000,
    collMemoryOnly: false,
    collTypes: [],
    scaleKeys: 10000000,
    scaleSeconds: 20,
    profilePipeline: 16,
    profileRequests: 2000000,
    profileTests: 'set,get',
    geoPoints: 100000,
    bullmqJobs: 20000,
    bullmqProfile: false,
    gatewaySubscribers: 0,
    gatewayRate: 0,
    gatewayCpuProf: '',
    gatewayKinds: 'resp,sse,ws',
    gatewayTickMs: 0,
    gatewayClientThreads: 0,
    gatewayFlushMs: -1,
  };
  const num = (i: number) => {
    const v = Number(argv[i]);
    if (!Number.isFinite(v) || v <= 0) throw new Error(`${argv[i - 1]} needs a positive number`);
    return v;
  };
  const explicit = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    explicit.add(a);
    if (a === '--scale') o.mode = 'scale';
    else if (a === '--profile') o.mode = 'profile';
    else if (a === '--collections') o.mode = 'collections';
    else if (a === '--tls') o.mode = 'tls';
    else if (a === '--eviction') o.mode = 'eviction';
    else if (a === '--geo') o.mode = 'geo';
    else if (a === '--geo-points') o.geoPoints = num(++i);
    else if (a === '--acl') o.mode = 'acl';
    else if (a === '--multi') o.mode = 'multi';
    else if (a === '--persistence') o.mode = 'persistence';
    else if (a === '--streams') o.mode = 'streams';
    else if (a === '--bits') o.mode = 'bits';
    else if (a === '--values') o.mode = 'values';
    else if (a === '--pubsub') o.mode = 'pubsub';
    else if (a === '--gateway') o.mode = 'gateway';
    else if (a === '--gateway-subscribers') o.gatewaySubscribers = num(++i);
    else if (a === '--gateway-rate') o.gatewayRate = num(++i);
    else if (a === '--gateway-cpu-prof') o.gatewayCpuProf = String(argv[++i]);
    else if (a === '--gateway-kinds') o.gatewayKinds = String(argv[++i]);
    else if (a === '--gateway-tick-ms') o.gatewayTickMs = num(++i);
    else if (a === '--gateway-client-threads') o.gatewayClientThreads = num(++i);
    else if (a === '--gateway-flush-ms') {
      o.gatewayFlushMs = Number(argv[++i]);
      if (!(o.gatewayFlushMs >= 0)) throw new Error('--gateway-flush-ms needs a number >= 0');
    } else if (a === '--lua') o.mode = 'lua';
    else if (a === '--scripting') o.mode = 'scripting';
    else if (a === '--bullmq') o.mode = 'bullmq';
    else if (a === '--bullmq-jobs') o.bullmqJobs = num(++i);
    else if (a === '--bullmq-profile') o.bullmqProfile = true;
    else if (a === '--quick') o.quick = true;
    else if (a === '--no-write') o.write = false;
    else if (a === '--repeat') o.repeat = num(++i);
    else if (a === '--requests') o.requests = num(++i);
    else if (a === '--latency-requests') o.latencyRequests = num(++i);
    else if (a === '--tests') o.tests = String(argv[++i]).toLowerCase().split(',');
    else if (a === '--keys') o.keys = num(++i);
    else if (a === '--coll-elements') o.collElements = num(++i);
    else if (a === '--coll-memory-only') o.collMemoryOnly = true;
    else if (a === '--coll-types') o.collTypes = String(argv[++i]).toLowerCase().split(',');
    else if (a === '--scale-keys') o.scaleKeys = num(++i);
    else if (a === '--scale-seconds') o.scaleSeconds = num(++i);
    else if (a === '--profile-pipeline') o.profilePipeline = num(++i);
    else if (a === '--profile-requests') o.profileRequests = num(++i);
    else if (a === '--profile-tests') o.profileTests = String(argv[++i]).toLowerCase();
    else throw new Error(`unknown option ${a} (see the header of bench/run.ts)`);
  }
  if (o.quick) {
    if (!explicit.has('--requests')) o.requests = 50000;
    if (!explicit.has('--latency-requests')) o.latencyRequests = 10000;
    if (!explicit.has('--keys')) o.keys = 100000;
    if (!explicit.has('--coll-elements')) o.collElements = 100000;
    if (!explicit.has('--scale-keys')) o.scaleKeys = 1000000;
    if (!explicit.has('--scale-seconds')) o.scaleSeconds = 4;
    if (!explicit.has('--profile-requests')) o.profileRequests = 200000;
    if (!explicit.has('--bullmq-jobs')) o.bullmqJobs = 3000;
    o.write = false; // a smoke test never replaces the published figures
  }
  if (o.collMemoryOnly || o.collTypes.length > 0) o.write = false; // a partial run neither
  return o;
}

export function say(s: string): void {
  process.stdout.write(s + '\n');
}

export function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export function naFromError(msg: string): string {
  return /unknown command/i.test(msg) ? 'n/a (not implemented)' : `n/a (error: ${msg.slice(0, 80)})`;
}

/** The command that produced a report, as a user would type it. */
export function commandLine(o: Options): string {
  return `npm run bench${o.args.length ? ' -- ' + o.args.join(' ') : ''}`;
}
