"""Flower-style console lines and the signal handling every fake process shares.

Flower prints ``INFO :      message`` (the level name and a colon, padded to 12 characters); the
fake does the same, one ``write`` per line so that threads never interleave half lines.
"""

import os
import signal
import sys
from typing import Callable, Optional


def line(level: str, message: str) -> str:
    return f"{level} :".ljust(12) + message


def log(level: str, message: str) -> None:
    """One line per line of ``message``; ERROR lines go to stderr, the rest to stdout."""
    out = sys.stderr if level == "ERROR" else sys.stdout
    out.write("".join(line(level, part) + "\n" for part in (str(message).splitlines() or [""])))
    out.flush()


def log_raw(text: str, error: bool = False) -> None:
    """Text as is (a metrics line, a traceback), in one write."""
    out = sys.stderr if error else sys.stdout
    out.write(text if text.endswith("\n") else text + "\n")
    out.flush()


def exit_on_signals(status: int, before_exit: Optional[Callable[[], None]] = None) -> None:
    """Exit with ``status`` on SIGINT or SIGTERM, at once. As PID 1 of a container a process gets no
    default SIGTERM action, so the handler is needed; ``os._exit`` does not wait for worker threads
    that may be inside the user's training code."""

    def handler(signum, _frame):
        try:
            if before_exit is not None:
                before_exit()
            log("INFO", f"Received {signal.Signals(signum).name}, exiting")
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:
            pass  # e.g. a reentrant write when the signal interrupted a print: exit all the same
        os._exit(status)

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def fake_banner(role: str) -> None:
    log("WARNING", f"This is a FAKE {role} (fake_flower, for tests only); it is not Flower.")
