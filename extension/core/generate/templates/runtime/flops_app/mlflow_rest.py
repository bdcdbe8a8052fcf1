"""Per-round MLflow tracking over MLflow's REST API (plain Python, standard library only, no Flower).

The image carries no ``mlflow`` package. The ServerApp creates one run per Flower run (name
``<strategy>-run-<flower run id>``, tags ``fl.role=server``, ``fl.run_id``, ``fl.strategy``), logs the
parameters once, the aggregated metrics of every round with ``step = round`` (``train_``/``eval_``
prefixes), and finishes the run as FINISHED or FAILED. Tracking never stops training: the first
failure prints one warning and turns the logger off.
"""

import json
import math
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Callable, Dict, Optional


class MlflowError(Exception):
    def __init__(self, status: int, error_code: str, message: str):
        super().__init__(f"HTTP {status} {error_code}: {message}")
        self.status = status
        self.error_code = error_code


def metric_value(value) -> object:
    """A metric value as MLflow's JSON takes it: a number, or "NaN", "Infinity", "-Infinity"."""
    number = float(value)
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    return number


def prefixed(key: str, prefix: str) -> str:
    """``train_loss`` for ``loss``; a key that already has the prefix keeps it (no ``train_train_loss``)."""
    return key if key.startswith(prefix) else f"{prefix}{key}"


class MlflowTracker:
    def __init__(
        self,
        uri: str,
        experiment: str,
        timeout: float = 5.0,
        now: Callable[[], float] = time.time,
        warn: Optional[Callable[[str], None]] = None,
    ):
        self.base = uri.rstrip("/") + "/api/2.0/mlflow/"
        self.experiment = experiment
        self.timeout = timeout
        self.now = now
        self.warn = warn or (lambda text: print(f"flops: {text}", file=sys.stderr, flush=True))
        self.run_id: Optional[str] = None
        self.enabled = True

    def _call(self, method: str, path: str, body: Optional[Dict] = None, query: Optional[Dict] = None) -> Dict:
        url = self.base + path + ("?" + urllib.parse.urlencode(query) if query else "")
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                text = response.read().decode("utf-8")
                return json.loads(text) if text else {}
        except urllib.error.HTTPError as error:
            try:
                detail = json.loads(error.read().decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                detail = {}
            raise MlflowError(error.code, str(detail.get("error_code", "")), str(detail.get("message", error.reason))) from None

    def _ms(self) -> int:
        return int(self.now() * 1000)

    def _guard(self, what: str, action: Callable[[], None]) -> None:
        if not self.enabled:
            return
        try:
            action()
        except (OSError, ValueError, MlflowError) as error:
            self.enabled = False
            self.warn(f"MLflow tracking at {self.base} is off: {what} failed ({error}); training goes on.")

    def _experiment_id(self) -> str:
        try:
            return str(self._call("GET", "experiments/get-by-name", query={"experiment_name": self.experiment})["experiment"]["experiment_id"])
        except MlflowError as error:
            if error.status != 404:
                raise
        try:
            return str(self._call("POST", "experiments/create", {"name": self.experiment})["experiment_id"])
        except MlflowError as error:
            if error.error_code != "RESOURCE_ALREADY_EXISTS":
                raise
            # Created concurrently: look it up again.
            return str(self._call("GET", "experiments/get-by-name", query={"experiment_name": self.experiment})["experiment"]["experiment_id"])

    def start(self, run_name: str, tags: Dict[str, str], params: Dict[str, object]) -> None:
        def action() -> None:
            experiment_id = self._experiment_id()
            run = self._call(
                "POST",
                "runs/create",
                {
                    "experiment_id": experiment_id,
                    "run_name": run_name,
                    "start_time": self._ms(),
                    "tags": [{"key": k, "value": str(v)} for k, v in tags.items()],
                },
            )
            self.run_id = str(run["run"]["info"]["run_id"])
            items = [{"key": k, "value": str(v)[:6000]} for k, v in params.items()]
            for offset in range(0, len(items), 100):
                self._call("POST", "runs/log-batch", {"run_id": self.run_id, "params": items[offset : offset + 100]})

        self._guard("starting the run", action)

    def log_metrics(self, step: int, metrics: Optional[Dict], prefix: str) -> None:
        if not metrics or self.run_id is None:
            return
        timestamp = self._ms()
        items = [
            {"key": prefixed(k, prefix), "value": metric_value(v), "timestamp": timestamp, "step": int(step)}
            for k, v in metrics.items()
            if v is not None and not isinstance(v, bool)
        ]

        def action() -> None:
            for offset in range(0, len(items), 1000):
                self._call("POST", "runs/log-batch", {"run_id": self.run_id, "metrics": items[offset : offset + 1000]})

        self._guard(f"logging round {step}", action)

    def finish(self, status: str) -> None:
        if self.run_id is None:
            return
        self._guard("finishing the run", lambda: self._call("POST", "runs/update", {"run_id": self.run_id, "status": status, "end_time": self._ms()}))
