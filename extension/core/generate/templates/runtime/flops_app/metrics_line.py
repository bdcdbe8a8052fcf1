"""The per-round metrics line the ServerApp prints to stdout (format version 1).

One JSON object per line, per finished round; the simulation and the metrics panel read it from
the aggregator's log. Keys, in this order:

``flops`` ("round"), ``v`` (1), ``run_id`` (string), ``round``, ``rounds``, ``strategy``,
``time_ms`` (epoch milliseconds), ``train`` and ``evaluate`` (aggregated metrics or null),
``nodes`` (``{"train": replies, "evaluate": replies}``: replies without error), ``failures``
(``{"train": n, "evaluate": n}``: replies with an error, or none for a sampled learner). A round with
``nodes.train`` 0 is a failed round. Non-finite numbers are written as null.
"""

import json
import math
import numbers
import sys
import time
from typing import Dict, List, Optional

FORMAT_VERSION = 1


def _clean(metrics: Optional[Dict]) -> Optional[Dict]:
    """Numbers only (integers stay integers, numpy scalars included); non-finite floats become None."""
    if metrics is None:
        return None
    cleaned = {}
    for key, value in metrics.items():
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            continue
        if isinstance(value, numbers.Integral):
            cleaned[key] = int(value)
        else:
            number = float(value)
            cleaned[key] = number if math.isfinite(number) else None
    return cleaned


def with_example_count(aggregated: Optional[Dict], replies: List[Dict], key: str = "num-examples") -> Optional[Dict]:
    """The aggregated metrics plus ``key`` summed over the replies' metrics. Flower's weighted
    aggregation drops the weighting key itself from the aggregate; the line reports the total."""
    if aggregated is None:
        return None
    result = dict(aggregated)
    counts = [reply[key] for reply in replies if isinstance(reply.get(key), numbers.Integral)]
    if counts:
        result[key] = int(sum(int(count) for count in counts))
    return result


def round_line(
    run_id,
    server_round: int,
    rounds: int,
    strategy: str,
    train: Optional[Dict],
    evaluate: Optional[Dict],
    train_nodes: int,
    evaluate_nodes: int,
    time_ms: Optional[int] = None,
    train_failures: int = 0,
    evaluate_failures: int = 0,
) -> str:
    record = {
        "flops": "round",
        "v": FORMAT_VERSION,
        "run_id": str(run_id),
        "round": int(server_round),
        "rounds": int(rounds),
        "strategy": strategy,
        "time_ms": int(time.time() * 1000) if time_ms is None else int(time_ms),
        "train": _clean(train),
        "evaluate": _clean(evaluate),
        "nodes": {"train": int(train_nodes), "evaluate": int(evaluate_nodes)},
        "failures": {"train": int(train_failures), "evaluate": int(evaluate_failures)},
    }
    return json.dumps(record, separators=(",", ":"), allow_nan=False)


def emit(line: str, stream=None) -> None:
    out = stream if stream is not None else sys.stdout
    out.write(line + "\n")
    out.flush()
