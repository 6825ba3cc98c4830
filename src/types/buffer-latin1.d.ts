// Node's Buffer has fast latin1 accessors that @types/node does not declare. They are the
// cheapest way to move binary-safe ("one char = one byte") strings in and out of buffers.
declare global {
  interface Buffer {
    latin1Slice(start?: number, end?: number): string;
    latin1Write(str: string, offset?: number, length?: number): number;
  }
}
export {};
