// tar-fs ships no types and @types/tar-fs would be a dependency for one function; this is the part we call.
declare module 'tar-fs' {
  import type { Readable } from 'node:stream';

  /** A tar stream of `entries` (paths relative to `cwd`; links are packed as links). */
  export function pack(cwd: string, options?: { entries?: string[] }): Readable;
}
