"""events/webhooks/signing.py and addresses.py: the signature receivers check, the example docs/webhooks.md
gives them, and which URLs the server may call."""

import hashlib
import hmac
import time

import pytest

from events.webhooks import addresses, signing
from tests.webhook_receiver import documented_example, documented_verify

SECRET = "3f1c" * 16
BODY = b'{"type":"change","match_id":9,"seq":23}'


def test_the_signature_is_an_hmac_sha256_of_the_timestamp_and_the_body():
    header = signing.signature_header(SECRET, BODY, timestamp=1764768000)
    expected = hmac.new(SECRET.encode(), b"1764768000." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1764768000,v1={expected}"


@pytest.mark.parametrize("verify", [signing.verify, documented_verify()], ids=["ours", "docs"])
def test_a_signature_verifies_with_its_secret_and_body_only(verify):
    header = signing.signature_header(SECRET, BODY)
    assert verify(SECRET, BODY, header)
    assert not verify("another secret", BODY, header)
    assert not verify(SECRET, BODY.replace(b"23", b"24"), header)
    stamp, mac = header.split(",")
    assert not verify(SECRET, BODY, f"t={int(stamp[2:]) + 1},{mac}")


@pytest.mark.parametrize("verify", [signing.verify, documented_verify()], ids=["ours", "docs"])
def test_a_signature_older_than_the_tolerance_is_refused(verify):
    old = signing.signature_header(SECRET, BODY, timestamp=int(time.time()) - 301)
    recent = signing.signature_header(SECRET, BODY, timestamp=int(time.time()) - 200)
    assert not verify(SECRET, BODY, old)
    assert verify(SECRET, BODY, recent)


def test_a_malformed_header_does_not_verify():
    assert not signing.verify(SECRET, BODY, "")
    assert not signing.verify(SECRET, BODY, "t=abc,v1=00")
    assert not signing.verify(SECRET, BODY, "v1=00")


def test_the_documented_example_is_ten_lines_of_standard_library_python():
    lines = documented_example().strip().splitlines()
    assert len(lines) <= 10 and lines[0] == "import hashlib, hmac, time"


# --- which URLs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://172.16.0.1/hook",
        "https://192.168.1.20/hook",
        "http://169.254.169.254/latest/meta-data/",  # a cloud's metadata service
        "http://100.64.0.1/hook",  # shared address space (carrier NAT)
        "http://[::1]/hook",
        "http://[fd00::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
    ],
)
def test_urls_on_loopback_private_or_link_local_addresses_are_refused(url):
    with pytest.raises(addresses.RefusedURL, match="not a public address"):
        addresses.check_url(url, allow_private=False)
    addresses.check_url(url, allow_private=True)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://93.184.215.14/hook", "Only http and https"),
        ("file:///etc/passwd", "Only http and https"),
        ("https://user:pass@93.184.215.14/hook", "credentials"),
        ("http:///hook", "no host"),
        ("http://93.184.215.14:99999/", "Not a valid URL"),
    ],
)
def test_other_schemes_credentials_and_broken_urls_are_refused_even_in_development(url, reason):
    with pytest.raises(addresses.RefusedURL, match=reason):
        addresses.check_url(url, allow_private=True)


def test_a_public_address_is_allowed():
    addresses.check_url("https://93.184.215.14/hooks/matchcentre", allow_private=False)


def test_a_name_that_does_not_resolve_is_refused(monkeypatch):
    def no_such_name(*args, **kwargs):
        raise OSError("Name or service not known")

    monkeypatch.setattr(addresses.socket, "getaddrinfo", no_such_name)
    with pytest.raises(addresses.RefusedURL, match="does not resolve"):
        addresses.check_url("https://news.invalid/hook", allow_private=False)


def test_a_name_with_any_private_address_among_its_addresses_is_refused(monkeypatch):
    answers = [(2, 1, 6, "", ("93.184.215.14", 443)), (2, 1, 6, "", ("10.0.0.7", 443))]
    monkeypatch.setattr(addresses.socket, "getaddrinfo", lambda *args, **kwargs: answers)
    with pytest.raises(addresses.RefusedURL, match=r"10\.0\.0\.7"):
        addresses.check_url("https://news.example/hook", allow_private=False)
