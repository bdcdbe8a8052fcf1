"""FAKE ``flwr run APP_DIR [CONNECTION] [--stream] [--run-config "k=v ..."]`` (and ``flwr --version``).

Reads ``APP_DIR/pyproject.toml``, takes ``[tool.flwr.app.config]`` with the ``--run-config``
overrides (keys must exist there, values in TOML syntax), finds the connection in
``$FLWR_HOME/config.toml`` (``[superlink.<name>]``, Flower >= 1.26) or else in pyproject's
``[tool.flwr.federations.<name>]`` (<= 1.25), and submits the run config to the SuperLink's control
listener. With ``--stream`` it prints the run's log lines and exits 0 when the run completed, 1 when
it failed. Unlike Flower it sends no FAB: the SuperLink and SuperNodes run the app already in their
image.
"""

import argparse
import os
import socket
import sys
import tomllib
from typing import List, Optional, Tuple

from fake_flower import FLOWER_VERSION, console
from fake_flower.frames import recv_frame, send_frame
from fake_flower.run_config import parse_address, parse_pairs


class CliError(Exception):
    pass


def _read_toml(path: str) -> dict:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as error:
        raise CliError(f"{path} is not valid TOML: {error}") from None


def resolve_connection(name: Optional[str], pyproject: dict) -> Tuple[str, str]:
    """(name, address) of the connection; Flower >= 1.26's config.toml first, then pyproject."""
    home = os.environ.get("FLWR_HOME") or os.path.join(os.path.expanduser("~"), ".flwr")
    config_path = os.path.join(home, "config.toml")
    superlinks = _read_toml(config_path).get("superlink", {})
    federations = pyproject.get("tool", {}).get("flwr", {}).get("federations", {})
    name = name or superlinks.get("default") or federations.get("default")
    if not name:
        raise CliError(f"no connection given and no default in {config_path} or [tool.flwr.federations]")
    entry = superlinks.get(name) if isinstance(superlinks.get(name), dict) else federations.get(name)
    if not isinstance(entry, dict):
        raise CliError(f"unknown connection '{name}': not in {config_path} ([superlink.{name}]) nor in pyproject.toml ([tool.flwr.federations.{name}])")
    if "address" not in entry:
        raise CliError(f"connection '{name}' has no address (simulation profiles are not faked)")
    if entry.get("insecure") is not True:
        raise CliError(f"connection '{name}' is not insecure = true; the fake has no TLS")
    return name, str(entry["address"])


def run_config(pyproject: dict, overrides: List[str]) -> dict:
    config = dict(pyproject.get("tool", {}).get("flwr", {}).get("app", {}).get("config", {}))
    for text in overrides:
        try:
            pairs = parse_pairs(text)
        except ValueError as error:
            raise CliError(f"--run-config: {error}") from None
        unknown = sorted(set(pairs) - set(config))
        if unknown:
            raise CliError(f"--run-config: {', '.join(unknown)} not in [tool.flwr.app.config]")
        config.update(pairs)
    return config


def submit(args) -> int:
    pyproject_path = os.path.join(args.app, "pyproject.toml")
    print("Loading project configuration... ", flush=True)
    pyproject = _read_toml(pyproject_path)
    if not pyproject:
        raise CliError(f"{pyproject_path} is missing or empty")
    config = run_config(pyproject, args.run_config)
    name, address = resolve_connection(args.connection, pyproject)
    print("Success", flush=True)
    app = pyproject.get("project", {}).get("name", "app")
    publisher = pyproject.get("tool", {}).get("flwr", {}).get("app", {}).get("publisher", "unknown")
    try:
        sock = socket.create_connection(parse_address(address), timeout=10)
    except (OSError, ValueError) as error:
        raise CliError(f"cannot reach the SuperLink of connection '{name}' at {address}: {error}") from None
    sock.settimeout(None)
    with sock:
        send_frame(sock, {"type": "run", "run_config": config, "fab_id": f"{publisher}/{app}", "stream": args.stream})
        header, _ = recv_frame(sock)
        if header["type"] != "accepted":
            raise CliError(f"the SuperLink refused the run: {header.get('reason', header)}")
        run_id = header["run_id"]
        print(f"🎊 Successfully started run {run_id}", flush=True)
        if not args.stream:
            return 0
        while True:
            try:
                header, _ = recv_frame(sock)
            except (OSError, ConnectionError) as error:
                raise CliError(f"lost the connection to the SuperLink before run {run_id} finished ({error})") from None
            if header["type"] == "log":
                print(header["line"], flush=True)
            elif header["type"] == "finished":
                if header["status"] == "completed":
                    return 0
                print(f"Run {run_id} failed: {header.get('reason') or 'unknown reason'}", file=sys.stderr, flush=True)
                return 1


def main(argv: Optional[List[str]] = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] in (["--version"], ["-V"]):
        print(f"Flower version: {FLOWER_VERSION} (FAKE: fake_flower, tests only)")
        return 0
    if args_list[:1] != ["run"]:
        print("flwr (FAKE, tests only): only `flwr run` and `flwr --version` are implemented", file=sys.stderr)
        return 2
    parser = argparse.ArgumentParser(prog="flwr run", description="FAKE flwr run (tests only).")
    parser.add_argument("app", nargs="?", default=".")
    parser.add_argument("connection", nargs="?")
    parser.add_argument("--stream", action="store_true")
    parser.add_argument("--run-config", action="append", default=[])
    args = parser.parse_args(args_list[1:])
    console.exit_on_signals(130, lambda: print("flwr (fake): interrupted; the run goes on on the SuperLink", file=sys.stderr))
    try:
        return submit(args)
    except CliError as error:
        print(f"flwr (fake): {error}", file=sys.stderr, flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
