"""FAKE ``flower-supernode --insecure --superlink HOST:PORT --node-config "k=v ..."``.

Connects to the SuperLink's fleet listener (retrying every second until it accepts, as Flower's
SuperNode retries), registers with its node config and answers each ``train``/``evaluate`` message in
a fresh ClientApp process (``fake_flower.clientapp``, as Flower's default ``--isolation subprocess``
does), which runs the generated ``learner_host.RemoteLearner``, i.e. the user's real ``ModelManager``
in its learner host. When that raises, the traceback goes to stderr (as Flower's ClientApp prints it)
and the reply carries the error; the SuperNode keeps serving. A lost connection
is retried. ``FAKE_FLOWER_ROUND_DELAY`` (seconds) sleeps inside every train, so that tests can stop
or pause a learner mid-round.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from typing import List, Optional, Tuple

from fake_flower import FLOWER_VERSION, console
from fake_flower.fleet import PING_SECONDS
from fake_flower.frames import read_frame, recv_frame, send_frame, write_frame
from fake_flower.run_config import parse_address, parse_pairs

RETRY_SECONDS = 1.0


def handle(header: dict, payload: bytes, node_config: dict) -> Tuple[dict, bytes]:
    """One train or evaluate message in a fresh ClientApp process (``fake_flower.clientapp``), as
    Flower's subprocess isolation runs it: the reply frame."""
    reply = {"type": "reply", "msg_id": header.get("msg_id")}
    with tempfile.TemporaryDirectory(prefix="fake-clientapp-") as scratch:
        message_file, reply_file = os.path.join(scratch, "message"), os.path.join(scratch, "reply")
        with open(message_file, "wb") as handle:
            write_frame(handle, {**header, "node_config": node_config}, payload)
        process = subprocess.run([sys.executable, "-m", "fake_flower.clientapp", message_file, reply_file], stdin=subprocess.DEVNULL, check=False)
        if process.returncode != 0 or not os.path.exists(reply_file):
            return {**reply, "error": f"ClientApp process exited with code {process.returncode}"}, b""
        with open(reply_file, "rb") as handle:
            return read_frame(handle)


def session(sock: socket.socket, node_config: dict) -> None:
    """One connection: register, ping from a side thread, answer messages until the connection ends."""
    send_lock = threading.Lock()
    closed = threading.Event()

    def send(header: dict, payload: bytes = b"") -> None:
        with send_lock:
            send_frame(sock, header, payload)

    def ping() -> None:
        while not closed.wait(PING_SECONDS):
            try:
                send({"type": "ping"})
            except OSError:
                return

    send({"type": "register", "node_config": node_config})
    header, _ = recv_frame(sock)
    if header["type"] != "registered":
        raise ConnectionError(f"the SuperLink refused the registration: {header}")
    console.log("INFO", f"Registered with the SuperLink as node {header['node_id']}")
    threading.Thread(target=ping, name="ping", daemon=True).start()
    try:
        while True:
            message, payload = recv_frame(sock)
            console.log("INFO", f"Received: {message['type']} message {message.get('msg_id')} (run {message.get('run_id')})")
            reply, data = handle(message, payload, node_config)
            send(reply, data)
            console.log("INFO", f"Sent reply to message {message.get('msg_id')}" + (" (error)" if "error" in reply else ""))
    finally:
        closed.set()


def connect_forever(host: str, port: int, node_config: dict) -> None:
    while True:
        try:
            sock = socket.create_connection((host, port), timeout=5)
        except OSError as error:
            console.log("WARNING", f"Connection attempt to {host}:{port} failed ({error}), retrying in {RETRY_SECONDS:.2f} seconds")
            time.sleep(RETRY_SECONDS)
            continue
        sock.settimeout(None)
        try:
            session(sock, node_config)
        except (OSError, ConnectionError, ValueError, KeyError) as error:
            console.log("WARNING", f"Connection to the SuperLink lost ({error}); reconnecting")
        finally:
            sock.close()
        time.sleep(RETRY_SECONDS)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="flower-supernode", description="FAKE Flower SuperNode (tests only).")
    parser.add_argument("--insecure", action="store_true", help="required: the fake has no TLS")
    parser.add_argument("--superlink", default="127.0.0.1:9092")
    parser.add_argument("--node-config", default="")
    # Accepted so that Flower command lines parse; the fake runs the ClientApp in this process.
    parser.add_argument("--clientappio-api-address", default="0.0.0.0:9094")
    parser.add_argument("--isolation", default="subprocess")
    args = parser.parse_args(argv)
    console.exit_on_signals(0)
    if not args.insecure:
        parser.error("the fake SuperNode supports only --insecure (no TLS)")
    try:
        host, port = parse_address(args.superlink)
        node_config = parse_pairs(args.node_config)
    except ValueError as error:
        parser.error(str(error))
    sys.path.insert(0, os.getcwd())  # Flower puts the app directory first on sys.path

    console.log("INFO", "Starting Flower SuperNode")
    console.fake_banner(f"Flower SuperNode {FLOWER_VERSION}")
    threading.Thread(target=connect_forever, args=(host, port, node_config), name="session", daemon=True).start()
    while True:
        signal.pause()  # the session runs in a thread; SIGINT/SIGTERM end the process


if __name__ == "__main__":
    sys.exit(main())
