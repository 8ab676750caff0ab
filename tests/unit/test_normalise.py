"""Keyed pseudonyms and endpoint templates: the SQL expressions against Python references."""

from __future__ import annotations

import random
import re
import uuid
import warnings

import duckdb
import pytest

from orchestration.landing.normalise import (
    DEV_PSEUDONYM_KEY,
    PSEUDONYM_KEY_ENV,
    endpoint_template_sql,
    hmac_sql,
    pseudonym,
    pseudonym_key,
)


def sql_map(expr: str, values: list[str | None]) -> list[str | None]:
    """Evaluate `expr` (over column v) for each value, in order."""
    con = duckdb.connect()
    try:
        con.execute("CREATE TABLE t(i INTEGER, v VARCHAR)")
        con.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(values)))
        return [r[0] for r in con.execute(f"SELECT {expr} FROM t ORDER BY i").fetchall()]
    finally:
        con.close()


# --- pseudonyms ------------------------------------------------------------------------------

VALUES = ["10.0.0.1", "alice", "", "ünïcødé ✓", "x" * 500, "2001:db8::1", "a'b\"c\\d"]


@pytest.mark.parametrize(
    "key", [b"k", b"opsdw-development-key-not-secret", b"\x00\xff" * 40, b"k" * 64]
)
def test_hmac_sql_equals_the_python_reference(key: bytes) -> None:
    assert sql_map(hmac_sql(key, "v"), VALUES) == [pseudonym(v, key) for v in VALUES]


def test_pseudonyms_depend_on_the_key_and_keep_nulls() -> None:
    one, two = (
        sql_map(hmac_sql(b"one", "v"), ["bob", None]),
        sql_map(hmac_sql(b"two", "v"), ["bob"]),
    )
    assert one[0] != two[0] and one[1] is None
    assert len(one[0]) == 16 and re.fullmatch(r"[0-9a-f]{16}", one[0])


def test_the_key_never_enters_the_sql_in_clear() -> None:
    assert "secret-key" not in hmac_sql(b"secret-key", "v")


def test_pseudonym_key_from_env_or_dev_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PSEUDONYM_KEY_ENV, "prod-key")
    assert pseudonym_key() == b"prod-key"
    monkeypatch.delenv(PSEUDONYM_KEY_ENV)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert pseudonym_key() == DEV_PSEUDONYM_KEY.encode()
    assert any(PSEUDONYM_KEY_ENV in str(w.message) for w in caught)


# --- endpoint templates ----------------------------------------------------------------------

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def template_reference(path: str) -> str:
    """The rule, segment by segment: uuid -> {uuid}, digits -> {id}, 16+ hex -> {hash}."""
    out = []
    for seg in path.split("/"):
        if _UUID.fullmatch(seg):
            out.append("{uuid}")
        elif re.fullmatch(r"[0-9]+", seg):
            out.append("{id}")
        elif re.fullmatch(r"[0-9a-fA-F]{16,}", seg):
            out.append("{hash}")
        else:
            out.append(seg)
    return "/".join(out)


TEMPLATES = {
    "/": "/",
    "/users/123": "/users/{id}",
    "/users/123/": "/users/{id}/",
    "/users/123/orders": "/users/{id}/orders",
    "/a/1/2": "/a/{id}/{id}",
    "/a/1/2/3/4/5": "/a/{id}/{id}/{id}/{id}/{id}",
    "/1": "/{id}",
    "/orders/550e8400-e29b-41d4-a716-446655440000": "/orders/{uuid}",
    "/550E8400-E29B-41D4-A716-446655440000/550e8400-e29b-41d4-a716-446655440000": (
        "/{uuid}/{uuid}"
    ),
    "/blobs/0123456789abcdef": "/blobs/{hash}",
    "/blobs/deadbeefdeadbeefdead/1": "/blobs/{hash}/{id}",
    "/blobs/0123456789abcde": "/blobs/0123456789abcde",  # 15 hex digits: not a hash
    "/x/12345678901234567890": "/x/{id}",  # all digits: an id, however long
    "/12/abcdefabcdefabcdef/550e8400-e29b-41d4-a716-446655440000": "/{id}/{hash}/{uuid}",
    "/v1/health": "/v1/health",
    "/1a/2b/abc123": "/1a/2b/abc123",
    "/a-1/2-b": "/a-1/2-b",
    "//": "//",
    "/a//1": "/a//{id}",
    "": "",
    "/ü/1": "/ü/{id}",
}


@pytest.mark.parametrize("path", sorted(TEMPLATES))
def test_endpoint_templates(path: str) -> None:
    assert template_reference(path) == TEMPLATES[path]
    assert sql_map(endpoint_template_sql("v"), [path]) == [TEMPLATES[path]]


def test_endpoint_template_keeps_null() -> None:
    assert sql_map(endpoint_template_sql("v"), [None]) == [None]


def test_endpoint_templates_match_the_reference_on_random_paths() -> None:
    rng = random.Random(20261121)
    pieces = [
        lambda: str(rng.randint(0, 10 ** rng.randint(1, 20))),
        lambda: str(uuid.UUID(int=rng.getrandbits(128))),
        lambda: "".join(rng.choice("0123456789abcdefABCDEF") for _ in range(rng.randint(12, 40))),
        lambda: rng.choice(["api", "v1", "users", "orders", "a-b", "x1", "", "deadbeef"]),
    ]
    paths = [
        "/" + "/".join(rng.choice(pieces)() for _ in range(rng.randint(1, 7))) for _ in range(3000)
    ]
    assert sql_map(endpoint_template_sql("v"), paths) == [template_reference(p) for p in paths]


def test_the_development_key_warns_once_per_process(monkeypatch):
    import warnings

    from orchestration.landing import normalise

    monkeypatch.delenv(normalise.PSEUDONYM_KEY_ENV, raising=False)
    normalise._warn_development_key.cache_clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        keys = {normalise.pseudonym_key() for _ in range(15)}
    assert keys == {normalise.DEV_PSEUDONYM_KEY.encode()}
    assert [str(w.message) for w in caught] == [
        "OPSDW_PSEUDONYM_KEY is not set: pseudonymising with the development key"
    ]
    monkeypatch.setenv(normalise.PSEUDONYM_KEY_ENV, "k")
    assert normalise.pseudonym_key() == b"k"
