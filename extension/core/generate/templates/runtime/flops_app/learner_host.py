"""The learner's ``ModelManager`` built once and kept across rounds, within Flower's isolation model.

Flower's SuperNode runs every train and evaluate message in a fresh ClientApp process (``--isolation
subprocess``, its default), so anything the ClientApp builds is gone after each message. FLOps, in
contrast, builds a learner's ``ModelManager`` and calls ``set_model_data()`` once per learner. This
module keeps FLOps' model: the first message of a run starts one *learner host* process per learner
(``python -m flops_app.learner_host``, in its own session so it outlives the ClientApp process), which
builds ``adapter.Learner`` (``ModelManager()`` and ``set_model_data()``) once and then serves every
train/evaluate message of that run over a Unix socket; each ClientApp process is a thin client of it
(``RemoteLearner``). Data loading therefore happens once per learner and run, and learner-local state
(optimizer, counters) survives between rounds, as under FLOps.

* One host per (data settings, run): a new run starts a fresh host (a fresh model), and stops this
  learner's hosts of earlier runs (other learners' hosts in the same folder are left alone).
* A host exits after ``FLOPS_LEARNER_IDLE_SECONDS`` (default 3600) without a message, and when building
  the learner failed (after reporting it), so that the next message tries again from scratch.
* The host's output (the user's prints, tracebacks) goes to ``<key>.log`` in the host folder, and each
  ClientApp process copies what the host wrote while answering it to its own stderr, so the output
  lands where Flower puts the ClientApp's (the learner's log). The host must not inherit the ClientApp
  process's stdout: if that is a pipe, whoever reads it would wait for the host to exit.
* Errors in the user's code are printed with their traceback (as Flower prints a ClientApp's
  exception) and re-raised in the ClientApp as ``LearnerError`` with the exception and the user's file
  and line, so Flower's reply carries them to the ServerApp.
* The socket and its key live in a folder only this user may enter (``FLOPS_LEARNER_DIR``, default
  ``$TMPDIR/flops-learners-<uid>``); connections are authenticated with the key (stdlib
  ``multiprocessing.connection``).
"""

import hashlib
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client, Listener
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from flops_app import adapter
from flops_app.frames import APP_ROOT, inside, user_frames

START_SECONDS = 60.0  # how long a client waits for a new host's socket


class LearnerError(RuntimeError):
    """The user's code raised in the learner host; the message names the exception and where."""


class LearnerHostLost(RuntimeError):
    """The learner host ended while answering (killed, out of memory, crashed)."""


def host_dir() -> str:
    path = os.environ.get("FLOPS_LEARNER_DIR") or os.path.join(tempfile.gettempdir(), f"flops-learners-{os.getuid()}")
    os.makedirs(path, mode=0o700, exist_ok=True)
    if os.stat(path).st_uid != os.getuid() or os.stat(path).st_mode & 0o077:
        raise PermissionError(f"{path} must belong to this user and be closed to others (mode 700)")
    return path


def host_key(values: Dict, run_id: str) -> str:
    """``<learner>-<run>``: the learner part hashes the data settings (which partition of which data),
    so SuperNodes sharing a folder (several on one machine) keep apart; the run part the run id."""
    data = json.dumps({k: list(v) if isinstance(v, tuple) else v for k, v in sorted(values.items())}, sort_keys=True)
    digest = lambda text: hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]  # noqa: E731
    return f"{digest(data)}-{digest(str(run_id))}"


def user_location(tb) -> Optional[str]:
    """'file.py, line N' of the innermost frame of the user's code (frames.user_frames), relative to the
    app folder or the working folder when inside one; None without one."""
    found = user_frames(tb)
    if not found:
        return None
    path, line = found[-1]
    for root in (APP_ROOT, os.getcwd()):
        if inside(path, root):
            path = os.path.relpath(path, root)
            break
    return f"{path}, line {line}"


def describe(error: BaseException) -> str:
    where = user_location(error.__traceback__)
    return f"{type(error).__name__}: {error}" + (f" ({where})" if where else "")


