"""Secrets never reach a line: secret keys at any depth, URL userinfo, signed URL query
values, bearer tokens and JWTs in free text; extra key patterns are configurable."""

from __future__ import annotations

import json
import logging
import string
import types
from collections.abc import Callable
from typing import Any

import pytest
from hopscope_testing import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sdk
from sdk.log import REDACTED, Redactor, hide_url

from ..conftest import Capture

SECRET = "s3cr3t-value-xyz"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    ".eyJzdWIiOiJhbm4iLCJleHAiOjE3OTk5OTk5OTl9"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)


@pytest.mark.parametrize(
    "key",
    [
        "Authorization",
        "cookie",
        "Set-Cookie",
        "password",
        "db_passwd",
        "client_secret",
        "access_token",
        "X-Auth-Token",
        "api_key",
        "Api-Key",
    ],
)
def test_secret_keys_are_redacted(capture: Capture, key: str) -> None:
    sdk.get_logger("redact").info("call", **{key: SECRET})
    line = capture.stream.getvalue()
    assert SECRET.encode() not in line
    assert REDACTED in json.loads(line).values()


def test_secrets_at_any_depth_are_redacted(capture: Capture) -> None:
    payload = {
        "request": {
            "headers": [{"Authorization": f"Bearer {SECRET}"}, {"Accept": "json"}],
            "user": {"name": "ann", "credentials": {"password": SECRET}},
        },
        "levels": [[[[{"client_secret": SECRET}]]]],
    }
    sdk.get_logger("redact").info("deep", payload=payload)
    record = capture.one()
    assert SECRET not in capture.stream.getvalue().decode() + record["labels.payload"]
    decoded = json.loads(record["labels.payload"])
    assert decoded["request"]["headers"][0]["Authorization"] == REDACTED
    assert decoded["request"]["headers"][1]["Accept"] == "json"
    assert decoded["request"]["user"]["name"] == "ann"
    assert decoded["request"]["user"]["credentials"] == REDACTED
    assert decoded["levels"][0][0][0][0]["client_secret"] == REDACTED


def test_secrets_inside_objects_are_redacted(capture: Capture) -> None:
    import dataclasses

    @dataclasses.dataclass
    class Login:
        user: str
        password: str

    sdk.get_logger("redact").info("login", attempt=Login("ann", SECRET))
    record = capture.one()
    assert json.loads(record["labels.attempt"]) == {"user": "ann", "password": REDACTED}


@pytest.mark.parametrize(
    ("text", "leak"),
    [
        ("calling https://bob:hunter2pw@db.example.com/x", "hunter2pw"),
        ("GET https://s3.example.com/o?X-Amz-Signature=abcdef123&X-Amz-Credential=AK", "abcdef123"),
        ("sas https://acct.blob.core.windows.net/c/b?sv=2020&sig=SIGVALUE99&se=2030", "SIGVALUE99"),
        ("header was Bearer abcdefghijklmnopqrstu", "abcdefghijklmnopqrstu"),
        ("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl here", "eyJzdWIiOiIxMjM0In0"),
        ("BASIC dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA"),
        ('127.0.0.1 - "GET /cb?code=OAUTHCODE1&state=s HTTP/1.1" 200', "OAUTHCODE1"),
        ("login failed for ann, password=hunter2pw", "hunter2pw"),
        ("form body: user=ann&client_secret=CLIENTSECRET9", "CLIENTSECRET9"),
        ("query_string b'password=hunter2pw&a=1' (a repr)", "hunter2pw"),
        ('the query "token=TOKENVALUE7"', "TOKENVALUE7"),
    ],
)
def test_credentials_in_free_text_are_redacted(capture: Capture, text: str, leak: str) -> None:
    capture.only_sdk_handler()
    sdk.get_logger("redact").info(text, note=text)
    logging.getLogger("stdlib.redact").info("%s", text)
    lines = capture.stream.getvalue().decode()
    assert leak not in lines
    assert len(capture.take()) == 2


