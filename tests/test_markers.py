"""Every test is marked from its fixtures (tests/markers.py): the rule, and what holds a
`unit` test to it."""

import subprocess

import pytest

from tests.markers import kinds

NODE, BROWSER, LIVE = "tests.nodes", "tests.browser", "tests.live"


@pytest.mark.parametrize(
    "modules, names, db_marked, expected",
    [
        (set(), {"settings", "monkeypatch"}, False, {"unit"}),
        (set(), {"db"}, False, set()),  # the database: none of the three
        (set(), {"client"}, True, set()),  # django_db marker
        (set(), {"live_server"}, False, set()),
        ({LIVE}, {"live_gateway"}, False, set()),  # processes of its own
        ({NODE}, {"anvil", "db"}, True, {"node"}),
        ({"tests.tron_node"}, {"tron_node"}, False, {"node"}),
        ({BROWSER}, {"page", "live_server"}, True, {"browser"}),
        ({BROWSER, NODE}, {"page", "anvil"}, True, {"browser", "node"}),
        # test_dashboard's own `browser` (a logged-in client) overrides the plugin's
        ({"tests.test_dashboard"}, {"browser", "db"}, False, set()),
    ],
)
def test_kinds_follow_the_fixtures(modules, names, db_marked, expected):
    assert kinds(modules, names, db_marked) == expected


def test_a_test_without_the_database_is_marked_unit(request):
    assert request.node.get_closest_marker("unit")


def test_a_test_with_the_database_is_not(db, request):
    assert not request.node.get_closest_marker("unit")


def test_a_unit_test_cannot_start_a_process():
    with pytest.raises(AssertionError, match="the `processes` fixture"):
        subprocess.run(["true"])


def test_the_processes_fixture_takes_a_test_out_of_unit(processes, request):
    assert not request.node.get_closest_marker("unit")
    assert subprocess.run(["true"]).returncode == 0
