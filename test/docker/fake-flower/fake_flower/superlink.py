"""FAKE ``flower-superlink --insecure``: the fleet listener for SuperNodes (0.0.0.0:9092) and the
control listener for ``flwr run`` (0.0.0.0:9093). Each submitted run executes the fake ServerApp in
this process, one run at a time, with the app taken from the working directory (/app in the image).
"""

import argparse
import os
import random
import signal
import socket
import sys
import threading
from typing import List, Optional

from fake_flower import FLOWER_VERSION, console, serverapp
from fake_flower.fleet import Fleet, node_timeout_from_env
from fake_flower.frames import recv_frame, send_frame
from fake_flower.run_config import parse_address


def _listen(address: str) -> socket.socket:
    host, port = parse_address(address)
    return socket.create_server((host, port), reuse_port=False, backlog=64)


class Control:
    """The control listener: a ``flwr run`` connection sends ``run`` with the run config, gets
    ``accepted`` with a run id, then (with ``stream``) the run's log lines and ``finished``."""

    def __init__(self, fleet: Fleet):
        self.fleet = fleet
        self.run_lock = threading.Lock()  # the fake runs one ServerApp at a time

    def serve(self, server: socket.socket) -> None:
        while True:
            sock, _ = server.accept()
            threading.Thread(target=self._serve_client, args=(sock,), name="control", daemon=True).start()

    def _serve_client(self, sock: socket.socket) -> None:
        try:
            try:
                header, _ = recv_frame(sock)
            except (OSError, ConnectionError, ValueError):
                return  # a port probe (flops_app.wait_for) or a client that went away
            if header["type"] != "run" or not isinstance(header.get("run_config"), dict):
                send_frame(sock, {"type": "error", "reason": f"the fake SuperLink only accepts run requests, got {header['type']}"})
                return
            run_id = str(random.getrandbits(63))  # Flower's run ids are random 64-bit integers
            send_frame(sock, {"type": "accepted", "run_id": run_id})
            send_lock = threading.Lock()

            def send(frame: dict) -> None:
                with send_lock:
                    send_frame(sock, frame)

            out = serverapp.RunLog(send if header.get("stream") else None)
            console.log("INFO", f"[Control] run {run_id} submitted (fab {header.get('fab_id', '?')})")
            with self.run_lock:
                console.log("INFO", f"Starting run {run_id}")
                reason = serverapp.run(run_id, header["run_config"], self.fleet, out)
            status = "completed" if not reason else "failed"
            out.log("INFO" if not reason else "ERROR", f"Run finished: {run_id} ({status})")
            if out.send is not None:
                try:
                    send({"type": "finished", "run_id": run_id, "status": status, "reason": reason})
                except OSError:
                    pass
        except OSError:
            pass
        finally:
            sock.close()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="flower-superlink", description="FAKE Flower SuperLink (tests only).")
    parser.add_argument("--insecure", action="store_true", help="required: the fake has no TLS")
    parser.add_argument("--fleet-api-address", default="0.0.0.0:9092")
    parser.add_argument("--control-api-address", default="0.0.0.0:9093")
    # Accepted so that Flower command lines parse; the fake has no ServerAppIo API, isolation or database.
    parser.add_argument("--serverappio-api-address", default="0.0.0.0:9091")
    parser.add_argument("--isolation", default="subprocess")
    parser.add_argument("--database", default=":flwr-in-memory-state:")
    args = parser.parse_args(argv)
    console.exit_on_signals(0)
    if not args.insecure:
        parser.error("the fake SuperLink supports only --insecure (no TLS)")
    sys.path.insert(0, os.getcwd())  # Flower puts the app directory first on sys.path

    console.log("INFO", "Starting Flower SuperLink")
    console.fake_banner(f"Flower SuperLink {FLOWER_VERSION}")
    fleet = Fleet(node_timeout_from_env())
    control = Control(fleet)
    fleet_server = _listen(args.fleet_api_address)
    control_server = _listen(args.control_api_address)
    threading.Thread(target=fleet.serve, args=(fleet_server,), name="fleet", daemon=True).start()
    threading.Thread(target=control.serve, args=(control_server,), name="control", daemon=True).start()
    console.log("INFO", f"Flower Deployment Runtime: Starting Control API on {args.control_api_address}")
    console.log("INFO", f"Flower Deployment Runtime: Starting Fleet API (fake frames over TCP) on {args.fleet_api_address}")
    while True:
        signal.pause()  # the listeners run in threads; SIGINT/SIGTERM end the process


if __name__ == "__main__":
    sys.exit(main())
