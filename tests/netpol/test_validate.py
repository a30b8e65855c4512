"""Kubernetes' validation rules, with the fix in every message."""

import pytest

from editor.netpol import validate
from editor.netpol.validate import Invalid


@pytest.mark.parametrize("name", ["api", "a", "web-1", "x" * 63])
def test_dns_labels_that_kubernetes_accepts(name):
    assert validate.check_dns_label(name) == name


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("", "required"),
        ("Api", "did you mean 'api'"),
        ("-api", "DNS-1123"),
        ("a_b", "did you mean 'a-b'"),
        ("x" * 64, "at most 63"),
    ],
)
def test_dns_labels_that_kubernetes_refuses_say_how_to_fix(name, words):
    with pytest.raises(Invalid, match=words):
        validate.check_dns_label(name)


@pytest.mark.parametrize("key", ["app", "app.kubernetes.io/name", "example.com/tier", "a_b.c-d"])
def test_label_keys_accepted(key):
    assert validate.check_label_key(key) == key


@pytest.mark.parametrize("key", ["", "/app", "Example.com/app", "app/", "-app", "a" * 64, "bad key"])
def test_label_keys_refused(key):
    with pytest.raises(Invalid):
        validate.check_label_key(key)


def test_label_values_up_to_63_characters_and_may_be_empty():
    assert validate.check_label_value("k", "") == ""
    assert validate.check_label_value("k", "v" * 63) == "v" * 63
    with pytest.raises(Invalid, match="at most 63"):
        validate.check_label_value("k", "v" * 64)
    with pytest.raises(Invalid):
        validate.check_label_value("k", "-v")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("TCP", 1), ("TCP", 1, None)),
        ((None, 65535), ("TCP", 65535, None)),
        (("UDP", "dns"), ("UDP", "dns", None)),
        (("SCTP", 8000, 8100), ("SCTP", 8000, 8100)),
        (("TCP", 80, 80), ("TCP", 80, 80)),
    ],
)
def test_ports_accepted(args, expected):
    assert validate.check_port(*args) == expected


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("TCP", 0), "1 to 65535"),
        (("TCP", 70000), "1 to 65535"),
        (("tcp", 80), "did you mean 'TCP'"),
        (("ICMP", 80), "TCP, UDP or SCTP"),
        (("TCP", 100, 99), "below port"),
        (("TCP", "http", 90), "numeric port"),
        (("TCP", "HTTP"), "named port is 1-15"),
        (("TCP", "a--b"), "named port"),
        (("TCP", "1234567890abcdef"), "1-15"),
        (("TCP", None), "needs a 'port'"),
        (("TCP", True), "not a number"),
    ],
)
def test_ports_refused_with_the_reason(args, words):
    with pytest.raises(Invalid, match=words):
        validate.check_port(*args)


def test_cidr_without_mask_suggests_one():
    with pytest.raises(Invalid, match=r"did you mean 10\.0\.0\.1/32\?"):
        validate.check_cidr("10.0.0.1")
    with pytest.raises(Invalid, match="did you mean 2001:db8::1/128"):
        validate.check_cidr("2001:db8::1")


def test_cidr_with_host_bits_is_accepted_as_kubernetes_does():
    assert validate.check_cidr("10.0.0.1/8") == "10.0.0.1/8"


@pytest.mark.parametrize("cidr", ["10.0.0.0/33", "300.0.0.0/8", "banana/8", ""])
def test_invalid_cidrs_are_refused(cidr):
    with pytest.raises(Invalid):
        validate.check_cidr(cidr)


def test_except_must_be_strictly_inside_the_cidr_and_same_family():
    assert validate.check_except("10.0.0.0/8", ["10.0.0.5/32", "10.1.0.0/16"]) == ("10.0.0.5/32", "10.1.0.0/16")
    with pytest.raises(Invalid, match="strictly inside"):
        validate.check_except("10.0.0.0/8", ["10.0.0.0/8"])
    with pytest.raises(Invalid, match="strictly inside"):
        validate.check_except("10.0.0.0/8", ["11.0.0.0/16"])
    with pytest.raises(Invalid, match="IPv6"):
        validate.check_except("10.0.0.0/8", ["2001:db8::/64"])


