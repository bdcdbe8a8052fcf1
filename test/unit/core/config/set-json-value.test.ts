import assert from 'node:assert/strict';
import { setJsonValue } from '../../../../extension/core/config/json-document';

describe('config: setting one value in a JSON file the user wrote', () => {
  it('adds a nested key, keeping the other keys, their order and the line endings (the edited object is re-indented)', () => {
    const text = '{\n    "ml_model_flavor": "sklearn",\n    "simulation": { "rounds": 3 }\n}\n';
    assert.equal(setJsonValue(text, ['simulation', 'learners'], 5), '{\n    "ml_model_flavor": "sklearn",\n    "simulation": {\n        "rounds": 3,\n        "learners": 5\n    }\n}\n');
    const crlf = '{\r\n  "a": 1\r\n}\r\n';
    assert.equal(setJsonValue(crlf, ['simulation', 'learners'], 2), '{\r\n  "a": 1,\r\n  "simulation": {\r\n    "learners": 2\r\n  }\r\n}\r\n');
  });

  it('replaces an existing value in place', () => {
    assert.equal(setJsonValue('{"simulation": {"learners": 2}, "x": true}', ['simulation', 'learners'], 8), '{"simulation": {"learners": 8}, "x": true}');
  });
});
