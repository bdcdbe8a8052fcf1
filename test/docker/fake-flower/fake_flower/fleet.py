"""The SuperLink's side of the learners: the fleet listener, the connected SuperNodes, and the
messages in flight to them (the fake's stand-in for Flower's Fleet API and Grid).

A SuperNode connects, sends ``register`` with its node config and gets a random 64-bit node id, as
in Flower. It then sends ``ping`` every second; a node silent for ``FAKE_FLOWER_NODE_TIMEOUT``
seconds (default 10, e.g. a paused container) is dropped, like a SuperNode whose heartbeats stop.
A dropped or disconnected node's messages in flight fail at once, so a round goes on without it.
"""

import os
import random
import socket
import threading
import time
import uuid
from typing import Dict, List, Optional, Sequence

import numpy as np

from fake_flower import console
from fake_flower.frames import decode_arrays, encode_arrays, recv_frame, send_frame

PING_SECONDS = 1.0


class Node:
    def __init__(self, node_id: int, node_config: dict, sock: socket.socket):
        self.node_id = node_id
        self.node_config = node_config
        self.sock = sock
        self.send_lock = threading.Lock()
        self.last_seen = time.monotonic()


class Reply:
    """One node's answer to one message: ``metrics`` (and ``arrays`` for train), or ``error``."""

    def __init__(self, node_id: int):
        self.node_id = node_id
        self.done = False
        self.metrics: Dict = {}
        self.arrays: Optional[List[np.ndarray]] = None
        self.error: Optional[str] = None


class Fleet:
    def __init__(self, node_timeout: float):
        self.node_timeout = node_timeout
        self.changed = threading.Condition()  # guards nodes and pending; notified on every change
        self.nodes: Dict[int, Node] = {}
        self.pending: Dict[str, Reply] = {}

    # --- the listener -------------------------------------------------------------------------
    def serve(self, server: socket.socket) -> None:
        threading.Thread(target=self._watchdog, name="fleet-watchdog", daemon=True).start()
        while True:
            sock, _ = server.accept()
            threading.Thread(target=self._serve_node, args=(sock,), name="fleet-node", daemon=True).start()

    def _serve_node(self, sock: socket.socket) -> None:
        node = None
        reason = "disconnected"
        try:
            header, _ = recv_frame(sock)
            if header["type"] != "register" or not isinstance(header.get("node_config"), dict):
                raise ValueError(f"expected a register frame, got {header['type']}")
            node = Node(random.getrandbits(63), header["node_config"], sock)
            send_frame(sock, {"type": "registered", "node_id": node.node_id})
            console.log("INFO", f"[Fleet] node {node.node_id} registered (node config: {node.node_config})")
            with self.changed:  # logged first, so that a run's lines about the node come after
                self.nodes[node.node_id] = node
                self.changed.notify_all()
            while True:
                header, payload = recv_frame(sock)
                node.last_seen = time.monotonic()
                if header["type"] == "reply":
                    self._resolve(header, payload)
        except (OSError, ConnectionError, ValueError, KeyError) as error:
            reason = str(error) or type(error).__name__
        finally:
            sock.close()
            if node is not None:
                self._remove(node, reason)

    def _watchdog(self) -> None:
        while True:
            time.sleep(PING_SECONDS)
            now = time.monotonic()
            with self.changed:
                silent = [n for n in self.nodes.values() if now - n.last_seen > self.node_timeout]
            for node in silent:
                console.log("WARNING", f"[Fleet] node {node.node_id} sent nothing for {self.node_timeout:g} s; dropping it")
                try:
                    node.sock.shutdown(socket.SHUT_RDWR)  # wakes its reader, which removes it
                except OSError:
                    pass

    def _remove(self, node: Node, reason: str) -> None:
        with self.changed:
            if self.nodes.pop(node.node_id, None) is None:
                return
            for reply in self.pending.values():
                if reply.node_id == node.node_id and not reply.done:
                    reply.error, reply.done = f"node {node.node_id} disconnected ({reason})", True
            self.changed.notify_all()
        console.log("WARNING", f"[Fleet] node {node.node_id} left: {reason}")

    def _resolve(self, header: dict, payload: bytes) -> None:
        with self.changed:
            reply = self.pending.get(str(header.get("msg_id")))
            if reply is None or reply.done:
                return  # late reply to a message already given up on
            if header.get("error"):
                reply.error = str(header["error"])
            else:
                reply.metrics = dict(header.get("metrics") or {})
                try:
                    reply.arrays = decode_arrays(payload) if payload else None
                except ValueError as error:
                    reply.error = f"unreadable parameters: {error}"
            reply.done = True
            self.changed.notify_all()

    # --- what the ServerApp uses (Flower's Grid) -----------------------------------------------
    def node_ids(self) -> List[int]:
        with self.changed:
            return sorted(self.nodes)

    def wait_for_change(self, seconds: float) -> None:
        with self.changed:
            self.changed.wait(seconds)

    def send_and_receive(self, node_ids: Sequence[int], kind: str, run_id: str, run_config: dict, config: dict, arrays, timeout: float) -> List[Reply]:
        """Sends ``kind`` (train or evaluate) with the arrays to every node and waits until each has
        replied, failed or left, or ``timeout`` seconds pass (then the rest count as failures)."""
        payload = encode_arrays(arrays)
        replies: Dict[str, Reply] = {}
        for node_id in node_ids:
            msg_id = uuid.uuid4().hex
            reply = replies[msg_id] = Reply(node_id)
            with self.changed:
                node = self.nodes.get(node_id)
                self.pending[msg_id] = reply
                if node is None:
                    reply.error, reply.done = f"node {node_id} is not connected", True
            if node is None:
                continue
            header = {"type": kind, "msg_id": msg_id, "run_id": run_id, "run_config": run_config, "config": config}
            try:
                with node.send_lock:
                    send_frame(node.sock, header, payload)
            except OSError as error:
                with self.changed:
                    reply.error, reply.done = f"could not send to node {node_id}: {error}", True
        with self.changed:
            self.changed.wait_for(lambda: all(r.done for r in replies.values()), timeout)
            for msg_id, reply in replies.items():
                if not reply.done:
                    reply.error, reply.done = f"no reply from node {reply.node_id} within {timeout:g} s", True
                self.pending.pop(msg_id, None)
        return list(replies.values())


def node_timeout_from_env() -> float:
    return float(os.environ.get("FAKE_FLOWER_NODE_TIMEOUT", "10"))
