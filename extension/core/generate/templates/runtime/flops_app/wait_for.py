"""Wait until a TCP address accepts connections, then run a command in this process's place.

The one-shot ``run`` service of the generated compose file uses it so that ``flwr run`` starts only
once the SuperLink's Control API listens:

    python3 -m flops_app.wait_for aggregator:9093 --timeout 120 -- flwr run /app flops-compose --stream

Plain Python, no Flower import. Exit status 1 (and a message) when the deadline passes.
"""

import os
import socket
import sys
import time
from typing import List, Optional, Tuple


def parse_address(text: str) -> Tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f'expected host:port, got "{text}"')
    return host, int(port)


def wait_for(host: str, port: int, timeout: float, interval: float = 0.5) -> bool:
    """True once a TCP connection to host:port succeeds, False when ``timeout`` seconds pass first."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=min(interval * 4, 5.0)):
                return True
        except OSError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(interval)


def main(argv: Optional[List[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if "--" not in args or args.index("--") < 1:
        print("usage: python3 -m flops_app.wait_for HOST:PORT [--timeout SECONDS] -- COMMAND ...", file=sys.stderr)
        return 2
    split = args.index("--")
    options, command = args[:split], args[split + 1 :]
    timeout = 120.0
    if "--timeout" in options:
        at = options.index("--timeout")
        timeout = float(options[at + 1])
        del options[at : at + 2]
    if len(options) != 1 or not command:
        print("usage: python3 -m flops_app.wait_for HOST:PORT [--timeout SECONDS] -- COMMAND ...", file=sys.stderr)
        return 2
    host, port = parse_address(options[0])
    if not wait_for(host, port, timeout):
        print(f"flops: {host}:{port} did not accept connections within {timeout:g} s", file=sys.stderr, flush=True)
        return 1
    sys.stdout.flush()
    os.execvp(command[0], command)
    return 0  # not reached: execvp replaces the process


if __name__ == "__main__":
    sys.exit(main())
