"""Normalisation applied to values before they land: keyed pseudonyms and endpoint templates.

Both are SQL expressions over a column. Landing evaluates them once per distinct value of a
sample of each file (identifiers repeat thousands of times) and joins the results back; a value
the sample did not have is computed on its row — the same expression, so the same result.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import warnings

PSEUDONYM_KEY_ENV = "OPSDW_PSEUDONYM_KEY"
# Development default, documented in docs/operations.md. Production sets OPSDW_PSEUDONYM_KEY.
DEV_PSEUDONYM_KEY = "opsdw-development-key-not-secret"
PSEUDONYM_HEX_CHARS = 16  # 64 bits of HMAC-SHA256: collision-free at any realistic user count


@functools.cache
def _warn_development_key() -> None:
    """Once per process: a run lands every source, and fifteen copies of it hide the message."""
    warnings.warn(
        f"{PSEUDONYM_KEY_ENV} is not set: pseudonymising with the development key", stacklevel=3
    )


def pseudonym_key() -> bytes:
    """The HMAC key from the environment; the documented development default otherwise."""
    key = os.environ.get(PSEUDONYM_KEY_ENV)
    if not key:
        _warn_development_key()
        key = DEV_PSEUDONYM_KEY
    return key.encode()


def pseudonym(value: str, key: bytes) -> str:
    """Reference implementation (Python): truncated HMAC-SHA256 of `value` under `key`."""
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:PSEUDONYM_HEX_CHARS]


def hmac_sql(key: bytes, column: str = "v") -> str:
    """HMAC-SHA256(key, column) in DuckDB SQL, truncated like `pseudonym()`.

    HMAC(K, m) = H((K' ^ opad) || H((K' ^ ipad) || m)); the padded keys are constants computed
    here, so only hex literals (never the data) enter the SQL text.
    """
    block = key if len(key) <= 64 else hashlib.sha256(key).digest()
    block = block.ljust(64, b"\0")
    ipad = bytes(b ^ 0x36 for b in block).hex()
    opad = bytes(b ^ 0x5C for b in block).hex()
    inner = f"unhex(sha256(unhex('{ipad}') || encode({column})))"
    return f"left(sha256(unhex('{opad}') || {inner}), {PSEUDONYM_HEX_CHARS})"


# Path segments replaced by a placeholder, in order (RE2 syntax, DuckDB regexp_replace), each with
# a cheap test on the original path that must hold for the rule to change anything.
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_HEX = r"[0-9a-fA-F]{16,}"
_SEGMENT_RULES: tuple[tuple[str, str, str | None], ...] = (
    (_UUID, "{uuid}", "contains({v}, '-')"),
    (r"[0-9]+", "{id}", None),  # nearly every API path has a number: no pre-test
    (_HEX, "{hash}", f"regexp_matches({{v}}, '/{_HEX}(/|$)')"),
)
# What the common path does not do: a whole hex segment (the hash rule), or two consecutive
# segments of the uuid or the number rule (their second pass).
_NEEDS_MORE = f"/{_HEX}(/|$)|/[0-9]+/[0-9]+(/|$)|/{_UUID}/{_UUID}(/|$)"


def endpoint_template_sql(column: str = "v") -> str:
    """SQL turning a request path into its template: /users/123/orders -> /users/{id}/orders.

    The query string is dropped by the parser; here each whole segment that is a uuid, a number
    or a long hex string becomes a placeholder. The path is padded with a '/' so that a segment is
    always matched as '/<seg>/' (no capture groups: RE2 then runs its fast DFA). A match consumes
    the '/' after it, so of consecutive matching segments every other one is replaced; a second
    pass does the rest. Rules that cannot apply (no '-' for a uuid, no whole hex segment for a
    hash) are skipped per value by a test on the original column: inside CASE each row takes one
    branch, so the expression below it is still evaluated once per row.

    Most paths need one pass of the uuid rule (only when they have a '-') and one of the number
    rule: one regular expression over the original path (`_NEEDS_MORE`) sends the others — a hex
    segment, two consecutive uuid or number segments — through every rule's two passes.
    """
    full = f"({column} || '/')"
    fast = full
    for pattern, placeholder, pre_test in _SEGMENT_RULES:
        seg, rep = f"'/{pattern}/'", f"'/{placeholder}/'"

        def once(x: str, seg: str = seg, rep: str = rep) -> str:
            return f"regexp_replace({x}, {seg}, {rep}, 'g')"

        applied = once(once(full))
        test = pre_test.replace("{v}", column) if pre_test is not None else None
        if test is not None:
            applied = f"CASE WHEN {test} THEN {applied} ELSE {full} END"
        full = applied
        if placeholder == "{uuid}":
            fast = f"CASE WHEN {test} THEN {once(fast)} ELSE {fast} END"
        elif placeholder == "{id}":
            fast = once(fast)
    # left(.., -1) drops the padding ('/' stays '/')
    return (
        f"left(CASE WHEN regexp_matches({column}, '{_NEEDS_MORE}') THEN {full} ELSE {fast} END, -1)"
    )
