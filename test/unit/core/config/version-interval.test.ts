import assert from 'node:assert/strict';
import { requirementsOfFlower } from '../../../../extension/core/generate/flower-requirements';
import { intervalsOverlap, versionInterval } from '../../../../extension/core/config/version-interval';

describe('version intervals (flops/flower-pin-conflict)', () => {
  const overlap = (a: string, da: 'conda' | 'pip', b: string): boolean => {
    const x = versionInterval(a, da);
    const y = versionInterval(b, 'pip');
    assert.ok(x !== undefined && y !== undefined, `${a} / ${b}`);
    return intervalsOverlap(x, y);
  };

  it('reads conda prefixes, pip exact pins, ranges and compatible releases', () => {
    assert.equal(overlap('=1.26', 'conda', '>=1.26.0,<3.0.0'), true);
    assert.equal(overlap('1.25.*', 'conda', '>=1.26.0,<3.0.0'), false);
    assert.equal(overlap('=1.26.4=py311h', 'conda', '>=1.26.0,<3.0.0'), true, 'a conda build string');
    assert.equal(overlap('==1.23.5', 'pip', '>=1.26.0,<3.0.0'), false);
    assert.equal(overlap('==3.20.3', 'pip', '>=5.28,<7'), false);
    assert.equal(overlap('==6.33.6', 'pip', '>=5.28,<7'), true);
    assert.equal(overlap('==7.0', 'pip', '>=5.28,<7'), false, '<7 excludes 7.0');
    assert.equal(overlap('==7.*', 'pip', '>=5.28,<7'), false);
    assert.equal(overlap('>=1.20,<1.26', 'pip', '>=1.26.0,<3.0.0'), false);
    assert.equal(overlap('<=1.26.0', 'pip', '>=1.26.0,<3.0.0'), true, 'touching inclusive ends');
    assert.equal(overlap('~=4.21', 'pip', '>=5.28,<7'), false, '~=4.21 is < 5');
    assert.equal(overlap('~=5.0', 'pip', '>=5.28,<7'), true);
    assert.equal(overlap('!=6.0', 'pip', '>=5.28,<7'), true);
    assert.equal(versionInterval('>=a', 'pip'), undefined);
  });

  it('has data only for releases it was read for', () => {
    assert.deepEqual(requirementsOfFlower('1.27.0').map((r) => r.name), ['numpy', 'protobuf']);
    assert.deepEqual(requirementsOfFlower('1.23.2').map((r) => r.name), ['numpy']);
    assert.deepEqual(requirementsOfFlower('1.8.0'), []);
  });
});
