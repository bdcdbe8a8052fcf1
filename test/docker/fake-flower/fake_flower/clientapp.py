"""FAKE ``flwr-clientapp``: one train or evaluate message, in a fresh process (Flower's
``--isolation subprocess``, its default, starts one per message).

Usage (by the fake SuperNode only): ``python -m fake_flower.clientapp MESSAGE_FILE REPLY_FILE``. The
message file holds one frame (``frames.write_frame``: the header with ``type``, ``run_id``,
``run_config``, ``config``, ``node_config``; the parameters as npz); the reply file gets the reply
frame. What the generated ``client_app.py`` does through Flower, done directly:
``learner_host.RemoteLearner(node_config, run_config, run_id).train(...)`` / ``.evaluate(...)``. When
that raises, the traceback goes to stderr (as Flower's ClientApp prints it) and the reply carries the
error as Flower words it (``<class '...'>:<'message'>``).
"""

import importlib
import os
import sys
import time
import traceback

from fake_flower import console
from fake_flower.frames import decode_arrays, encode_arrays, read_frame, write_frame


def answer(header: dict, payload: bytes):
    reply = {"type": "reply", "msg_id": header.get("msg_id")}
    try:
        learner_host = importlib.import_module("flops_app.learner_host")
        learner = learner_host.RemoteLearner(header.get("node_config") or {}, header.get("run_config") or {}, header.get("run_id", ""))
        parameters = decode_arrays(payload)
        if header["type"] == "train":
            delay = float(os.environ.get("FAKE_FLOWER_ROUND_DELAY", "0") or 0)
            if delay > 0:
                time.sleep(delay)
            updated, metrics = learner.train(parameters, header.get("config") or {})
            return {**reply, "metrics": metrics}, encode_arrays(updated)
        if header["type"] == "evaluate":
            return {**reply, "metrics": learner.evaluate(parameters, header.get("config") or {})}, b""
        return {**reply, "error": f"the fake ClientApp cannot handle {header['type']!r} messages"}, b""
    except Exception as error:
        console.log("ERROR", "ClientApp raised an exception")
        console.log_raw(traceback.format_exc(), error=True)
        return {**reply, "error": f"<class '{type(error).__module__}.{type(error).__name__}'>:<'{error}'>"}, b""


def main(argv) -> int:
    message_file, reply_file = argv
    with open(message_file, "rb") as handle:
        header, payload = read_frame(handle)
    sys.path.insert(0, os.getcwd())  # the app directory, as Flower puts it first
    reply, data = answer(header, payload)
    with open(reply_file, "wb") as handle:
        write_frame(handle, reply, data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
