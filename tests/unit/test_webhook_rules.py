"""The webhook rules that need no database: the retry schedule, when an endpoint is disabled,
which URLs may be sent to, the signature a receiver verifies, and how a dispatcher shares its
senders between endpoints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from oms.integrations.dispatcher import pick
from oms.integrations.webhooks_schedule import (
    DISABLE_AFTER,
    JITTER,
    MAX_ATTEMPTS,
    RETRY_DELAYS,
    next_attempt_at,
    retry_delay,
    should_disable,
)
from oms.integrations.webhooks_signing import SECRET_PREFIX, new_secret, signed_headers
from oms.integrations.webhooks_urls import address_problem, is_public, url_problems

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_the_schedule_makes_at_least_8_attempts_over_at_least_an_hour():
    assert MAX_ATTEMPTS >= 8
    assert sum(RETRY_DELAYS, timedelta()) * (1 - JITTER) >= timedelta(hours=1)
    assert list(RETRY_DELAYS) == sorted(RETRY_DELAYS)  # backoff: never shorter than before


def test_each_retry_waits_its_delay_within_the_jitter():
    for failed, base in enumerate(RETRY_DELAYS, start=1):
        assert retry_delay(failed, lambda: 0.0) == base
        assert retry_delay(failed, lambda: 1.0) == base * (1 + JITTER)
        assert retry_delay(failed, lambda: -1.0) == base * (1 - JITTER)
        assert retry_delay(failed, lambda: 7.0) == base * (1 + JITTER)  # clamped


def test_after_the_last_attempt_there_is_no_next_one():
    assert next_attempt_at(1, MAX_ATTEMPTS, T0, lambda: 0.0) == T0 + RETRY_DELAYS[0]
    assert next_attempt_at(MAX_ATTEMPTS - 1, MAX_ATTEMPTS, T0, lambda: 0.0) is not None
    assert next_attempt_at(MAX_ATTEMPTS, MAX_ATTEMPTS, T0) is None
    assert next_attempt_at(3, 3, T0) is None  # a manual retry's single attempt


def test_an_endpoint_is_disabled_only_after_failing_for_the_whole_period():
    assert not should_disable(None, T0)
    assert not should_disable(T0, T0 + DISABLE_AFTER - timedelta(seconds=1))
    assert should_disable(T0, T0 + DISABLE_AFTER)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://example.com/hook", "http or https"),
        ("example.com/hook", "http or https"),
        ("https:///hook", "no host"),
        ("https://user:pw@example.com/hook", "user name or password"),
        ("https://example.com/ho ok", "no spaces"),
        ("https://example.com:99999/", "not a URL"),
        ("https://example.com/" + "a" * 2000, "at most 2000"),
    ],
)
def test_a_url_of_the_wrong_form_is_refused_naming_what_is_wrong(url, problem):
    [found] = url_problems(url)
    assert found.startswith("url: ") and problem in found


def test_http_and_https_urls_are_accepted():
    assert url_problems("https://example.com/hook") == []
    assert url_problems("http://example.com:8080/a?b=c") == []


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "0.0.0.0",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "100.64.0.1",
        "224.0.0.1",
    ],
)
def test_loopback_private_and_link_local_hosts_are_refused_unless_the_operator_allows(address):
    resolver = lambda host: [address]  # noqa: E731
    problem = address_problem("https://hooks.example.com/x", False, resolver)
    assert problem is not None and address in problem and "OMS_WEBHOOKS_ALLOW_PRIVATE" in problem
    assert address_problem("https://hooks.example.com/x", True, resolver) is None


def test_a_host_with_one_private_address_among_public_ones_is_refused():
    resolver = lambda host: ["93.184.216.34", "10.0.0.7"]  # noqa: E731
    assert "10.0.0.7" in (address_problem("https://a.example/", False, resolver) or "")


def test_a_literal_address_is_checked_without_a_lookup():
    def no_lookup(host: str) -> list[str]:
        raise AssertionError("looked up")

    assert address_problem("http://127.0.0.1:9/x", False, no_lookup) is not None
    assert address_problem("http://[::1]:9/x", False, no_lookup) is not None
    assert address_problem("http://93.184.216.34/x", False, no_lookup) is None


def test_a_host_that_does_not_resolve_is_refused_with_the_reason():
    def nowhere(host: str) -> list[str]:
        raise OSError("Name or service not known")

    problem = address_problem("https://nowhere.invalid/", False, nowhere)
    assert problem is not None and "does not resolve" in problem and "not known" in problem


def test_public_addresses_are_public():
    assert is_public("93.184.216.34") and is_public("2606:2800:220:1::1")


def test_a_secret_is_whsec_and_base64_of_32_random_bytes():
    import base64

    one, two = new_secret(), new_secret()
    assert one.startswith(SECRET_PREFIX) and one != two
    assert len(base64.b64decode(one.removeprefix(SECRET_PREFIX))) == 32


def test_the_standardwebhooks_library_verifies_what_is_signed_and_refuses_a_change():
    secret, body = new_secret(), '{"id":"evt_1","type":"order.shipped","data":{}}'
    headers = signed_headers(secret, "evt_1", body, datetime.now(UTC))
    assert headers["webhook-id"] == "evt_1"
    assert Webhook(secret).verify(body.encode(), headers)["type"] == "order.shipped"
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace("shipped", "created").encode(), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body.encode(), headers)


def test_a_dispatcher_claims_at_most_its_free_senders_and_a_few_per_endpoint():
    due = [("d1", "A"), ("d2", "A"), ("d3", "A"), ("d4", "B"), ("d5", "A"), ("d6", "C")]
    assert pick(due, {}, free=10, per_endpoint=2) == ["d1", "d2", "d4", "d6"]
    assert pick(due, {"A": 1}, free=10, per_endpoint=2) == ["d1", "d4", "d6"]
    assert pick(due, {}, free=2, per_endpoint=4) == ["d1", "d2"]
    assert pick(due, {"A": 4, "B": 4}, free=10, per_endpoint=4) == ["d6"]
