import { importedFrameworks } from '../lint-context';
import type { Rule } from '../rule';

const frameworkOf = { sklearn: 'scikit-learn (sklearn)', pytorch: 'PyTorch (torch)', keras: 'Keras/TensorFlow', tensorflow: 'Keras/TensorFlow' } as const;

export const flavorMismatch: Rule = {
  meta: {
    id: 'flops/flavor-mismatch',
    severity: 'error',
    needs: ['py', 'config'],
    title: 'The imported framework matches ml_model_flavor.',
    why: 'The aggregator saves the model through mlflow.<flavor> after round 1, so a mismatch fails the aggregator after a full build; the image cache key is only repo + commit, so a corrected flavor needs a new commit.',
    fix: 'Set ml_model_flavor to the detected framework.',
  },
  check(ctx) {
    const configured = ctx.config?.ml_model_flavor;
    if (configured === undefined || ctx.project === undefined) return [];
    const found = importedFrameworks(ctx.modules, ctx.userModules);
    const expected = configured === 'tensorflow' ? 'keras' : configured;
    if (found.size === 0 || found.has(expected)) return [];
    const [actual, where] = [...found.entries()][0] ?? [];
    if (actual === undefined || where === undefined) return [];
    const range = ctx.project.locate(['ml_model_flavor']);
    return [
      {
        file: ctx.project.path,
        range,
        message: `ml_model_flavor is "${configured}", but the code imports ${frameworkOf[actual]} (${where.file}:${where.range.start.line + 1}) and not ${frameworkOf[configured]}. The aggregator saves the model with mlflow.${configured} and would fail after training. Set ml_model_flavor to "${actual}".`,
        fixes: [{ title: `Set ml_model_flavor to "${actual}"`, edits: [{ kind: 'replace', file: ctx.project.path, range: valueRange(ctx.project.text, range), text: JSON.stringify(actual) }] }],
      },
    ];
  },
};

/** The range of the JSON string value following a key range on the same line. */
export function valueRange(text: string, keyRange: { start: { line: number; character: number }; end: { line: number; character: number } }): typeof keyRange {
  const line = text.split('\n')[keyRange.end.line] ?? '';
  const rest = line.slice(keyRange.end.character);
  const match = /^\s*:\s*("(?:[^"\\]|\\.)*")/.exec(rest);
  if (match?.[1] === undefined) return keyRange;
  const start = keyRange.end.character + match[0].length - match[1].length;
  return { start: { line: keyRange.end.line, character: start }, end: { line: keyRange.end.line, character: start + match[1].length } };
}