class RemoteLearner:
    """The ClientApp's handle on its learner host: ``train``/``evaluate`` as ``adapter.Learner`` has them."""

    def __init__(self, node_config: Dict, run_config: Dict, run_id=""):
        self.values = adapter.data_settings(dict(node_config), dict(run_config))
        self.key = host_key(self.values, str(run_id))
        folder = host_dir()
        self.socket_path = os.path.join(folder, f"{self.key}.sock")
        self.key_path = os.path.join(folder, f"{self.key}.key")
        self.log_path = os.path.join(folder, f"{self.key}.log")

    def train(self, parameters: Sequence[np.ndarray], config: Dict) -> Tuple[List[np.ndarray], Dict]:
        updated, metrics = self._call("train", parameters, config)
        return updated, self._signed(metrics)

    def evaluate(self, parameters: Sequence[np.ndarray], config: Dict) -> Dict:
        return self._signed(self._call("evaluate", parameters, config))

    def _signed(self, metrics: Dict) -> Dict:
        """The reply's metrics with this learner's partition id, so the ServerApp's metrics line can say
        which learner each reply came from (Flower only knows node ids); it leaves the key out of the
        aggregate (``metrics_line.PARTITION_KEY``)."""
        return {**metrics, "partition-id": int(self.values["partition_id"])}

    def _call(self, operation: str, parameters: Sequence[np.ndarray], config: Dict):
        offset = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
        connection = self._connect()
        if not os.path.exists(self.log_path) or os.path.getsize(self.log_path) < offset:
            offset = 0  # a new host started for this message
        try:
            connection.send((operation, [np.asarray(p) for p in parameters], dict(config)))
            status, value = connection.recv()
        except (EOFError, OSError) as error:
            raise LearnerHostLost(
                f"the learner process ended while running {operation} ({type(error).__name__}); "
                "it may have been killed or run out of memory (see the learner's log); the next message starts a new one"
            ) from None
        finally:
            connection.close()
            self._relay_output(offset)
        if status == "ok":
            return value
        raise LearnerError(value)

    def _relay_output(self, offset: int) -> None:
        """What the host wrote since ``offset``, to this process's stderr."""
        try:
            with open(self.log_path, "rb") as handle:
                handle.seek(offset)
                text = handle.read().decode("utf-8", errors="replace")
        except OSError:
            return
        if text:
            sys.stderr.write(text)
            sys.stderr.flush()

    def _connect(self):
        connection = self._try_connect()
        if connection is not None:
            return connection
        process = self._start_host()
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            connection = self._try_connect()
            if connection is not None:
                return connection
            if process is not None and process.poll() is not None:
                raise LearnerHostLost(f"the learner process exited with code {process.returncode} before it listened (see the learner's log)")
            time.sleep(0.05)
        raise LearnerHostLost(f"the learner process did not listen within {START_SECONDS:.0f} s")

    def _try_connect(self):
        try:
            with open(self.key_path, "rb") as handle:
                secret = handle.read()
            return Client(self.socket_path, family="AF_UNIX", authkey=secret)
        except (FileNotFoundError, ConnectionRefusedError, AuthenticationError, EOFError):
            return None  # no host yet, or a dead one's leftovers: start one

    def _start_host(self) -> Optional[subprocess.Popen]:
        """Starts this learner's host unless another ClientApp process is doing so (a lock decides)."""
        import fcntl  # POSIX only, as the containers are

        lock_path = os.path.join(os.path.dirname(self.socket_path), "start.lock")
        with open(lock_path, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if self._try_connect() is not None:
                return None
            stop_other_hosts(os.path.dirname(self.socket_path), keep=self.key)
            for stale in (self.socket_path, self.key_path, self.log_path):
                if os.path.exists(stale):
                    os.unlink(stale)
            descriptor = os.open(self.key_path + ".new", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(secrets.token_bytes(32))
            env = dict(os.environ)
            env["PYTHONUNBUFFERED"] = "1"  # its output is relayed after each message: nothing may wait in a buffer
            env["PYTHONPATH"] = os.pathsep.join([APP_ROOT] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
            with open(self.log_path, "ab") as log:
                process = subprocess.Popen(
                    [sys.executable, "-m", "flops_app.learner_host", self.socket_path, self.key_path, json.dumps(self.values)],
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=log,
                    start_new_session=True,
                    env=env,
                )
            # The key appears when the host is about to listen, so a client never reads a half-written one.
            deadline = time.monotonic() + START_SECONDS
            while not os.path.exists(self.socket_path) and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)
            return process


def stop_other_hosts(folder: str, keep: str) -> None:
    """Asks this learner's hosts of earlier runs in ``folder`` to exit (best effort: a dead one's files
    are removed)."""
    learner = keep.split("-", 1)[0]
    for name in os.listdir(folder):
        if not name.endswith(".sock") or name == f"{keep}.sock" or not name.startswith(f"{learner}-"):
            continue
        key = name[: -len(".sock")]
        if os.path.exists(os.path.join(folder, f"{key}.log")):
            os.unlink(os.path.join(folder, f"{key}.log"))
        try:
            with open(os.path.join(folder, f"{key}.key"), "rb") as handle:
                connection = Client(os.path.join(folder, name), family="AF_UNIX", authkey=handle.read())
            connection.send(("exit", [], {}))
            connection.close()
        except (OSError, EOFError, AuthenticationError):
            for leftover in (name, f"{key}.key"):
                try:
                    os.unlink(os.path.join(folder, leftover))
                except OSError:
                    pass


def serve(socket_path: str, key_path: str, values: Dict, idle_seconds: float) -> int:
    """The host: builds the learner on the first message, then answers until idle or told to exit."""
    with open(key_path + ".new", "rb") as handle:
        secret = handle.read()
    listener = Listener(socket_path, family="AF_UNIX", authkey=secret)
    os.chmod(socket_path, 0o600)
    os.replace(key_path + ".new", key_path)
    last_message = [time.monotonic()]

    def watchdog():
        while True:
            time.sleep(min(idle_seconds, 5.0))
            if time.monotonic() - last_message[0] > idle_seconds:
                cleanup(socket_path, key_path)
                os._exit(0)

    threading.Thread(target=watchdog, name="idle", daemon=True).start()

    def on_signal(signum, _frame):
        cleanup(socket_path, key_path)
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    settings = {key: tuple(value) if key == "data_tags" else value for key, value in values.items()}
    learner = None
    while True:
        try:
            connection = listener.accept()
        except (OSError, EOFError, AuthenticationError):  # a client that failed the key exchange
            continue
        try:
            operation, parameters, config = connection.recv()
            last_message[0] = time.monotonic()
            if operation == "exit":
                cleanup(socket_path, key_path)
                return 0
            if learner is None:
                try:
                    adapter.local_data.configure(**settings)
                    started = time.perf_counter()
                    learner = adapter.Learner()
                    print(f"flops: learner ready (ModelManager and set_model_data in {time.perf_counter() - started:.2f} s; kept for this run)", file=sys.stderr, flush=True)
                except Exception as error:
                    traceback.print_exc()
                    connection.send(("error", f"building the learner failed: {describe(error)}"))
                    cleanup(socket_path, key_path)
                    return 1
            try:
                if operation == "train":
                    result = learner.train(parameters, config)
                elif operation == "evaluate":
                    result = learner.evaluate(parameters, config)
                else:
                    raise ValueError(f"unknown operation {operation!r}")
                connection.send(("ok", result))
            except Exception as error:
                traceback.print_exc()
                sys.stderr.flush()
                connection.send(("error", describe(error)))
        except (EOFError, OSError):
            pass  # the ClientApp process went away mid-message; Flower reports that side
        finally:
            connection.close()
            last_message[0] = time.monotonic()


def cleanup(socket_path: str, key_path: str) -> None:
    for path in (socket_path, key_path):  # the log stays: the last client relays the host's final words
        try:
            os.unlink(path)
        except OSError:
            pass


def main(argv: List[str]) -> int:
    if len(argv) != 3:
        print("usage: python -m flops_app.learner_host SOCKET KEY_FILE DATA_SETTINGS_JSON", file=sys.stderr)
        return 2
    idle = float(os.environ.get("FLOPS_LEARNER_IDLE_SECONDS", "3600") or 3600)
    return serve(argv[0], argv[1], json.loads(argv[2]), idle)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
