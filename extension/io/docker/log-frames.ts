import { LineSplitter } from './streams';

export type LogStream = 'stdout' | 'stderr';

/**
 * Docker's log framing for containers without a TTY: an 8-byte header (stream 1 = stdout, 2 = stderr,
 * three zero bytes, big-endian payload length) before each payload. Data that does not start with such a
 * header (a container created with a TTY) is passed through as stdout.
 */
export class LogFrames {
  private pending: Buffer = Buffer.alloc(0);
  private raw = false;
  private readonly lines: Record<LogStream, LineSplitter>;

  constructor(onLine: (line: string, stream: LogStream) => void) {
    this.lines = { stdout: new LineSplitter((line) => onLine(line, 'stdout')), stderr: new LineSplitter((line) => onLine(line, 'stderr')) };
  }

  push(chunk: Buffer): void {
    if (this.raw) {
      this.lines.stdout.push(chunk);
      return;
    }
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const { frames, rest, raw } = splitFrames(this.pending);
    for (const frame of frames) this.lines[frame.stream].push(frame.payload);
    this.pending = rest;
    if (raw) {
      this.raw = true;
      this.lines.stdout.push(this.pending);
      this.pending = Buffer.alloc(0);
    }
  }

  /**
   * Takes each stream's last message from a fresh read of the log's end (`tail`), and passes on the ones
   * the followed stream missed: output that does not end in a newline, not yet received.
   */
  recover(tail: Buffer): void {
    const last: Partial<Record<LogStream, Buffer>> = {};
    for (const frame of splitFrames(tail).frames) last[frame.stream] = frame.payload;
    for (const stream of ['stdout', 'stderr'] as const) {
      const payload = last[stream];
      if (payload === undefined || payload.length === 0 || payload[payload.length - 1] === 0x0a) continue;
      if (!this.lines[stream].endsWith(payload)) this.lines[stream].push(payload);
    }
  }

  end(): void {
    // Frames arrive whole unless the stream was cut; a cut-off frame's bytes are still output.
    if (this.pending.length > 8) this.lines.stdout.push(this.pending.subarray(8));
    this.pending = Buffer.alloc(0);
    this.lines.stdout.end();
    this.lines.stderr.end();
  }
}

/** Whole frames at the start of `data`, the bytes after them, and whether `data` is not framed at all. */
export function splitFrames(data: Buffer): { frames: { stream: LogStream; payload: Buffer }[]; rest: Buffer; raw: boolean } {
  const frames: { stream: LogStream; payload: Buffer }[] = [];
  let offset = 0;
  while (data.length - offset >= 8) {
    const kind = data[offset];
    if ((kind !== 0 && kind !== 1 && kind !== 2) || data[offset + 1] !== 0 || data[offset + 2] !== 0 || data[offset + 3] !== 0) {
      return { frames, rest: data.subarray(offset), raw: true };
    }
    const size = data.readUInt32BE(offset + 4);
    if (data.length - offset < 8 + size) break;
    frames.push({ stream: kind === 2 ? 'stderr' : 'stdout', payload: data.subarray(offset + 8, offset + 8 + size) });
    offset += 8 + size;
  }
  return { frames, rest: data.subarray(offset), raw: false };
}
