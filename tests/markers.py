"""Which kind of test an item is, from the fixtures it uses, so no test file has to say it
and none can say it wrongly: `browser` (a fixture of tests/browser.py), `node` (one of the
chain nodes of tests/nodes.py or tests/tron_node.py), `unit` (none of those, no database, no
live server or gateway process). Applied by tests/conftest.py; `make test-fast` runs
`-m unit`. A test that is none of the three uses the database or a live server."""

from __future__ import annotations

BROWSER_MODULES = frozenset({"tests.browser"})
NODE_MODULES = frozenset({"tests.nodes", "tests.tron_node"})
PROCESS_MODULES = frozenset({"tests.live"})  # gateways in processes of their own
DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "live_server",
    }
)
KINDS = ("unit", "node", "browser")


def kinds(fixture_modules: set[str], fixture_names: set[str], db_marked: bool) -> set[str]:
    """The markers of a test whose fixtures (with those they use) are `fixture_names`,
    defined in `fixture_modules`; `db_marked`: it carries pytest-django's django_db."""
    found = set()
    if fixture_modules & BROWSER_MODULES:
        found.add("browser")
    if fixture_modules & NODE_MODULES:
        found.add("node")
    if not (
        found or db_marked or fixture_names & DATABASE_FIXTURES or fixture_modules & PROCESS_MODULES
    ):
        found.add("unit")
    return found


def fixture_modules(item) -> set[str]:
    """The modules defining the fixtures an item uses: for an overridden name, the
    definition nearest the test (test_dashboard's own `browser` is a logged-in client)."""
    info = getattr(item, "_fixtureinfo", None)  # items that are not functions have none
    if info is None:
        return set()
    return {defs[-1].func.__module__ for defs in info.name2fixturedefs.values() if defs}
