"""A smoke run of the FLOps call order in seconds, without Flower and without an image build.

``python -m flops_app.check RUN_CONFIG_JSON`` (from the repository root, with the generated app and
the repository on ``sys.path``) runs what the aggregator and one learner do in round 1:

1. ``aggregator``: ``ModelManager()`` and ``get_model_parameters()`` (no data);
2. ``set_model_data``: a learner's ``ModelManager()`` and ``set_model_data()`` on partition 0, capped
   at ``FLOPS_CHECK_MAX_ROWS`` rows (default 256) so that it takes seconds;
3. ``fit_model``: ``set_model_parameters(initial)``, ``fit_model()`` and ``get_model_parameters()``;
4. ``evaluate_model``: ``set_model_parameters(updated)`` and ``evaluate_model()``;
5. ``aggregate``: FedAvg of the update with itself, shapes as the initial parameters.

Prints one JSON line per step (``{"step", "ok", "seconds"}``) and, at the first failure,
``{"step", "ok": false, "error", "message", "file", "line", "traceback"}`` where ``file`` and
``line`` are the innermost frame in the repository's own code; exits 1 then, 0 when all passed.
"""

import json
import os
import sys
import time
import traceback

from flops_app.frames import inside, user_frames

STEPS = ("aggregator", "set_model_data", "fit_model", "evaluate_model", "aggregate")


def user_frame(tb, root):
    """(path relative to root, line) of the innermost of the user's frames (frames.user_frames) that lies
    in the repository, or (None, None)."""
    generated = [os.path.join(root, name) for name in ("flops_app", "flops_utils", ".flops")]
    for path, line in reversed(user_frames(tb)):
        if inside(path, root) and not any(path == g or inside(path, g) for g in generated):
            return os.path.relpath(path, root).replace(os.sep, "/"), line
    return None, None


def emit(record):
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


def main(argv):
    if len(argv) != 1:
        print("usage: python -m flops_app.check RUN_CONFIG_JSON", file=sys.stderr)
        return 2
    run_config = json.loads(argv[0])
    root = os.path.abspath(os.getcwd())
    max_rows = int(os.environ.get("FLOPS_CHECK_MAX_ROWS", "256") or 256)
    state = {}

    def aggregator():
        from flops_app import adapter

        state["adapter"] = adapter
        state["initial"] = adapter.Aggregator().initial_parameters()

    def set_model_data():
        adapter = state["adapter"]
        values = adapter.data_settings({"partition-id": 0, "num-partitions": int(run_config.get("num-partitions", 1))}, run_config)
        adapter.local_data.configure(max_rows=max_rows, **values)
        state["learner"] = adapter.Learner()

    def fit_model():
        state["updated"], state["fit_metrics"] = state["learner"].train(state["initial"], {"server-round": 1})

    def evaluate_model():
        state["evaluation"] = state["learner"].evaluate(state["updated"], {"server-round": 1})

    def aggregate():
        adapter = state["adapter"]
        count = state["fit_metrics"][adapter.WEIGHT_KEY]
        merged = adapter.fedavg([(state["updated"], count), (state["updated"], count)] if count > 0 else [(state["updated"], 1)])
        shapes = [tuple(p.shape) for p in state["initial"]]
        if [tuple(p.shape) for p in merged] != shapes:
            raise ValueError(f"fit_model changed the parameter shapes: {shapes} before, {[tuple(p.shape) for p in merged]} after")

    for name, step in zip(STEPS, (aggregator, set_model_data, fit_model, evaluate_model, aggregate)):
        started = time.perf_counter()
        try:
            step()
        except BaseException as error:  # SystemExit and KeyboardInterrupt from user code too
            file, line = user_frame(error.__traceback__, root)
            emit({
                "step": name,
                "ok": False,
                "seconds": round(time.perf_counter() - started, 3),
                "error": type(error).__name__,
                "message": str(error),
                "file": file,
                "line": line,
                "traceback": traceback.format_exc(),
            })
            return 1
        record = {"step": name, "ok": True, "seconds": round(time.perf_counter() - started, 3)}
        if name == "fit_model":
            record["examples"] = state["fit_metrics"][state["adapter"].WEIGHT_KEY]
        if name == "evaluate_model":
            record["metrics"] = {k: v for k, v in state["evaluation"].items()}
        emit(record)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
