import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BuildProgress } from '../../../../extension/core/ports';
import { BuildOutput } from '../../../../extension/io/docker/build-output';
import { containerEvent, engineStats, resourceSample } from '../../../../extension/io/docker/engine-events';
import { LogFrames } from '../../../../extension/io/docker/log-frames';
import { jsonLines } from '../../../../extension/io/docker/streams';
import { repoRoot } from '../../repo-paths';

/** The Docker adapter's parsers on bytes recorded from a real engine (test/fixtures/docker/README.md). */

const recorded = (name: string): Buffer => readFileSync(path.join(repoRoot, 'test/fixtures/docker', name));
const jsonValues = (name: string): unknown[] => recorded(name).toString('utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as unknown);

describe('Docker parsers on recorded engine output', () => {
  it('demultiplexes a log stream, whole or cut at every byte (headers and UTF-8 characters split across chunks)', () => {
    const bytes = recorded('logs.bin');
    const expected = [['stdout', 'to stdout'], ['stderr', 'to stderr'], ['stdout', 'no newline, ünïcödé']];
    for (let cut = 0; cut <= bytes.length; cut++) {
      const lines: string[][] = [];
      const frames = new LogFrames((line, stream) => lines.push([stream, line]));
      frames.push(bytes.subarray(0, cut));
      frames.push(bytes.subarray(cut));
      frames.end();
      assert.deepEqual(lines, expected, `cut at byte ${cut}`);
    }
    // One byte at a time.
    const lines: string[][] = [];
    const frames = new LogFrames((line, stream) => lines.push([stream, line]));
    for (const byte of bytes) frames.push(Buffer.from([byte]));
    frames.end();
    assert.deepEqual(lines, expected);
  });

  it('reads the classic builder\'s progress and its failure with the step and the step\'s output', () => {
    const progress: BuildProgress[] = [];
    const ok = new BuildOutput((p) => progress.push(p));
    for (const value of jsonValues('build-ok.jsonl')) ok.take(value);
    ok.finish('flops-rec:1');
    assert.deepEqual(progress.filter((p) => p.step !== undefined).map((p) => [p.step?.index, p.step?.total, p.step?.instruction]), [[1, 2, progress[0]?.step?.instruction], [2, 2, 'RUN echo building']]);
    assert.ok(progress.some((p) => p.line === 'building'));

    const failed = new BuildOutput(undefined);
    assert.throws(
      () => {
        for (const value of jsonValues('build-failed.jsonl')) failed.take(value);
      },
      (error: Error) => {
        assert.match(error.message, /^The image build failed at step 3\/3 \(RUN echo oops >&2 && exit 3\): The command .* returned a non-zero code: 3/);
        assert.match(error.message, /Last 1 lines of its output:\noops$/, 'the colour codes are gone, the builder chatter is left out');
        return true;
      },
    );
    const cut = new BuildOutput(undefined);
    for (const value of jsonValues('build-ok.jsonl').slice(0, 4)) cut.take(value);
    assert.throws(() => cut.finish('flops-rec:1'), /ended without a result: the Docker engine closed the connection early/);
  });

  it('reads engine events as container events with labels, exit code and time', () => {
    const events: unknown[] = [];
    const lines = jsonLines((value) => {
      events.push(containerEvent(value));
    });
    const bytes = recorded('events.jsonl');
    lines.push(bytes.subarray(0, 100));
    lines.push(bytes.subarray(100));
    lines.flush();
    const parsed = events as { action: string; labels: Record<string, string>; exitCode?: number; time: number; name: string }[];
    assert.deepEqual(parsed.map((e) => e.action), ['create', 'start', 'die', 'destroy']);
    assert.ok(parsed.every((e) => e.labels['flops.rec'] === '1' && !('image' in e.labels) && !('name' in e.labels)));
    assert.deepEqual(parsed.map((e) => e.exitCode), [undefined, undefined, 0, undefined]);
    assert.ok(parsed.every((e) => e.name !== '' && e.time > 1.7e12));
  });

  it('turns stats samples into CPU and memory as `docker stats` computes them; the first and the one after the stop have none', () => {
    const samples = jsonValues('stats.jsonl').map((value) => resourceSample('c', engineStats.parse(value)));
    assert.equal(samples.length, 3);
    assert.equal(samples[0], undefined, 'the first sample has no previous reading');
    const sample = samples[1];
    assert.ok(sample !== undefined);
    assert.equal(sample.name, 'c');
    assert.ok(sample.cpuPercent >= 0 && sample.cpuPercent < 200, `cpu ${sample.cpuPercent}`);
    assert.ok(sample.memoryMb > 1 && sample.memoryMb < 3, `memory ${sample.memoryMb} MB (the engine said 2052096 bytes)`);
    assert.equal(samples[2], undefined, 'the sample the engine sends after the container stopped is empty');
  });
});
