"""BTCPay's Greenfield documents (../shared/reference/greenfield/, beside the repository) as
JSON Schemas: `check(name, value)` validates an answer against the component `name`.

The documents compose objects with `allOf`, each part closed by `additionalProperties:
false`, as code generators read them; JSON Schema would then refuse every property of the
other parts, so parts are merged into one object (still closed) before validating."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import jsonschema

_ROOT = Path(__file__).resolve().parents[1]
# ../shared beside the repository (CI, /work/main); a worktree one level deeper looks higher.
REFERENCE = next(
    found
    for base in (_ROOT.parent, _ROOT.parent.parent)
    if (found := base / "shared" / "reference" / "greenfield").is_dir()
)


@cache
def components() -> dict:
    schemas: dict = {}
    for path in sorted(REFERENCE.glob("swagger.template*.json")):
        schemas.update(json.loads(path.read_text()).get("components", {}).get("schemas", {}))
    return schemas


def document(name: str) -> dict:
    return json.loads((REFERENCE / f"swagger.template.{name}.json").read_text())


def _resolve(schema: dict) -> dict:
    """A referenced component; one the copied documents leave out (a payment method's own
    configuration, documented in files not copied) allows anything."""
    while "$ref" in schema:
        schema = components().get(schema["$ref"].rsplit("/", 1)[1], {})
    return schema


def _merged(schema):
    if isinstance(schema, list):
        return [_merged(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        return _merged(_resolve(schema))
    schema = {k: _merged(v) for k, v in schema.items()}
    parts = schema.pop("allOf", None)
    if not parts:
        return schema
    objects = [p for p in parts if p.get("type") == "object" or "properties" in p]
    if len(objects) < len(parts) or not objects:  # not an object composition: keep it
        return {**schema, "allOf": parts}
    merged: dict = {"type": "object", "properties": {}}
    closed = False
    for part in [*objects, schema]:
        merged["properties"].update(part.get("properties", {}))
        closed = closed or part.get("additionalProperties") is False
        for key in ("required",):
            merged.setdefault(key, []).extend(part.get(key, []))
    if closed:
        merged["additionalProperties"] = False
    return merged


def _nullable(schema):
    """OpenAPI 3.0's `nullable: true` as JSON Schema's null type."""
    if isinstance(schema, list):
        return [_nullable(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    schema = {k: _nullable(v) for k, v in schema.items()}
    if schema.pop("nullable", False):
        return {"anyOf": [schema, {"type": "null"}]}
    return schema


def schema_of(name: str) -> dict:
    return _nullable(_merged(components()[name]))


def check(name: str, value) -> None:
    jsonschema.validate(value, schema_of(name))
