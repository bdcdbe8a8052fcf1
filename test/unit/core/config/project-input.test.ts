import assert from 'node:assert/strict';
import type { Range } from '../../../../extension/core/findings/finding';
import { parseProjectInput } from '../../../../extension/core/config/project-input';

/** The range of the `occurrence`-th appearance of `needle` in a one-line-per-line text. */
function rangeOfText(text: string, needle: string, occurrence = 0): Range {
  let offset = -1;
  for (let i = 0; i <= occurrence; i++) offset = text.indexOf(needle, offset + 1);
  assert.ok(offset >= 0, `${needle} not in the text`);
  const before = text.slice(0, offset).split('\n');
  const line = before.length - 1;
  const character = (before[line] ?? '').length;
  return { start: { line, character }, end: { line, character: character + needle.length } };
}

const nested = `{
  "ml_repo_url": "https://github.com/example-org/repo",
  "training_configuration": {
    "data_tags": ["mnist", "digits"],
    "training_rounds": "three"
  },
  "supported_platforms": ["linux/amd64", "windows/amd64"]
}
`;

describe('parseProjectInput (flops.json)', () => {
  it('parses a valid file and applies the defaults', () => {
    const input = parseProjectInput('flops.json', '{ "ml_model_flavor": "sklearn" }\n');
    assert.equal(input.syntaxError, undefined);
    assert.deepEqual(input.issues, []);
    assert.equal(input.config?.ml_model_flavor, 'sklearn');
    assert.equal(input.config.target, 'generated');
    assert.equal(input.config.training_configuration.training_rounds, 3);
    assert.deepEqual(input.config.supported_platforms, ['linux/amd64']);
  });

  it('locates invalid JSON at the offending character (missing comma)', () => {
    const text = '{\n  "ml_model_flavor": "sklearn"\n  "target": "generated"\n}\n';
    const input = parseProjectInput('flops.json', text);
    assert.equal(input.config, undefined);
    assert.deepEqual(input.issues, []);
    assert.ok(input.syntaxError);
    assert.match(input.syntaxError.message, /^flops\.json is not valid JSON: /);
    assert.deepEqual(input.syntaxError.range.start, { line: 2, character: 2 }, 'the error is where "target" starts');
  });

  it('locates a trailing comma', () => {
    const text = '{\n  "verbose": true,\n}\n';
    assert.deepEqual(parseProjectInput('flops.json', text).syntaxError?.range.start, { line: 2, character: 0 });
  });

  it('locates a truncated file at its end', () => {
    const text = '{\n  "verbose": true\n';
    const input = parseProjectInput('flops.json', text);
    assert.ok(input.syntaxError);
    assert.equal(input.syntaxError.range.start.line, 2);
  });

  it('reports every schema issue with its JSON path, and no config', () => {
    const input = parseProjectInput('flops.json', nested);
    assert.equal(input.syntaxError, undefined);
    assert.equal(input.config, undefined);
    assert.deepEqual(
      input.issues.map((i) => JSON.stringify(i.path)).sort(),
      ['["supported_platforms",1]', '["training_configuration","training_rounds"]'],
    );
    for (const issue of input.issues) assert.ok(issue.message.length > 0);
  });

  it('reports a wrong root type with an empty path', () => {
    const input = parseProjectInput('flops.json', '[1, 2]\n');
    assert.equal(input.syntaxError, undefined);
    assert.deepEqual(input.issues.map((i) => i.path), [[]]);
  });

  describe('locate', () => {
    const input = parseProjectInput('flops.json', nested);

    it('finds a top-level key', () => {
      assert.deepEqual(input.locate(['ml_repo_url']), rangeOfText(nested, '"ml_repo_url"'));
    });

    it('finds a nested key', () => {
      assert.deepEqual(input.locate(['training_configuration', 'training_rounds']), rangeOfText(nested, '"training_rounds"'));
    });

    it('finds array items by index, nested ones included', () => {
      assert.deepEqual(input.locate(['supported_platforms', 1]), rangeOfText(nested, '"windows/amd64"'));
      assert.deepEqual(input.locate(['training_configuration', 'data_tags', 0]), rangeOfText(nested, '"mnist"'));
    });

    it('falls back to the deepest existing parent', () => {
      assert.deepEqual(input.locate(['training_configuration', 'min_fit_clients']), rangeOfText(nested, '"training_configuration"'));
      assert.deepEqual(input.locate(['supported_platforms', 7]), rangeOfText(nested, '"supported_platforms"'));
    });

    it('gives the first character of the file for the root and for unknown keys', () => {
      const first = { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } };
      assert.deepEqual(input.locate([]), first);
      assert.deepEqual(input.locate(['no_such_key']), first);
    });

    it('works on files that are valid JSON but fail the schema, and on Windows line ends', () => {
      const crlf = nested.replace(/\n/g, '\r\n');
      const located = parseProjectInput('flops.json', crlf).locate(['training_configuration', 'training_rounds']);
      assert.deepEqual(located, rangeOfText(nested, '"training_rounds"'));
    });
  });
});
