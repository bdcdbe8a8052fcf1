import { z } from 'zod';
import type { BuildProgress } from '../../core/ports';
import { explainEngineMessage } from './engine-errors';

export const buildMessage = z.object({
  stream: z.string().optional(),
  error: z.string().optional(),
  errorDetail: z.object({ message: z.string().optional() }).optional(),
  aux: z.object({ ID: z.string().optional() }).optional(),
});

/** The classic builder colours a step's stderr red; in a log the escape codes are noise. */
const colourCodes = new RegExp(`${String.fromCharCode(0x1b)}\\[[0-9;]*m`, 'g');
const stepLine = /^Step (\d+)\/(\d+) : (.*)$/;
/** The builder's own bookkeeping between steps; not output of the user's commands. */
const builderChatter = /^( ---> |Removing intermediate container |Successfully (built|tagged) )/;
const failureTailLines = 30;

/** Follows the classic builder's output: progress per line, the step being run, and how it ended. */
export class BuildOutput {
  private text = '';
  private step: { index: number; total: number; instruction: string } | undefined;
  private stepOutput: string[] = [];
  private imageId: string | undefined;

  constructor(private readonly onProgress: ((progress: BuildProgress) => void) | undefined) {}

  take(value: unknown): void {
    const message = buildMessage.parse(value);
    if (message.stream !== undefined) {
      this.text += message.stream;
      const lines = this.text.split('\n');
      this.text = lines.pop() ?? '';
      for (const line of lines) this.line(line);
    }
    if (message.aux?.ID !== undefined) this.imageId = message.aux.ID;
    const failure = message.errorDetail?.message ?? message.error;
    if (failure !== undefined) {
      if (this.text !== '') this.line(this.text);
      this.text = '';
      throw new Error(this.describeFailure(failure.trim()));
    }
  }

  finish(tag: string): void {
    if (this.text !== '') this.line(this.text);
    this.text = '';
    // The classic builder always ends with the image id or an error; neither means the stream was cut.
    if (this.imageId === undefined) throw new Error(`The image build of ${tag} ended without a result: the Docker engine closed the connection early.`);
  }

  private line(raw: string): void {
    const line = raw.replace(/\r$/, '').replace(colourCodes, '');
    const match = stepLine.exec(line);
    if (match !== null) {
      this.step = { index: Number(match[1]), total: Number(match[2]), instruction: match[3] ?? '' };
      this.stepOutput = [];
      this.onProgress?.({ line, step: this.step });
      return;
    }
    if (!builderChatter.test(line)) {
      this.stepOutput.push(line);
      if (this.stepOutput.length > failureTailLines) this.stepOutput.shift();
    }
    this.onProgress?.({ line });
  }

  private describeFailure(engineText: string): string {
    const reason = explainEngineMessage(engineText) ?? engineText;
    const where = this.step !== undefined ? `The image build failed at step ${this.step.index}/${this.step.total} (${this.step.instruction})` : 'The image build failed';
    const output = this.stepOutput.filter((line) => line.trim() !== '');
    return output.length > 0 ? `${where}: ${reason}\nLast ${output.length} lines of its output:\n${output.join('\n')}` : `${where}: ${reason}`;
  }
}
