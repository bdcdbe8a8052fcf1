"""Where this learner's data comes from, and reading the text formats (plain Python, no ``datasets``).

The generated ClientApp calls ``configure()`` with the node's partition id and count before the
user's ``set_model_data()`` runs; environment variables (``FLOPS_*``) are the fallback, so that the
shim also works when a repository is run by hand.
"""

import csv
import json
import os
import re
from dataclasses import dataclass, replace
from typing import Dict, List, Optional, Sequence, Tuple

TEXT_FORMATS = (".csv", ".json", ".jsonl")
ARROW_FORMATS = (".parquet", ".arrow")


@dataclass(frozen=True)
class DataSettings:
    data_file: str = ""
    data_dir: str = "data"
    data_tags: Tuple[str, ...] = ()
    partition_id: int = 0
    num_partitions: int = 1
    partitioning: str = "iid"
    seed: int = 42
    alpha: float = 0.5
    label_column: str = "label"
    max_rows: int = 0  # 0: the whole partition; flops_app.check caps it for a quick smoke run


_configured: Optional[DataSettings] = None


def configure(**values) -> DataSettings:
    """Set the data settings of this process (keys are ``DataSettings`` fields); returns them."""
    global _configured
    _configured = replace(settings_from_env(os.environ), **values)
    return _configured


def current_settings() -> DataSettings:
    return _configured if _configured is not None else settings_from_env(os.environ)


def settings_from_env(env) -> DataSettings:
    base = DataSettings()
    tags = env.get("FLOPS_DATA_TAGS", "")
    return DataSettings(
        data_file=env.get("FLOPS_DATA_FILE", base.data_file),
        data_dir=env.get("FLOPS_DATA_DIR", base.data_dir),
        data_tags=tuple(t for t in tags.split(",") if t),
        partition_id=int(env.get("FLOPS_PARTITION_ID", base.partition_id)),
        num_partitions=int(env.get("FLOPS_NUM_PARTITIONS", base.num_partitions)),
        partitioning=env.get("FLOPS_PARTITIONING", base.partitioning),
        seed=int(env.get("FLOPS_PARTITION_SEED", base.seed)),
        alpha=float(env.get("FLOPS_DIRICHLET_ALPHA", base.alpha)),
        label_column=env.get("FLOPS_LABEL_COLUMN", base.label_column),
    )


def resolve_data_files(settings: DataSettings) -> List[str]:
    """The files to load: ``data_file`` when set, else the files in ``data_dir`` whose name before the
    first dot is one of ``data_tags`` (FLOps stores node data as ``<tag>.<md5>.parquet``)."""
    if settings.data_file:
        if not os.path.isfile(settings.data_file):
            raise FileNotFoundError(f"The dataset file '{settings.data_file}' does not exist.")
        return [settings.data_file]
    names = sorted(os.listdir(settings.data_dir)) if os.path.isdir(settings.data_dir) else []
    found = [
        os.path.join(settings.data_dir, name)
        for name in names
        if name.split(".", 1)[0] in settings.data_tags and extension_of(name) in TEXT_FORMATS + ARROW_FORMATS
    ]
    if not found:
        # FLOps' own text (act/fl_learner/data_loading.py), so the failure reads the same.
        raise FileNotFoundError(f"No matching data found for provided data tags '{list(settings.data_tags)}'")
    kinds = {extension_of(path) in ARROW_FORMATS for path in found}
    if len(kinds) > 1:
        raise ValueError(f"cannot mix Parquet/Arrow and text files in one dataset: {found}")
    return found


def extension_of(path: str) -> str:
    return os.path.splitext(path)[1].lower()


def read_columns(paths: Sequence[str]) -> Dict[str, list]:
    """Reads CSV, JSON (a list of rows or a mapping of columns) or JSON Lines files into columns,
    concatenated in the given order. A row without a column gets ``None`` there."""
    rows: List[dict] = []
    for path in paths:
        rows.extend(_read_rows(path))
    columns: Dict[str, list] = {}
    for row in rows:
        for key in row:
            if key not in columns:
                columns[key] = []
    for row in rows:
        for key, values in columns.items():
            values.append(row.get(key))
    return columns


def _read_rows(path: str) -> List[dict]:
    kind = extension_of(path)
    with open(path, encoding="utf-8", newline="") as handle:
        if kind == ".csv":
            return [{key: _cell(value) for key, value in row.items()} for row in csv.DictReader(handle)]
        if kind == ".jsonl":
            return [json.loads(line) for line in handle if line.strip()]
        if kind == ".json":
            value = json.load(handle)
            if isinstance(value, list):
                return value
            if isinstance(value, dict) and all(isinstance(v, list) for v in value.values()):
                lengths = {len(v) for v in value.values()}
                if len(lengths) > 1:
                    raise ValueError(f"{path}: the columns have different lengths {sorted(lengths)}")
                count = lengths.pop() if lengths else 0
                return [{key: column[i] for key, column in value.items()} for i in range(count)]
            raise ValueError(f"{path}: expected a list of rows or a mapping of column lists")
    raise ValueError(f"{path}: unsupported format '{kind}'; use .csv, .json, .jsonl, .parquet or .arrow")


_INT = re.compile(r"^[+-]?\d+$")
_FLOAT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def _cell(text):
    if text is None or text == "":
        return None
    if _INT.match(text):
        return int(text)
    if _FLOAT.match(text):
        return float(text)
    return text