def test_url_redaction_keeps_what_is_not_secret() -> None:
    redactor = Redactor()
    assert redactor.url("https://bob:pw@h.example/p?page=2&token=t") == (
        f"https://bob:{REDACTED}@h.example/p?page=2&token={REDACTED}"
    )
    assert redactor.url("https://only-token@h.example/") == f"https://{REDACTED}@h.example/"
    assert redactor.url("https://h.example/p?q=1") == "https://h.example/p?q=1"
    # a redacted URL redacts to itself (it used to be refused whole, as unparsable)
    once = redactor.url("http://bob:pw@h:8000/x?token=abc&a=1#top")
    assert once == f"http://bob:{REDACTED}@h:8000/x?token={REDACTED}&a=1#top"
    assert redactor.url(once) == once
    assert redactor.url("//ann:pw@h/x") == f"//ann:{REDACTED}@h/x"
    assert redactor.query("a=1&b=2") == "a=1&b=2"
    assert redactor.query("a=1&password=x") == f"a=1&password={REDACTED}"


def test_store_urls_are_shown_without_their_password() -> None:
    assert hide_url("http://elastic:s3cret@es:9200/x") == "http://elastic:***@es:9200/x"
    assert hide_url("sqlite:///st/hopscope.db") == "sqlite:///st/hopscope.db"
    # the URL as its user wrote it: an IPv6 host keeps its brackets, a name its case
    assert hide_url("http://u:pw@[::1]:9200") == "http://u:***@[::1]:9200"
    assert hide_url("https://U:pw@ES.example/x") == "https://U:***@ES.example/x"
    # a URL the message is about because it is bad is still shown, not refused
    assert hide_url("http://u:pw@es:port/x") == "http://u:***@es:port/x"
    assert hide_url("http://es:9200/?q=a:b@c") == "http://es:9200/?q=a:b@c"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://TOKEN123@es:9200", "http://***@es:9200"),  # a user alone is often a token
        ("https://es.example/?api_key=KEY123&x=1", "https://es.example/?api_key=***&x=1"),
        ("sqlite:///x.db?token=TOK1;busy_timeout=1", "sqlite:///x.db?token=***;busy_timeout=1"),
        (f"https://h.example/reset/{JWT}", "https://h.example/reset/***"),
        ("gelf+udp://u:pw1@h:12201?sig=SIG1", "gelf+udp://u:***@h:12201?sig=***"),
    ],
)
def test_urls_shown_to_people_hide_every_secret(url: str, shown: str) -> None:
    assert hide_url(url) == shown
    assert hide_url(shown) == shown


def test_headers_are_lowercased_and_redacted() -> None:
    headers = Redactor().headers([("Authorization", "Bearer x"), ("Cookie", "a=b"), ("X-Id", "7")])
    assert headers == {"authorization": REDACTED, "cookie": REDACTED, "x-id": "7"}


def test_extra_redact_keys_from_configure(make_capture: Callable[..., Capture]) -> None:
    capture = make_capture(redact_keys=["ssn", "pin"])
    sdk.get_logger("redact").info("m", ssn="123-45-6789", card_pin="1234", name="ann")
    record = capture.one()
    assert record["labels.ssn"] == REDACTED
    assert record["labels.card_pin"] == REDACTED
    assert record["labels.name"] == "ann"


