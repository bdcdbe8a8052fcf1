"""The fake ServerApp: one run of FedAvg over the connected learners, with the generated adapter.

What the generated ``flops_app/server_app.py`` does through Flower's strategy, done directly: the
aggregator's own ``ModelManager`` gives the initial model, each round trains on a sample of the
learners, averages their parameters weighted by ``num-examples`` (``adapter.fedavg``), hands the
result to the aggregator's ``ModelManager``, evaluates, and prints one metrics line. Only FedAvg is
implemented; any other strategy name is aggregated with FedAvg after a warning.
"""

import importlib
import math
import os
import random
import time
import traceback
from typing import Dict, List, Sequence

from fake_flower import console
from fake_flower.fleet import Fleet, Reply

WAIT_LOG_SECONDS = 2.0


class RunFailed(Exception):
    """The run cannot go on (no learner trained); reported without a traceback."""


class RunLog:
    """Where a run's lines go: the SuperLink's own stdout/stderr, and the ``flwr run --stream``
    client while it listens (``send`` is None without one, or after it went away)."""

    def __init__(self, send):
        self.send = send

    def log(self, level: str, message: str) -> None:
        console.log(level, message)
        for part in str(message).splitlines() or [""]:
            self.mirror(console.line(level, part))

    def write(self, text: str) -> None:
        """File-like, for ``metrics_line.emit(line, stream=...)``: the raw line, as the ServerApp prints it."""
        console.log_raw(text)
        for part in text.splitlines():
            self.mirror(part)

    def flush(self) -> None:
        pass

    def mirror(self, text: str) -> None:
        if self.send is None:
            return
        try:
            self.send({"type": "log", "line": text})
        except OSError:
            self.send = None  # the client stopped listening; the run goes on, as in Flower


def run(run_id: str, run_config: Dict, fleet: Fleet, out: RunLog) -> str:
    """Runs the ServerApp; returns "" when it completed, else why it failed."""
    try:
        _run(run_id, run_config, fleet, out)
        return ""
    except RunFailed as error:
        out.log("ERROR", str(error))
        return str(error)
    except Exception as error:  # the user's code or the adapter raised: Flower prints the traceback
        text = traceback.format_exc()
        console.log_raw(text, error=True)
        for part in text.splitlines():
            out.mirror(part)
        return f"ServerApp raised {type(error).__name__}: {error}"


