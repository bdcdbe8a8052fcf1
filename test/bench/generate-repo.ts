import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Writes a synthetic FLOps repo of `count` Python files: the sklearn example at the root plus packages
 * of varied, realistic modules (classes, methods, comprehensions, decorators, strings), so the parse
 * work resembles a real ML codebase rather than one repeated tiny file.
 */
export function generateRepo(dir: string, count: number, exampleDir: string): number {
  mkdirSync(dir, { recursive: true });
  for (const f of ['model_manager.py', 'data_manager.py', 'conda.yaml', 'flops.json']) {
    writeFileSync(path.join(dir, f), readFileSync(path.join(exampleDir, f)));
  }
  let bytes = 0;
  for (let i = 0; i < count - 2; i++) {
    const pkg = path.join(dir, `pkg_${i % 25}`);
    mkdirSync(pkg, { recursive: true });
    if (i < 25) writeFileSync(path.join(pkg, '__init__.py'), '');
    const text = moduleText(i);
    bytes += text.length;
    writeFileSync(path.join(pkg, `module_${i}.py`), text);
  }
  return bytes;
}

function moduleText(i: number): string {
  const parts = [
    `"""Synthetic module ${i}: feature engineering helpers."""\n`,
    'from __future__ import annotations\n\nimport math\nimport os\nfrom dataclasses import dataclass, field\nfrom typing import Any, Dict, Iterable, List, Optional, Tuple\n\nimport numpy as np\n\n',
    `CONSTANT_${i} = ${i}\nNAMES = [${Array.from({ length: 8 }, (_, k) => `"name_${i}_${k}"`).join(', ')}]\n\n`,
  ];
  for (let c = 0; c < 4; c++) {
    parts.push(`@dataclass\nclass Config${i}_${c}:\n    learning_rate: float = 0.0${c + 1}\n    epochs: int = ${c + 1}\n    tags: List[str] = field(default_factory=list)\n\n    def scaled(self, factor: float = 2.0) -> float:\n        return self.learning_rate * factor\n\n\n`);
    parts.push(`class Transformer${i}_${c}:\n    """Applies transform ${c}."""\n\n    def __init__(self, size: int = ${c + 8}, *, seed: Optional[int] = None) -> None:\n        self.size = size\n        self.seed = seed or ${i}\n        self.weights = np.zeros((size, size))\n        self._cache: Dict[str, Any] = {}\n\n`);
    parts.push(`    def fit(self, rows: Iterable[List[float]]) -> "Transformer${i}_${c}":\n        total = 0.0\n        for row in rows:\n            for k, value in enumerate(row):\n                if value is None:\n                    continue\n                total += value * (k + 1)\n        self._cache["total"] = total\n        return self\n\n`);
    parts.push(`    def transform(self, rows: List[List[float]]) -> List[List[float]]:\n        return [[v / max(1.0, abs(self._cache.get("total", 1.0))) for v in row] for row in rows]\n\n    @staticmethod\n    def describe(values: Tuple[int, ...]) -> str:\n        mean = sum(values) / len(values) if values else 0\n        return f"n={len(values)} mean={mean:.3f} path={os.sep.join(NAMES[:2])}"\n\n\n`);
  }
  parts.push(`def pipeline_${i}(data: List[List[float]]) -> Dict[str, Any]:\n    stages = [Transformer${i}_${0}(), Transformer${i}_${1}(seed=3)]\n    out = data\n    for stage in stages:\n        out = stage.fit(out).transform(out)\n    try:\n        score = math.sqrt(sum(sum(r) for r in out))\n    except ValueError as exc:\n        raise RuntimeError("bad data") from exc\n    return {"score": score, "rows": len(out), "config": Config${i}_0(tags=NAMES)}\n`);
  return parts.join('');
}
