"""ServerApp: runs the configured strategy from the aggregator's own ModelManager.

Thin Flower layer (Message API, Flower >= 1.23): everything FLOps-specific is in ``adapter``,
``settings`` and ``metrics_line``, which import no Flower.
"""

import os
import sys

from flwr.app import ArrayRecord, ConfigRecord, Context
from flwr.serverapp import Grid, ServerApp
from flwr.serverapp import strategy as strategies

from flops_app import adapter, metrics_line, mlflow_rest, settings

app = ServerApp()


def _as_dict(record):
    return None if record is None else {key: value for key, value in record.items() if not isinstance(value, list)}


def _reply_metrics(replies):
    """The metrics of each reply without error (its one MetricRecord, as a dict)."""
    found = []
    for reply in replies:
        if reply.has_error():
            continue
        records = list(reply.content.metric_records.values())
        found.append(dict(records[0]) if records else {})
    return found


def _reply_entries(replies):
    """Each reply as ``metrics_line.learner_entries`` takes it: node id, its metrics or its error."""
    entries = []
    for reply in replies:
        if reply.has_error():
            entries.append({"node": reply.metadata.src_node_id, "metrics": None, "error": reply.error.reason})
            continue
        records = list(reply.content.metric_records.values())
        entries.append({"node": reply.metadata.src_node_id, "metrics": dict(records[0]) if records else {}, "error": None})
    return entries


def _reply_errors(replies):
    """Each failed reply's error, as Flower words it (the ClientApp's exception for a raised one)."""
    return [f"node {reply.metadata.src_node_id}: {reply.error.reason}" for reply in replies if reply.has_error()]


def _round_logging(base, aggregator, run_id, rounds, name, tracker):
    """The strategy, with hooks that hand each aggregate to the aggregator's ModelManager and print
    one metrics line per round. ``Strategy.start`` calls ``aggregate_evaluate`` every round, with no
    replies when learners do not evaluate (fraction-evaluate 0), so the line is printed there.
    A round without one train result prints its line and fails the run (``adapter.RoundFailed``):
    Flower's strategy would go on with the previous model and report the run as completed."""
    pending = {}

    def flush(server_round, evaluate, evaluate_nodes, evaluate_failures=0, evaluate_replies=()):
        train, train_nodes, train_failures, train_replies = pending.pop(server_round, (None, 0, 0, []))
        line = metrics_line.round_line(
            run_id, server_round, rounds, name, train, evaluate, train_nodes, evaluate_nodes,
            train_failures=train_failures, evaluate_failures=evaluate_failures,
            learners=metrics_line.learner_entries(train_replies, list(evaluate_replies)),
        )
        metrics_line.emit(line)
        if tracker is not None:
            tracker.log_metrics(server_round, metrics_line.without_partition(train), "train_")
            tracker.log_metrics(server_round, metrics_line.without_partition(evaluate), "eval_")

    class RoundLogging(base):
        def aggregate_train(self, server_round, replies):
            replies = list(replies)
            arrays, metrics = super().aggregate_train(server_round, replies)
            if arrays is not None:
                aggregator.update(arrays.to_numpy_ndarrays())
            received = _reply_metrics(replies)
            errors = _reply_errors(replies)
            pending[server_round] = (metrics_line.with_example_count(_as_dict(metrics), received), len(received), len(errors), _reply_entries(replies))
            failure = adapter.round_failure(server_round, len(received), errors)
            if failure is not None:
                flush(server_round, None, 0)
                raise adapter.RoundFailed(failure)
            return arrays, metrics

        def aggregate_evaluate(self, server_round, replies):
            replies = list(replies)
            metrics = super().aggregate_evaluate(server_round, replies)
            received = _reply_metrics(replies)
            flush(server_round, metrics_line.with_example_count(_as_dict(metrics), received), len(received), len(_reply_errors(replies)), _reply_entries(replies))
            return metrics

    return RoundLogging, pending, flush


@app.main()
def main(grid: Grid, context: Context) -> None:
    run_config = dict(context.run_config)
    name = settings.strategy_name(run_config)
    rounds = settings.num_rounds(run_config)
    aggregator = adapter.Aggregator()
    arguments = settings.strategy_arguments(run_config)
    tracker = None
    if run_config.get("mlflow-uri"):
        tracker = mlflow_rest.MlflowTracker(str(run_config["mlflow-uri"]), str(run_config.get("mlflow-experiment", "flops")))
        tracker.start(
            f"{name}-run-{context.run_id}",
            {"fl.role": "server", "fl.run_id": str(context.run_id), "fl.strategy": name},
            {"strategy": name, "rounds": rounds, **arguments, **settings.round_settings(run_config)},
        )
    strategy_class, pending, flush = _round_logging(getattr(strategies, name), aggregator, context.run_id, rounds, name, tracker)
    strategy = strategy_class(**arguments)
    round_settings = settings.round_settings(run_config)
    try:
        result = strategy.start(
            grid=grid,
            initial_arrays=ArrayRecord(aggregator.initial_parameters()),
            num_rounds=rounds,
            train_config=ConfigRecord(round_settings),
            evaluate_config=ConfigRecord(round_settings),
        )
    except BaseException:
        if tracker is not None:
            tracker.finish("FAILED")
        raise
    for server_round in sorted(pending):  # only if a round ended without reaching aggregate_evaluate
        flush(server_round, None, 0)
    if tracker is not None:
        tracker.finish("FINISHED")
    output_dir = str(run_config.get("output-dir", "output"))
    # Flower's Result starts with an empty ArrayRecord: only a run that aggregated something saves.
    if result.arrays is not None and len(result.arrays) > 0 and output_dir:
        path = os.path.join(output_dir, f"final-parameters-{context.run_id}.npz")
        try:
            adapter.save_parameters(path, result.arrays.to_numpy_ndarrays())
        except OSError as error:
            print(f"flops: could not save the final parameters to {path}: {error}", file=sys.stderr, flush=True)