def _run(run_id: str, run_config: Dict, fleet: Fleet, out: RunLog) -> None:
    adapter = importlib.import_module("flops_app.adapter")
    settings = importlib.import_module("flops_app.settings")
    metrics_line = importlib.import_module("flops_app.metrics_line")

    name = settings.strategy_name(run_config)
    rounds = settings.num_rounds(run_config)
    arguments = settings.strategy_arguments(run_config)
    if name != "FedAvg":
        out.log("WARNING", f"The fake ServerApp only implements FedAvg; aggregating with FedAvg instead of {name}.")
    round_config = settings.round_settings(run_config)
    timeout = float(os.environ.get("FAKE_FLOWER_ROUND_TIMEOUT", "3600"))  # strategy.start's default
    # Flower's strategy defaults (flower-mlflow.md §2).
    fraction_train = arguments.get("fraction_train", 1.0)
    fraction_evaluate = arguments.get("fraction_evaluate", 1.0)
    min_train = arguments.get("min_train_nodes", 2)
    min_evaluate = arguments.get("min_evaluate_nodes", 2)
    min_available = arguments.get("min_available_nodes", 2)

    aggregator = adapter.Aggregator()
    parameters = aggregator.initial_parameters()
    out.log("INFO", f"Starting {name} strategy (fake ServerApp: FedAvg):")
    out.log("INFO", f"\t├── Number of rounds: {rounds}")
    out.log("INFO", f"\t├── Train: fraction {fraction_train}, at least {min_train} nodes; evaluate: fraction {fraction_evaluate}, at least {min_evaluate} nodes")
    out.log("INFO", f"\t└── Minimum available nodes: {min_available}")
    started = time.monotonic()
    for server_round in range(1, rounds + 1):
        out.log("INFO", "")
        out.log("INFO", f"[ROUND {server_round}/{rounds}]")
        config = {**round_config, "server-round": server_round}

        nodes = _sample(fleet, fraction_train, min_train, min_available, out)
        out.log("INFO", f"configure_train: Sampled {len(nodes)} nodes (out of {len(fleet.node_ids())})")
        replies = fleet.send_and_receive(nodes, "train", run_id, run_config, config, parameters, timeout)
        trained = _successes(replies, "train", out)
        train_errors = [f"node {r.node_id}: {r.error or 'train reply without parameters'}" for r in replies if r not in trained]
        failure = adapter.round_failure(server_round, len(trained), train_errors)
        train_entries = _entries(replies)
        if failure is not None:  # as server_app.py: the round's line, then the run fails
            line = metrics_line.round_line(
                run_id, server_round, rounds, name, None, None, 0, 0, train_failures=len(train_errors),
                learners=metrics_line.learner_entries(train_entries, []),
            )
            metrics_line.emit(line, stream=out)
            raise RunFailed(failure)
        results = [(r.arrays, adapter.example_count(r.metrics.get("num-examples"), "num-examples")) for r in trained]
        parameters = adapter.fedavg(results)
        aggregator.update(parameters)
        train_metrics = adapter.weighted_average([r.metrics for r in trained])
        out.log("INFO", f"\t└──> Aggregated MetricRecord: {train_metrics}")

        evaluate_metrics, evaluated, evaluate_failures, evaluate_entries = None, [], 0, []
        if fraction_evaluate > 0:  # Flower's FedAvg skips evaluation at fraction 0
            nodes = _sample(fleet, fraction_evaluate, min_evaluate, min_available, out)
            out.log("INFO", f"configure_evaluate: Sampled {len(nodes)} nodes (out of {len(fleet.node_ids())})")
            replies = fleet.send_and_receive(nodes, "evaluate", run_id, run_config, config, parameters, timeout)
            evaluated = _successes(replies, "evaluate", out)
            evaluate_failures = len(replies) - len(evaluated)
            evaluate_entries = _entries(replies)
            if evaluated:
                evaluate_metrics = adapter.weighted_average([r.metrics for r in evaluated])
                out.log("INFO", f"\t└──> Aggregated MetricRecord: {evaluate_metrics}")
        line = metrics_line.round_line(
            run_id, server_round, rounds, name, train_metrics, evaluate_metrics, len(trained), len(evaluated),
            train_failures=len(train_errors), evaluate_failures=evaluate_failures,
            learners=metrics_line.learner_entries(train_entries, evaluate_entries),
        )
        metrics_line.emit(line, stream=out)

    out.log("INFO", "")
    out.log("INFO", f"Strategy execution finished in {time.monotonic() - started:.2f}s")
    output_dir = str(run_config.get("output-dir", "output"))
    if output_dir:
        path = os.path.join(output_dir, f"final-parameters-{run_id}.npz")
        try:
            adapter.save_parameters(path, parameters)
            out.log("INFO", f"Final parameters saved to {path}")
        except OSError as error:  # as server_app.py: a failed save does not fail the run
            console.log("ERROR", f"flops: could not save the final parameters to {path}: {error}")


def _sample(fleet: Fleet, fraction: float, min_nodes: int, min_available: int, out: RunLog) -> List[int]:
    """Waits until enough nodes are connected (logging Flower's waiting line every 2 s), then picks
    ``max(fraction of them, min_nodes)`` at random. Like Flower, it waits as long as it takes."""
    required = max(min_available, min_nodes)
    last_log = -math.inf
    while True:
        ids = fleet.node_ids()
        if len(ids) >= required:
            break
        if time.monotonic() - last_log >= WAIT_LOG_SECONDS:
            out.log("INFO", f"Waiting for nodes to connect: {len(ids)} connected (minimum required: {required}).")
            last_log = time.monotonic()
        fleet.wait_for_change(0.5)
    count = min(len(ids), max(int(len(ids) * fraction), min_nodes))
    return random.sample(ids, count)


def _entries(replies: Sequence[Reply]) -> List[Dict]:
    """The replies as ``metrics_line.learner_entries`` takes them (as server_app.py builds them)."""
    return [
        {"node": r.node_id, "metrics": None if r.error is not None else dict(r.metrics), "error": r.error}
        for r in replies
    ]


def _successes(replies: Sequence[Reply], kind: str, out: RunLog) -> List[Reply]:
    ok = [r for r in replies if r.error is None and (kind != "train" or r.arrays is not None)]
    for reply in replies:
        if reply not in ok:
            out.log("WARNING", f"aggregate_{kind}: node {reply.node_id} failed: {reply.error or 'train reply without parameters'}")
    out.log("INFO", f"aggregate_{kind}: Received {len(ok)} results and {len(replies) - len(ok)} failures")
    return ok