def test_extra_redact_keys_from_the_environment(
    make_capture: Callable[..., Capture], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOPSCOPE_REDACT_KEYS", "ssn, iban")
    capture = make_capture()
    sdk.get_logger("redact").info("m", payment={"iban": "DE00 1234", "amount": 5})
    record = capture.one()
    assert json.loads(record["labels.payment"]) == {"iban": REDACTED, "amount": 5}


def test_bound_secret_labels_are_redacted(capture: Capture) -> None:
    with sdk.bound(session_id="abc", user="ann"):
        sdk.get_logger("redact").info("m")
    record = capture.one()
    assert record["labels.session_id"] == REDACTED
    assert record["labels.user"] == "ann"


@pytest.mark.parametrize(
    "text",
    ["status code=500 returned", "key=value pairs", "x == y", "a=1&b=2", "page?size=10"],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert Redactor().text(text) == text


SECRET_KEYS = (
    "Authorization",
    "cookie",
    "Set-Cookie",
    "password",
    "passwd",
    "secret",
    "client_secret",
    "token",
    "refresh_token",
    "api_key",
    "x-api-key",
)
secrets_text = st.text(string.ascii_letters + string.digits, min_size=10, max_size=20).map(
    lambda s: f"SECRET{s}"
)
containers = st.lists(st.sampled_from(["list", "dict", "tuple", "object"]), max_size=12)


def _wrap(value: Any, kinds: list[str]) -> Any:
    for kind in kinds:
        if kind == "list":
            value = [1, value, "x"]
        elif kind == "dict":
            value = {"plain": "visible", "inner": value}
        elif kind == "tuple":
            value = (value,)
        else:
            value = types.SimpleNamespace(inner=value)  # rendered by repr: must not leak either
    return value


@settings(
    max_examples=examples(150),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    key=st.sampled_from(SECRET_KEYS).flatmap(
        lambda k: st.sampled_from([k, k.upper(), k.title(), f"my_{k}"])
    ),
    secret=st.one_of(secrets_text, st.integers(min_value=10**12, max_value=10**15)),
    kinds=containers,
    as_keyword=st.booleans(),
)
def test_no_secret_under_a_secret_key_ever_reaches_a_line(
    capture: Capture, key: str, secret: str | int, kinds: list[str], as_keyword: bool
) -> None:
    """At any depth of lists, dicts, tuples, and of objects only their repr can render."""
    payload = _wrap({key: secret}, kinds)
    log = sdk.get_logger("redact")
    start = len(capture.stream.getvalue())
    if as_keyword:
        log.info("call", **{key: secret}, payload=payload)
    else:
        log.info("call", payload=payload)
    data = capture.stream.getvalue()[start:]
    capture.take()  # and the line is valid
    assert str(secret).encode() not in data


pair_names = st.sampled_from(SECRET_KEYS).flatmap(
    lambda k: st.sampled_from([k, k.upper(), k.title(), f"x-{k}"])
)


@settings(
    max_examples=examples(150),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    name=pair_names,
    secret=secrets_text,
    as_bytes=st.booleans(),
    as_list=st.booleans(),
    kinds=containers,
)
def test_no_secret_in_a_name_value_pair_ever_reaches_a_line(
    capture: Capture, name: str, secret: str, as_bytes: bool, as_list: bool, kinds: list[str]
) -> None:
    """Header lists as ASGI keeps them: the name in one element of a pair, the value in the
    next, at any depth, and in the repr of objects that hold them."""
    pair: Any = (name.encode(), secret.encode()) if as_bytes else (name, secret)
    headers = [(b"accept", b"*/*"), list(pair) if as_list else pair]
    start = len(capture.stream.getvalue())
    sdk.get_logger("redact").info("call", headers=_wrap(headers, kinds))
    data = capture.stream.getvalue()[start:]
    capture.take()  # and the line is valid
    assert secret.encode() not in data
    assert b"*/*" in data  # a header that is no secret is kept


@pytest.mark.parametrize(
    ("pair", "redacted"),
    [
        ((b"cookie", b"sid=1"), [b"cookie", REDACTED]),
        ([b"Authorization", b"Token 1"], [b"Authorization", REDACTED]),
        (("x-api-key", "k1"), ["x-api-key", REDACTED]),
        # bytes as sentry-sdk serialises them into an event
        (["b'cookie'", "b'sid=1'"], ["b'cookie'", REDACTED]),
        (['b"set-cookie"', "b'a=1'"], ['b"set-cookie"', REDACTED]),
        ((b"user-agent", b"curl/8"), [b"user-agent", b"curl/8"]),
        (("accept", "*/*"), ["accept", "*/*"]),
        # three items, or a first item that is no header name: not a pair
        (("cookie", "a", "b"), ["cookie", "a", "b"]),
        (("the token was", "sent"), ["the token was", "sent"]),
    ],
)
def test_the_value_of_a_secret_header_pair_is_redacted(pair: Any, redacted: Any) -> None:
    assert Redactor().value(pair) == redacted


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        (
            "[(b'host', b'h:1'), (b'cookie', b'theme=dark; sid=ck-1'), (b'x-api-key', b'ak-1')]",
            f"[(b'host', b'h:1'), (b'cookie', b'{REDACTED}'), (b'x-api-key', b'{REDACTED}')]",
        ),
        ('[["authorization", "Token at-1"]]', f'[["authorization", "{REDACTED}"]]'),
        ("Headers(raw=[(b'cookie', b\"it's-1\")])", f"Headers(raw=[(b'cookie', b\"{REDACTED}\")])"),
        # cut off by truncation: the value runs to the end
        (
            "[(b'host', b'h'), (b'cookie', b'sid=ck-1...",
            f"[(b'host', b'h'), (b'cookie', b'{REDACTED}'",
        ),
        # a list of names, not a pair: left alone
        ("['cookie', 'authorization', 'accept']", "['cookie', 'authorization', 'accept']"),
        ("[(b'accept', b'*/*')]", "[(b'accept', b'*/*')]"),
    ],
)
def test_secret_header_pairs_in_printed_text_are_redacted(text: str, redacted: str) -> None:
    assert Redactor().text(text) == redacted
    assert Redactor().text(redacted) == redacted  # redacted text redacts to itself


