import assert from 'node:assert/strict';
import { parseJsonDocument } from '../../../../extension/core/config/json-document';

const at = (line: number, character: number) => ({ line, character });

describe('parseJsonDocument', () => {
  it('parses valid JSON exactly like JSON.parse', () => {
    const text = '{"a": [1, -2.5e3, true, null, "x\\u00e9\\n"], "b": {"c": {}}, "__proto__": 1}';
    const doc = parseJsonDocument(text);
    assert.equal(doc.syntaxError, undefined);
    assert.deepEqual(doc.value, JSON.parse(text));
  });

  const cases: [string, string, { line: number; character: number }, RegExp][] = [
    ['missing comma', '{\n  "a": 1\n  "b": 2\n}', at(2, 2), /expected "," or "\}" after a property value/],
    ['trailing comma in an object', '{\n  "a": 1,\n}', at(2, 0), /trailing comma/],
    ['trailing comma in an array (no position in Node 20\'s message)', '{"a": [1, 2,]}', at(0, 12), /trailing comma/],
    ['a comment', '{\n  // note\n  "a": 1\n}', at(1, 2), /comments are not allowed/],
    ['single quotes', "{'a': 1}", at(0, 1), /double quotes/],
    ['an unquoted word', '{"a": yes}', at(0, 6), /unexpected word "yes"/],
    ['Python literals', '{"a": True}', at(0, 6), /JSON spells it true/],
    ['an unterminated string', '{"a": "abc', at(0, 6), /never closed/],
    ['a line break in a string', '{"a": "ab\nc"}', at(0, 9), /must end on the line/],
    ['a bad escape', '{"a": "\\x"}', at(0, 7), /invalid escape/],
    ['a leading zero', '{"a": 01}', at(0, 6), /invalid number/],
    ['a missing colon', '{"a" 1}', at(0, 5), /expected ":"/],
    ['a truncated file', '{\n  "a": [1, 2\n', at(2, 0), /"\]" is missing/],
    ['an empty file', '', at(0, 0), /ends where a value was expected/],
    ['text after the value', '{} {}', at(0, 3), /after the end of the JSON value/],
  ];
  for (const [name, text, start, message] of cases) {
    it(`locates ${name}`, () => {
      const doc = parseJsonDocument(text);
      assert.equal(doc.value, undefined);
      assert.ok(doc.syntaxError, 'a syntax error');
      assert.deepEqual(doc.syntaxError.range.start, start);
      assert.match(doc.syntaxError.message, message);
    });
  }

  it('ignores a byte-order mark without shifting positions', () => {
    const doc = parseJsonDocument('\uFEFF{"a": 1}');
    assert.deepEqual(doc.value, { a: 1 });
    assert.deepEqual(doc.locate(['a']).start, at(0, 2));
  });

  it('reports nesting beyond its limit instead of overflowing the stack', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const doc = parseJsonDocument(deep);
    assert.match(doc.syntaxError?.message ?? '', /nesting is deeper/);
  });

  it('never throws on arbitrary input', () => {
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = '{}[]",:0123456789.-eE truefalsnul\\/\n\t\'';
    for (let i = 0; i < 2000; i++) {
      const length = Math.floor(random() * 40);
      let text = '';
      for (let j = 0; j < length; j++) text += alphabet[Math.floor(random() * alphabet.length)];
      const doc = parseJsonDocument(text);
      let expected: unknown;
      let valid = true;
      try {
        expected = JSON.parse(text);
      } catch {
        valid = false;
      }
      assert.equal(doc.syntaxError === undefined, valid, `agreement with JSON.parse on ${JSON.stringify(text)}`);
      if (valid) assert.deepEqual(doc.value, expected);
    }
  });

  it('locates keys, array items and values, falling back to the deepest parent', () => {
    const text = '{\n  "a": {"b": [10, {"c": true}]},\n  "d": "e"\n}';
    const doc = parseJsonDocument(text);
    assert.deepEqual(doc.locate(['a', 'b']), { start: at(1, 8), end: at(1, 11) });
    assert.deepEqual(doc.locate(['a', 'b', 1, 'c']), { start: at(1, 19), end: at(1, 22) });
    assert.deepEqual(doc.locate(['a', 'b', 0]), { start: at(1, 14), end: at(1, 16) });
    assert.deepEqual(doc.locateValue(['d']), { start: at(2, 7), end: at(2, 10) });
    assert.deepEqual(doc.locate(['a', 'missing', 'x']), { start: at(1, 2), end: at(1, 5) });
    assert.deepEqual(doc.locate([]), { start: at(0, 0), end: at(0, 1) });
  });

  it('lists duplicate keys at their earlier occurrence, and locates the last one (the one JSON.parse keeps)', () => {
    const text = '{"a": 1, "b": {"c": 1, "c": 2}, "a": 3}';
    const doc = parseJsonDocument(text);
    assert.deepEqual(
      doc.duplicateKeys().map((d) => [d.path, d.key, d.range.start.character]),
      [
        [['b'], 'c', 15],
        [[], 'a', 1],
      ],
    );
    assert.equal(doc.locate(['a']).start.character, 32);
  });
});
