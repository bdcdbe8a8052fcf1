"""The FLOps semantics of the generated app, in plain Python (no Flower import).

Call order, as FLOps runs a user's ``ModelManager`` (flops-contract.md §8.4):

* aggregator: ``ModelManager()`` -> ``get_model_parameters()`` (the initial global model; the
  aggregator has no data, so ``set_model_data()`` is never called there) -> after every round
  ``set_model_parameters(aggregated)``;
* learner: ``ModelManager()`` -> ``set_model_data()`` once, then per round
  ``set_model_parameters(global)`` -> ``fit_model()`` (the example count, FedAvg's weight) ->
  ``get_model_parameters()``, and ``set_model_parameters(global)`` -> ``evaluate_model()``
  (loss, accuracy, example count).

Per-round config. ``fit_model()`` takes no arguments, so the round settings the aggregator sends
(``local-epochs``, ``lr``, ``batch-size``, ``proximal-mu``, ``server-round``) reach the user's code
only if its ``ModelManager`` defines ``set_round_config(self, config: dict)``; it is then called
before every ``fit_model()`` and ``evaluate_model()`` with the keys ``local_epochs``,
``learning_rate``, ``batch_size``, ``proximal_mu`` and ``server_round`` (those that were sent).
Repositories without the method run exactly as under FLOps.

FedProx. Flower's FedProx only sends ``proximal_mu``; the learner's training loss must add the
proximal term ``mu / 2 * ||w - w_global||^2`` itself, where ``w_global`` are the parameters received
for the round (``set_model_parameters``). ``proximal_term()`` computes it for numpy parameters;
a PyTorch loop adds the same expression over its tensors. Without it FedProx behaves like FedAvg.
"""

import importlib
import os
import time
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from flops_utils import local_data

ROUND_CONFIG_KEYS = {
    "local-epochs": "local_epochs",
    "lr": "learning_rate",
    "batch-size": "batch_size",
    "proximal-mu": "proximal_mu",
    "server-round": "server_round",
}

WEIGHT_KEY = "num-examples"


def model_manager_class():
    """The user's ``ModelManager``, imported as FLOps does: ``from model_manager import ModelManager``."""
    return importlib.import_module("model_manager").ModelManager


def as_ndarrays(parameters, source: str) -> List[np.ndarray]:
    """The parameters as a list of numpy arrays; FLOps requires a Python list from the user."""
    if not isinstance(parameters, (list, tuple)):
        raise TypeError(f"{source} must return a list of numpy arrays, got {type(parameters).__name__}")
    return [np.asarray(value) for value in parameters]


