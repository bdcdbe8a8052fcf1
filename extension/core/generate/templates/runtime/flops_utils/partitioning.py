"""Deterministic partitioning of a dataset across learners (plain numpy, no Flower, no ``datasets``).

Every learner computes the same split from the same inputs (row count, labels, number of
partitions, seed) and keeps only its own part, so no coordination is needed.
"""

from typing import List, Optional, Sequence

import numpy as np


def iid_partitions(num_rows: int, num_partitions: int, seed: int) -> List[np.ndarray]:
    """Shuffle the row indices with ``seed`` and split them into ``num_partitions`` near-equal parts."""
    _check(num_rows, num_partitions)
    order = np.random.default_rng(seed).permutation(num_rows)
    return [np.sort(part) for part in np.array_split(order, num_partitions)]


def dirichlet_partitions(
    labels: Sequence, num_partitions: int, alpha: float, seed: int, min_partition_size: int = 1, max_attempts: int = 100
) -> List[np.ndarray]:
    """Non-IID split by label: for every label, its rows are divided among the partitions in
    proportions drawn from ``Dirichlet(alpha)``. Small ``alpha`` gives skewed learners, large ``alpha``
    approaches IID. Draws are repeated (same generator, so still deterministic) until every partition
    holds at least ``min_partition_size`` rows."""
    labels = np.asarray(labels)
    _check(len(labels), num_partitions)
    if not alpha > 0:
        raise ValueError(f"alpha must be positive, got {alpha}")
    if len(labels) < num_partitions * min_partition_size:
        raise ValueError(
            f"{len(labels)} rows cannot give {num_partitions} partitions of at least {min_partition_size} rows"
        )
    rng = np.random.default_rng(seed)
    classes = np.unique(labels)
    for _ in range(max_attempts):
        parts: List[List[np.ndarray]] = [[] for _ in range(num_partitions)]
        for value in classes:
            rows = rng.permutation(np.flatnonzero(labels == value))
            shares = rng.dirichlet(np.full(num_partitions, float(alpha)))
            cuts = (np.cumsum(shares)[:-1] * len(rows)).astype(int)
            for index, chunk in enumerate(np.split(rows, cuts)):
                parts[index].append(chunk)
        result = [np.sort(np.concatenate(chunks)).astype(np.int64) for chunks in parts]
        if min(len(part) for part in result) >= min_partition_size:
            return result
    raise ValueError(
        f"no Dirichlet split with alpha={alpha} gave every one of {num_partitions} partitions "
        f"{min_partition_size} or more rows in {max_attempts} draws; raise alpha or lower the partition count"
    )


def partition_indices(
    num_rows: int,
    partition_id: int,
    num_partitions: int,
    method: str = "iid",
    seed: int = 42,
    labels: Optional[Sequence] = None,
    alpha: float = 0.5,
) -> np.ndarray:
    """Row indices (sorted) of partition ``partition_id`` out of ``num_partitions``."""
    if not 0 <= partition_id < num_partitions:
        raise ValueError(f"partition id {partition_id} is outside 0..{num_partitions - 1}")
    if method == "iid":
        return iid_partitions(num_rows, num_partitions, seed)[partition_id]
    if method == "dirichlet":
        if labels is None:
            raise ValueError("dirichlet partitioning needs the label column")
        if len(labels) != num_rows:
            raise ValueError(f"{len(labels)} labels for {num_rows} rows")
        return dirichlet_partitions(labels, num_partitions, alpha, seed)[partition_id]
    raise ValueError(f'unknown partitioning "{method}"; use "iid" or "dirichlet"')


def _check(num_rows: int, num_partitions: int) -> None:
    if num_partitions < 1:
        raise ValueError(f"the number of partitions must be at least 1, got {num_partitions}")
    if num_rows < num_partitions:
        raise ValueError(f"{num_rows} rows cannot be split into {num_partitions} non-empty partitions")
