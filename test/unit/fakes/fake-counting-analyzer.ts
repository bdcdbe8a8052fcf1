import type { PyModule } from '../../../extension/core/python/python-model';
import type { PythonAnalyzer, SourceFile } from '../../../extension/core/ports';

/** One file the analyzer was asked to parse, and how deeply. */
export interface AnalyzeCall {
  readonly path: string;
  readonly detail: PyModule['detail'];
}

/**
 * A PythonAnalyzer that records which files it is asked to parse, at which detail, and hands the work
 * to a real analyzer; tests of caching assert on what was (not) parsed again.
 */
export class FakeCountingAnalyzer implements PythonAnalyzer {
  private recorded: AnalyzeCall[] = [];

  constructor(
    private readonly inner: PythonAnalyzer,
    /** Runs before each call is handed on, e.g. to abort a lint while it is under way. */
    private readonly beforeAnalyze: (files: readonly SourceFile[]) => void = () => undefined,
  ) {}

  analyze(files: readonly SourceFile[], options: { readonly detail: PyModule['detail']; readonly signal?: AbortSignal | undefined }): Promise<PyModule[]> {
    for (const f of files) this.recorded.push({ path: f.path, detail: options.detail });
    this.beforeAnalyze(files);
    return this.inner.analyze(files, options);
  }

  /** The calls since the last `take()`, as sorted `detail path` strings, and forgets them. */
  take(): string[] {
    const calls = this.recorded.map((c) => `${c.detail} ${c.path}`).sort();
    this.recorded = [];
    return calls;
  }
}
