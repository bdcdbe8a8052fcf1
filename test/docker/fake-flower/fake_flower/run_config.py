"""``key=value`` lists as ``--node-config`` and ``--run-config`` take them, values in TOML syntax."""

import re
import tomllib
from typing import Dict, Tuple

# key=value pairs separated by whitespace; a value may be a quoted string with spaces.
_PAIR = re.compile(r"""\s*([^=\s]+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S+)\s*""")


def parse_value(text: str):
    """A TOML value (integer, float, boolean, quoted string). Like Flower, bare words are rejected."""
    try:
        return tomllib.loads(f"value = {text}")["value"]
    except tomllib.TOMLDecodeError:
        raise ValueError(f"{text!r} is not a TOML value (quote strings: key='text')") from None


def parse_pairs(text: str) -> Dict[str, object]:
    values, at = {}, 0
    while text[at:].strip():
        match = _PAIR.match(text, at)
        if match is None:
            raise ValueError(f"expected key=value pairs, got {text[at:]!r}")
        values[match.group(1)] = parse_value(match.group(2))
        at = match.end()
    return values


def parse_address(text: str) -> Tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"expected HOST:PORT, got {text!r}")
    return host.strip("[]"), int(port)