def example_count(value, source: str) -> int:
    """An example count as an ``int``; numpy integers are accepted, floats, bools and the rest are not."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{source} must be an int (the number of examples), got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{source} must not be negative, got {value}")
    return int(value)


def round_config(config: Dict) -> Dict:
    """The round settings the adapter hands to ``set_round_config`` (Flower's keys renamed)."""
    return {ROUND_CONFIG_KEYS[key]: value for key, value in config.items() if key in ROUND_CONFIG_KEYS}


class Aggregator:
    """The aggregator's own ``ModelManager``: built once, never given data."""

    def __init__(self, factory: Optional[Callable] = None):
        self.manager = (factory or model_manager_class())()

    def initial_parameters(self) -> List[np.ndarray]:
        return as_ndarrays(self.manager.get_model_parameters(), "get_model_parameters()")

    def update(self, parameters: Sequence[np.ndarray]) -> None:
        """Hand the aggregated model to the aggregator's ``ModelManager``, as FLOps does after each round."""
        self.manager.set_model_parameters(list(parameters))


class Learner:
    """One learner's ``ModelManager``: built once, with its data loaded once."""

    def __init__(self, factory: Optional[Callable] = None):
        self.manager = (factory or model_manager_class())()
        self.manager.set_model_data()

    def train(self, parameters: Sequence[np.ndarray], config: Dict) -> Tuple[List[np.ndarray], Dict]:
        self._apply_round_config(config)
        self.manager.set_model_parameters(list(parameters))
        started = time.perf_counter()
        count = example_count(self.manager.fit_model(), "fit_model()")
        seconds = time.perf_counter() - started
        updated = as_ndarrays(self.manager.get_model_parameters(), "get_model_parameters()")
        return updated, {WEIGHT_KEY: count, "train-seconds": float(seconds)}

    def evaluate(self, parameters: Sequence[np.ndarray], config: Dict) -> Dict:
        self._apply_round_config(config)
        self.manager.set_model_parameters(list(parameters))
        result = self.manager.evaluate_model()
        if not isinstance(result, (tuple, list)) or len(result) != 3:
            raise TypeError(f"evaluate_model() must return (loss, accuracy, number_of_examples), got {result!r}")
        loss, accuracy, count = result
        return {"loss": float(loss), "accuracy": float(accuracy), WEIGHT_KEY: example_count(count, "evaluate_model()[2]")}

    def _apply_round_config(self, config: Dict) -> None:
        hook = getattr(self.manager, "set_round_config", None)
        if callable(hook):
            hook(round_config(config))


def data_settings(node_config: Dict, run_config: Dict) -> Dict:
    """``flops_utils.local_data.configure()`` arguments from Flower's node config (which partition) and
    run config (which dataset, how it is split)."""
    values = {
        "partition_id": int(node_config.get("partition-id", 0)),
        "num_partitions": int(node_config.get("num-partitions", 1)),
    }
    data_file = node_config.get("data-path", run_config.get("data-file", ""))
    if data_file:
        values["data_file"] = str(data_file)
    if run_config.get("data-dir"):
        values["data_dir"] = str(run_config["data-dir"])
    if run_config.get("data-tags"):
        values["data_tags"] = tuple(tag for tag in str(run_config["data-tags"]).split(",") if tag)
    if "partitioning" in run_config:
        values["partitioning"] = str(run_config["partitioning"])
    if "partition-seed" in run_config:
        values["seed"] = int(run_config["partition-seed"])
    if "dirichlet-alpha" in run_config:
        values["alpha"] = float(run_config["dirichlet-alpha"])
    if "label-column" in run_config:
        values["label_column"] = str(run_config["label-column"])
    return values


_learners: Dict[Tuple, Learner] = {}


def learner_for(node_config: Dict, run_config: Dict) -> Learner:
    """This process's learner for its partition: configured and loaded on first use, then reused."""
    values = data_settings(dict(node_config), dict(run_config))
    key = tuple(sorted(values.items()))
    if key not in _learners:
        local_data.configure(**values)
        _learners[key] = Learner()
    return _learners[key]


class RoundFailed(RuntimeError):
    """A round in which no learner returned a train result: the run cannot go on, and fails."""


def round_failure(server_round: int, successes: int, errors: Sequence[str]) -> Optional[str]:
    """Why a round failed, or None: a round fails when no learner replied to its train messages
    without an error. The message carries the learners' distinct errors (the first three)."""
    if successes > 0:
        return None
    if not errors:
        return f"Round {server_round}: no learner replied to the train messages"
    distinct = list(dict.fromkeys(str(e) for e in errors))
    shown = "; ".join(distinct[:3]) + (f"; and {len(distinct) - 3} other errors" if len(distinct) > 3 else "")
    return f"Round {server_round}: no learner returned a train result ({len(errors)} failed: {shown})"


def fedavg(results: Sequence[Tuple[Sequence[np.ndarray], int]]) -> List[np.ndarray]:
    """Example-weighted average of the learners' parameters (what FedAvg computes)."""
    if not results:
        raise ValueError("no results to aggregate")
    total = sum(count for _, count in results)
    if total <= 0:
        raise ValueError("the learners reported no training examples")
    layers = len(results[0][0])
    if any(len(parameters) != layers for parameters, _ in results):
        raise ValueError("the learners returned different numbers of parameter arrays")
    return [
        sum(np.asarray(parameters[i], dtype=np.float64) * count for parameters, count in results) / total
        for i in range(layers)
    ]


def weighted_average(metrics: Sequence[Dict], weight_key: str = WEIGHT_KEY) -> Dict:
    """Example-weighted average of every numeric key all replies carry; ``weight_key`` is summed."""
    if not metrics:
        return {}
    total = sum(int(m[weight_key]) for m in metrics)
    shared = [k for k in metrics[0] if k != weight_key and all(k in m for m in metrics)]
    averaged = {}
    for key in shared:
        if not all(isinstance(m[key], (int, float, np.integer, np.floating)) and not isinstance(m[key], bool) for m in metrics):
            continue
        averaged[key] = float(sum(float(m[key]) * int(m[weight_key]) for m in metrics) / total) if total else float("nan")
    averaged[weight_key] = total
    return averaged


def proximal_term(parameters: Sequence[np.ndarray], global_parameters: Sequence[np.ndarray], mu: float) -> float:
    """FedProx's ``mu / 2 * ||w - w_global||^2`` over all arrays."""
    return float(mu) / 2.0 * float(
        sum(np.sum((np.asarray(w, dtype=np.float64) - np.asarray(g, dtype=np.float64)) ** 2) for w, g in zip(parameters, global_parameters))
    )


def save_parameters(path: str, parameters: Sequence[np.ndarray]) -> str:
    """Write the parameters to ``path`` (.npz, arrays ``param_000``, ``param_001``, ... in order)."""
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    np.savez(path, **{f"param_{i:03d}": np.asarray(p) for i, p in enumerate(parameters)})
    return path


def load_parameters(path: str) -> List[np.ndarray]:
    with np.load(path) as archive:
        return [archive[name] for name in sorted(archive.files)]