# ---------------------------------------------------------------- issue 11: full matches, legacy IPs, metadata, text


@pytest.mark.parametrize(
    ("check", "value"),
    [
        (validate.check_dns_label, "api\n"),
        (validate.check_dns_subdomain, "a.b\n"),
        (validate.check_label_key, "app\n"),
        (validate.check_port_name, "http\n"),
        (validate.check_dns_label, "a\x00"),
    ],
)
def test_a_trailing_line_break_or_nul_is_refused(check, value):
    with pytest.raises(Invalid, match=r"\\(n|x00)"):  # the message shows the character
        check(value)


def test_a_label_value_with_a_trailing_line_break_is_refused():
    with pytest.raises(Invalid):
        validate.check_label_value("app", "api\n")


@pytest.mark.parametrize("text", ["80", "0", "65535"])
def test_ascii_digits(text):
    assert validate.is_ascii_digits(text)


@pytest.mark.parametrize("text", ["٨٠", "²", "８０", "", "8 0", "-1"])
def test_other_digits_are_not_numbers(text):
    assert not validate.is_ascii_digits(text)


@pytest.mark.parametrize(
    ("value", "canonical"),
    [
        ("10.0.0.0/8", "10.0.0.0/8"),
        ("010.0.0.0/8", "10.0.0.0/8"),  # decimal, as ParseCIDRSloppy reads it (not octal 8)
        ("10.000.0.0/016", "10.0.0.0/16"),
        ("10.0.0.1/8", "10.0.0.1/8"),  # host bits: kept as written
        ("2001:db8::/32", "2001:db8::/32"),
        ("::ffff:010.0.0.1/128", "::ffff:10.0.0.1/128"),
    ],
)
def test_legacy_cidrs_read_as_the_api_server_reads_them(value, canonical):
    assert validate.check_cidr(value) == canonical


@pytest.mark.parametrize(
    "value",
    ["10.0.0.0/255.0.0.0", "10.0.0.0/٨", "10.0.0.0/8\n", " 10.0.0.0/8", "10.0.0.256/8", "10.0.0/8", "fe80::/10%eth0",
     "10.0.0.0/+8", "10.0.0.0/", "10.0.0.0/33", "2001:db8::/129"],
)  # fmt: skip
def test_cidrs_the_api_server_refuses(value):
    with pytest.raises(Invalid):
        validate.check_cidr(value)


def test_an_ip_with_leading_zeros_is_decimal():
    assert validate.check_ip("010.001.000.005") == "10.1.0.5"


def test_generate_name_is_a_prefix_with_its_trailing_dash_set_aside():
    assert validate.check_generate_name("web-", validate.check_dns_subdomain) == "web-"
    with pytest.raises(Invalid, match="Web-"):
        validate.check_generate_name("Web-", validate.check_dns_subdomain)


def test_annotations_like_the_api_server():
    assert validate.check_annotations({"Example.com/Owner": "x\ny", "a": None}) == {
        "Example.com/Owner": "x\ny",
        "a": "",
    }
    for bad in ({"bad key": "x"}, {"a": 1}, {"a": "x" * (256 * 1024)}, ["a"]):
        with pytest.raises(Invalid):
            validate.check_annotations(bad)


def test_free_text_refuses_control_characters_and_states_its_limit():
    assert validate.check_description("line one\n\tline two") == "line one\n\tline two"
    with pytest.raises(Invalid, match="10,000"):
        validate.check_description("x" * 10_001)
    with pytest.raises(Invalid, match="control character"):
        validate.check_description("a\x00b")
    with pytest.raises(Invalid, match="one line"):
        validate.check_text("a\nb", "design name", validate.DESIGN_NAME_MAX)