def test_a_secret_name_as_bytes_key_is_redacted() -> None:
    assert Redactor().value({b"Cookie": b"sid=1", b"accept": b"*/*"}) == {
        b"Cookie": REDACTED,
        b"accept": b"*/*",
    }


def test_a_pair_s_name_is_read_up_to_the_longest_header_name() -> None:
    longest = "x-token-" + "a" * 56  # 64 characters, as bytes, and printed as bytes
    for name in (longest, longest.encode(), f"b'{longest}'"):
        assert Redactor().value([name, "v"]) == [name, REDACTED]
    too_long = longest + "a"  # no header name the rules take: not a pair
    assert Redactor().value([too_long, "v"]) == [too_long, "v"]
    assert Redactor().value([f"b'{too_long}'", "v"]) == [f"b'{too_long}'", "v"]


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("privateKey", True),
        ("PRIVATE-KEY", True),
        ("private.key", True),
        ("accessKey", True),
        ("client-secret", True),
        ("APIKey", True),
        ("idToken", True),
        ("session_token", True),
        ("jwt", True),
        ("auth", True),
        ("x_auth", True),
        ("X-Auth", True),
        ("authToken", True),
        ("pwd", True),
        ("userPwd", True),
        ("otp", True),
        ("OTPCode", True),
        ("credential", True),
        ("signature", True),
        ("author", False),
        ("authorName", False),
        ("oauth_state", False),
        ("shopt", False),
        ("cart_id", False),
    ],
)
def test_key_patterns_match_across_spellings_and_as_whole_words(key: str, secret: bool) -> None:
    assert Redactor().is_secret_key(key) is secret


