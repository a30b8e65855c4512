"""The one port notation of the pages: ``TCP 8080, UDP 53, TCP 8000-8100, TCP http, 5432/TCP, UDP``.

Per item: a protocol and a port number, number range or port name; the protocol may come first, after a
``/``, or not at all (TCP); a protocol alone means every port of that protocol.  Digits are ASCII only.
``format_ports`` writes what ``parse_ports`` reads back unchanged.
"""

from __future__ import annotations

import re

from .model import PROTOCOLS, Port
from .notation import NotationError, split_items

__all__ = ["ERR_PORT_SYNTAX", "NotationError", "format_port", "format_ports", "parse_port", "parse_ports"]

ERR_PORT_SYNTAX = (
    "'{item}' is not a port: write a protocol and a port, number range or port name, separated by commas, "
    "e.g. TCP 8080, UDP 53, TCP 8000-8100, TCP http; a protocol alone (UDP) means every port of it."
)

_ITEM = re.compile(
    r"(?:(?P<protocol>[A-Za-z]+)\s+)?"
    r"(?:(?P<number>[0-9]+)(?:\s*-\s*(?P<end>[0-9]+))?|(?P<name>[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?))"
    r"(?:\s*/\s*(?P<suffix>[A-Za-z]+))?",
    re.ASCII,
)


def parse_port(item: str) -> Port:
    item = item.strip()
    if item.upper() in PROTOCOLS:
        return Port(item.upper())
    match = _ITEM.fullmatch(item)
    if not match or (match["protocol"] and match["suffix"]):
        raise NotationError(ERR_PORT_SYNTAX.format(item=item), item)
    protocol = (match["protocol"] or match["suffix"] or "TCP").upper()
    if protocol not in PROTOCOLS:
        raise NotationError(ERR_PORT_SYNTAX.format(item=item), item)
    port: int | str = int(match["number"]) if match["number"] else match["name"]
    end = int(match["end"]) if match["end"] else None
    return Port(protocol, port, end)


def parse_ports(text: str) -> list[Port]:
    """Every item of ``text``, in order (nothing: an empty list)."""
    return [parse_port(item) for item in split_items(text)]


def format_port(port: Port) -> str:
    if port.port is None:
        return port.protocol
    if port.end_port is not None:
        return f"{port.protocol} {port.port}-{port.end_port}"
    return f"{port.protocol} {port.port}"


def format_ports(ports: list[Port] | tuple[Port, ...]) -> str:
    return ", ".join(format_port(p) for p in ports)
