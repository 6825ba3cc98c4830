/**
 * String commands (t_string.c). Values live in the StringStore as bytes; GET copies them
 * straight into the reply buffer.
 */
import type { CommandSpec } from './types.js';
import type { Client } from '../server/client.js';
import { readString } from './util.js';
import { NOTIFY_STRING } from '../server/notify.js';

function getCommand(c: Client, argv: string[]): void {
  const h = readString(c, argv[1]);
  if (h === undefined) return;
  if (h === null) {
    c.out.nullBulk();
    return;
  }
  const v = c.db.strings.view(h);
  c.out.bulkBytes(v.buf, v.start, v.end);
}

function setCommand(c: Client, argv: string[]): void {
  const key = argv[1];
  const db = c.db;
  const old = db.dict.get(key);
  if (typeof old === 'number') {
    db.strings.overwrite(old, argv[2]);
    db.setKey(key, old);
  } else {
    db.setKey(key, db.strings.create(argv[2]));
  }
  c.server.keyModified(db, key, NOTIFY_STRING, 'set');
  c.out.ok();
}

export const specs: CommandSpec[] = [
  {
    name: 'get',
    arity: 2,
    flags: ['readonly', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    acl: ['string'],
    handler: getCommand,
  },
  {
    name: 'set',
    arity: -3,
    flags: ['write', 'denyoom'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    acl: ['string'],
    handler: setCommand,
  },
];