def test_extra_patterns_are_spelled_as_keys_are(make_capture: Callable[..., Capture]) -> None:
    capture = make_capture(redact_keys=["Card-PIN", "memberNumber"])
    sdk.get_logger("redact").info("m", cardPin="1234", member_number="77", spinner="on")
    record = capture.one()
    assert record["labels.cardPin"] == REDACTED
    assert record["labels.member_number"] == REDACTED
    assert record["labels.spinner"] == "on"  # "pin" is a whole word of a key, or nothing


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("Authorization: Token abcdef123", f"Authorization: {REDACTED}"),
        ("sent Authorization: Bearer abc.def.ghi too", f"sent Authorization: {REDACTED} too"),
        ("token: x1y2z3", f"token: {REDACTED}"),
        ("password = hunter2 and more", f"password = {REDACTED} and more"),
        ("api_key='k 1' given", f"api_key='{REDACTED}' given"),
        ("Set-Cookie: name=xyz; Path=/; HttpOnly", f"Set-Cookie: {REDACTED}"),
        ("Cookie: theme=dark; sid=abc\nAccept: */*", f"Cookie: {REDACTED}\nAccept: */*"),
        (f"the link was /reset/{JWT} ok", f"the link was /reset/{REDACTED} ok"),
    ],
)
def test_free_text_forms_of_secrets(text: str, redacted: str) -> None:
    assert Redactor().text(text) == redacted
    assert Redactor().text(redacted) == redacted


@pytest.mark.parametrize(
    "text",
    [
        "error: connection refused",
        "author: Ann",
        "retry at 10:30 = soon",
        "see https://h.example:8080/x",
        "KeyError: 'token'",
    ],
)
def test_ordinary_colon_text_is_left_alone(text: str) -> None:
    assert Redactor().text(text) == text


def test_jwt_shaped_values_are_redacted_in_queries_paths_and_fragments() -> None:
    redactor = Redactor()
    assert redactor.query(f"next={JWT}&page=2") == f"next={REDACTED}&page=2"
    assert redactor.query(f"state={JWT}") == f"state={REDACTED}"
    assert redactor.path(f"/reset/{JWT}") == f"/reset/{REDACTED}"
    assert redactor.path("/carts/42") == "/carts/42"
    assert redactor.url(f"https://h.example/reset/{JWT}?next={JWT}#id_token={JWT}&x=1") == (
        f"https://h.example/reset/{REDACTED}?next={REDACTED}#id_token={REDACTED}&x=1"
    )


def test_semicolon_separated_queries_are_read_like_ampersand_ones() -> None:
    redactor = Redactor()
    assert redactor.query("a=1;password=pw-9;b=2") == f"a=1;password={REDACTED};b=2"
    assert redactor.url("https://h/p?sig=abc;x=1&token=t") == (
        f"https://h/p?sig={REDACTED};x=1&token={REDACTED}"
    )
    # pairs not secret are kept as written, not encoded again
    assert redactor.query("q=a%20b;n=%7E&token=t") == f"q=a%20b;n=%7E&token={REDACTED}"


def test_a_jwt_in_a_label_or_message_is_redacted(capture: Capture) -> None:
    sdk.get_logger("redact").info(f"reset link sent: /reset/{JWT}", link=f"?next={JWT}")
    record = capture.one()
    assert JWT not in json.dumps(record)
    assert record["message"] == f"reset link sent: /reset/{REDACTED}"


@pytest.mark.parametrize("keys", ["pin,otp", "pin, otp", ["pin", "otp"], ("pin", "otp")])
def test_redact_keys_accepts_comma_separated_text_and_lists(
    make_capture: Callable[..., Capture], keys: Any
) -> None:
    capture = make_capture(redact_keys=keys)
    sdk.get_logger("redact").info("m", card_pin="1234", sms_otp="9876", name="ann")
    record = capture.one()
    assert record["labels.card_pin"] == record["labels.sms_otp"] == REDACTED
    assert record["labels.name"] == "ann"


@pytest.mark.parametrize("keys", [[""], ["pin", " "], "pin,,otp", ["--"], [1], 7, [b"pin"]])
def test_an_empty_or_non_string_redact_key_is_a_config_error(keys: Any) -> None:
    with pytest.raises(sdk.ConfigError, match="redact_keys"):
        sdk.configure(service="cart", redact_keys=keys)


def test_an_empty_redact_key_in_the_environment_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOPSCOPE_REDACT_KEYS", "ssn,,iban")
    with pytest.raises(sdk.ConfigError, match="HOPSCOPE_REDACT_KEYS"):
        sdk.configure(service="cart")
