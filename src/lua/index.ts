/** Respite's Lua 5.1 engine (see docs/LUA.md). */
export { LuaVM } from './vm.js';
export {
  LuaError,
  LuaKill,
  LuaTable,
  type LuaValue,
  type LuaFunction,
  type,
  rawToString,
  numberToString,
} from './value.js';
export { openLibs } from './lib/index.js';
