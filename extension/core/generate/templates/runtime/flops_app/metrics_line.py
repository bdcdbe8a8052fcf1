"""The per-round metrics line the ServerApp prints to stdout (format version 1).

One JSON object per line, per finished round; the simulation and the metrics panel read it from
the aggregator's log. Keys, in this order:

``flops`` ("round"), ``v`` (1), ``run_id`` (string), ``round``, ``rounds``, ``strategy``,
``time_ms`` (epoch milliseconds), ``train`` and ``evaluate`` (aggregated metrics or null),
``nodes`` (``{"train": replies, "evaluate": replies}``: replies without error), ``failures``
(``{"train": n, "evaluate": n}``: replies with an error, or none for a sampled learner), ``learners``
(one object per learner that was sampled this round: ``learner`` (its partition id, or null when the
reply did not say), ``node`` (Flower's node id, as a string), ``train`` and ``evaluate`` (that reply's
own metrics, or null when it was not asked or failed), ``error`` (only when a reply failed)). A round
with ``nodes.train`` 0 is a failed round. Non-finite numbers are written as null.

``failures`` and ``learners`` were added within version 1: readers of version 1 that do not know them
ignore them, and lines without them read as no failures and no per-learner metrics.
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
        if value is None:  # already cleaned: a non-finite value stays null
            cleaned[key] = None
            continue
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            continue
        if isinstance(value, numbers.Integral):
            cleaned[key] = int(value)
        else:
            number = float(value)
            cleaned[key] = number if math.isfinite(number) else None
    return cleaned


# The key a learner's reply carries its partition id under (client_app.py); taken out of the metrics.
PARTITION_KEY = "partition-id"


def without_partition(metrics: Optional[Dict]) -> Optional[Dict]:
    """The metrics without the partition id (Flower's aggregation averages every key, that one too)."""
    if metrics is None:
        return None
    return {key: value for key, value in metrics.items() if key != PARTITION_KEY}


def learner_entries(train: List[Dict], evaluate: List[Dict]) -> List[Dict]:
    """One entry per node from the round's replies. Each reply is ``{"node": id, "metrics": dict or
    None, "error": str or None}``; a learner's partition id comes from its metrics."""
    entries: Dict[str, Dict] = {}
    for phase, replies in (("train", train), ("evaluate", evaluate)):
        for reply in replies:
            node = str(reply["node"])
            entry = entries.setdefault(node, {"learner": None, "node": node, "train": None, "evaluate": None})
            metrics = reply.get("metrics")
            if metrics is not None:
                partition = metrics.get(PARTITION_KEY)
                if isinstance(partition, numbers.Integral) and not isinstance(partition, bool):
                    entry["learner"] = int(partition)
                entry[phase] = _clean(without_partition(metrics))
            if reply.get("error"):
                entry["error"] = f"{phase}: {reply['error']}"
    return sorted(entries.values(), key=lambda e: (e["learner"] is None, e["learner"] if e["learner"] is not None else 0, e["node"]))


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
    learners: Optional[List[Dict]] = None,
) -> str:
    record = {
        "flops": "round",
        "v": FORMAT_VERSION,
        "run_id": str(run_id),
        "round": int(server_round),
        "rounds": int(rounds),
        "strategy": strategy,
        "time_ms": int(time.time() * 1000) if time_ms is None else int(time_ms),
        "train": _clean(without_partition(train)),
        "evaluate": _clean(without_partition(evaluate)),
        "nodes": {"train": int(train_nodes), "evaluate": int(evaluate_nodes)},
        "failures": {"train": int(train_failures), "evaluate": int(evaluate_failures)},
        "learners": [
            {
                "learner": None if entry.get("learner") is None else int(entry["learner"]),
                "node": str(entry.get("node", "")),
                "train": _clean(entry.get("train")),
                "evaluate": _clean(entry.get("evaluate")),
                **({"error": str(entry["error"])} if entry.get("error") else {}),
            }
            for entry in (learners or [])
        ],
    }
    return json.dumps(record, separators=(",", ":"), allow_nan=False)


def emit(line: str, stream=None) -> None:
    out = stream if stream is not None else sys.stdout
    out.write(line + "\n")
    out.flush()
