"""Input that can be stored can be read back: every JSON string valid Unicode (no lone
surrogates, which no encoder can write out again) and free of NUL (PostgreSQL refuses it in
text), nesting bounded, and metadata within API.md's limits. Checked when the request is
parsed, before any service runs, so nothing half-valid is ever written."""

from __future__ import annotations

import codecs
import json
import re

from rest_framework import parsers, serializers
from rest_framework.exceptions import ParseError
from rest_framework.settings import api_settings

from core.errors import ErrorCode

MAX_BODY_DEPTH = 20
METADATA_MAX_KEYS = 50
METADATA_MAX_BYTES = 16 * 1024
METADATA_MAX_DEPTH = 5


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(r"[\[\]{}]")


def text_depth(text: str) -> int:
    """How deep a JSON text nests, read from its brackets outside strings, before any
    parsing: the C decoder recurses on the machine stack, so a very deep text can crash the
    process before Python's recursion limit is reached."""
    deepest = level = 0
    for bracket in _BRACKET.findall(_JSON_STRING.sub("", text)):
        level += 1 if bracket in "[{" else -1
        deepest = max(deepest, level)
    return deepest


def text_problem(value: str) -> str | None:
    """Why this string cannot be stored, or None."""
    if "\x00" in value:
        return "must not contain NUL characters"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode (no lone surrogates)"
    return None


def depth(value) -> int:
    """Levels of nested objects and arrays (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest


def json_problem(value: object) -> tuple[str | None, str] | None:
    """(path, reason) of the first string or key that cannot be stored, or None; the path
    is None for a bad key at the top level."""
    stack: list[tuple[object, str]] = [(value, "")]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            if reason := text_problem(item):
                return path, reason
        elif isinstance(item, dict):
            for key, child in item.items():
                child_path = f"{path}.{key}" if path else str(key)
                if reason := text_problem(key):
                    return (path or None), f"a key {reason}"
                stack.append((child, child_path))
        elif isinstance(item, list):
            stack.extend((child, f"{path}.{i}" if path else str(i)) for i, child in enumerate(item))
    return None


def _safe_param(path: str | None) -> str | None:
    """A path made of the bad key itself would echo the bad key: keep its clean prefix."""
    if path is None or text_problem(path) is None:
        return path
    return path.encode("utf-8", "replace").decode().replace("\x00", "") or None


class StrictJSONParser(parsers.JSONParser):
    """DRF's JSON parser, plus: nesting beyond MAX_BODY_DEPTH (or deep enough to exhaust
    the interpreter's stack) and unstorable strings are 400s, not 500s later on."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            text = codecs.getreader(encoding)(stream).read()
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        if text_depth(text) > MAX_BODY_DEPTH:
            raise ParseError(f"JSON nested deeper than {MAX_BODY_DEPTH} levels")
        try:
            data = json.loads(
                text, parse_constant=None if not api_settings.STRICT_JSON else _strict_constant
            )
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        if problem := json_problem(data):
            path, reason = problem
            param = _safe_param(path)
            raise serializers.ValidationError(
                {
                    param or "non_field_errors": [
                        serializers.ErrorDetail(reason, code=ErrorCode.INVALID_TEXT)
                    ]
                }
            )
        return data


def _strict_constant(value):
    raise ValueError(f"{value} is not valid JSON")


def check_metadata(value) -> dict:
    """API.md's metadata limits: an object of at most 50 keys, 16 KB as JSON, 5 deep."""
    if not isinstance(value, dict):
        raise serializers.ValidationError("metadata must be a JSON object", code=ErrorCode.INVALID)
    if len(value) > METADATA_MAX_KEYS:
        raise serializers.ValidationError(
            f"metadata has at most {METADATA_MAX_KEYS} keys", code=ErrorCode.METADATA_TOO_MANY_KEYS
        )
    if depth(value) > METADATA_MAX_DEPTH:
        raise serializers.ValidationError(
            f"metadata is nested at most {METADATA_MAX_DEPTH} deep",
            code=ErrorCode.METADATA_TOO_DEEP,
        )
    size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())
    if size > METADATA_MAX_BYTES:
        raise serializers.ValidationError(
            "metadata is limited to 16 KB as JSON", code=ErrorCode.METADATA_TOO_LARGE
        )
    if problem := json_problem(value):
        raise serializers.ValidationError(problem[1], code=ErrorCode.INVALID_TEXT)
    return value
