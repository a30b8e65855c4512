"""The one port notation of the pages (flows and kept policies): what people type, and parse(format(x)) == x."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from editor.netpol.model import Port
from editor.netpol.notation import NotationError
from editor.netpol.port_text import format_ports, parse_ports

from .notation_strategies import port


def test_what_people_type():
    assert parse_ports("TCP 8080, udp 53, 8000-8100/TCP, http, SCTP 9, UDP\nTCP api-port") == [
        Port.tcp(8080),
        Port.udp(53),
        Port.tcp(8000, 8100),
        Port.tcp("http"),
        Port.sctp(9),
        Port("UDP"),
        Port.tcp("api-port"),
    ]
    assert parse_ports("") == [] and parse_ports(" , ") == []


@pytest.mark.parametrize("item", ["TCP 8080 extra", "ICMP 1", "TCP 80/UDP", "TCP ٨٠", "TCP 80-", "-80", "TCP http-x-"])
def test_anything_else_is_refused_naming_the_item(item):
    with pytest.raises(NotationError) as info:
        parse_ports(f"TCP 443, {item}")
    assert info.value.item == item
    assert f"'{item}' is not a port" in str(info.value)


def test_non_ascii_digits_are_not_read_as_a_port_number():
    with pytest.raises(NotationError):
        parse_ports("٨٠")


@given(st.lists(port, max_size=6))
def test_what_is_written_reads_back_the_same(ports):
    assert parse_ports(format_ports(ports)) == ports
