"""The fake's wire format: length-prefixed frames over TCP, model parameters as numpy ``.npz``.

A frame is ``>II`` (header length, payload length), a UTF-8 JSON object (the header, always with a
``type``), then the payload bytes (empty unless the message carries arrays). Flower speaks gRPC and
protobuf instead; nothing outside this package sees the difference.
"""

import io
import json
import socket
import struct
from typing import List, Sequence, Tuple

import numpy as np

_PREFIX = struct.Struct(">II")
MAX_HEADER = 16 * 1024 * 1024
MAX_PAYLOAD = 2**31 - 1  # Flower's gRPC message cap since 1.16


def send_frame(sock: socket.socket, header: dict, payload: bytes = b"") -> None:
    data = json.dumps(header, separators=(",", ":")).encode("utf-8")
    if len(data) > MAX_HEADER or len(payload) > MAX_PAYLOAD:
        raise ValueError(f"frame too large ({len(data)} header bytes, {len(payload)} payload bytes)")
    sock.sendall(_PREFIX.pack(len(data), len(payload)) + data + payload)


def recv_frame(sock: socket.socket) -> Tuple[dict, bytes]:
    """The next frame; ``ConnectionError`` when the peer closed the connection."""
    header_size, payload_size = _PREFIX.unpack(_recv_exactly(sock, _PREFIX.size))
    if header_size > MAX_HEADER:
        raise ValueError(f"frame header of {header_size} bytes is too large")
    header = json.loads(_recv_exactly(sock, header_size).decode("utf-8"))
    if not isinstance(header, dict) or not isinstance(header.get("type"), str):
        raise ValueError("frame header is not a JSON object with a type")
    return header, _recv_exactly(sock, payload_size)


def write_frame(stream, header: dict, payload: bytes = b"") -> None:
    """One frame to a binary file (the fake ClientApp's message and reply files)."""
    data = json.dumps(header, separators=(",", ":")).encode("utf-8")
    stream.write(_PREFIX.pack(len(data), len(payload)) + data + payload)


def read_frame(stream) -> Tuple[dict, bytes]:
    header_size, payload_size = _PREFIX.unpack(stream.read(_PREFIX.size))
    header = json.loads(stream.read(header_size).decode("utf-8"))
    payload = stream.read(payload_size)
    if len(payload) != payload_size:
        raise ValueError("truncated frame")
    return header, payload


def _recv_exactly(sock: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left > 0:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise ConnectionError("connection closed by the peer")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def encode_arrays(arrays: Sequence[np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, *[np.asarray(a) for a in arrays])
    return buffer.getvalue()


def decode_arrays(payload: bytes) -> List[np.ndarray]:
    # allow_pickle=False: parameters are plain numeric arrays, and a frame must never run code.
    with np.load(io.BytesIO(payload), allow_pickle=False) as archive:
        return [archive[f"arr_{i}"] for i in range(len(archive.files))]
