"""database_health on the default-scenario warehouse: each database scenario lowers the score of
the right database on the right day, names its risk factor, and a calm database-day is healthy
with no risk factor."""

from __future__ import annotations

import duckdb
import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def health(scenario_warehouse):
    con = duckdb.connect(str(scenario_warehouse.db), read_only=True)
    rows = con.execute(
        "SELECT day, database_name, health_score, health_grade, "
        "[r.factor for r in risk_factors] AS factors, recommendations "
        "FROM marts.database_health ORDER BY 1, 2"
    ).fetchall()
    return {(str(d), db): (score, grade, set(f), recs) for d, db, score, grade, f, recs in rows}


def _day(inc) -> str:
    return inc.start.date().isoformat()


def test_each_database_scenario_names_its_risk(scenario_warehouse, health):
    truth = scenario_warehouse.truth
    expect = {
        "lock_contention": "deadlocks",
        "pool_exhaustion": "pool_exhaustion",
        "cache_hit_drop": "buffer_cache_misses",
        "replication_lag": "replication_lag",
        "slow_query_regression": "query_regression",
    }
    for kind, factor in expect.items():
        (inc,) = truth.of_kind(kind)
        # replication is server-wide: the lag shows on every database of the primary
        databases = ("app", "analytics") if kind == "replication_lag" else (inc.target,)
        if kind == "slow_query_regression":
            databases = ("app",)  # orders_by_customer runs on app; it regresses the day after
            day = (inc.start.date()).isoformat()
            days = [d for (d, db) in health if db == "app" and d > day] or [day]
        else:
            days = [_day(inc)]
        for db in databases:
            assert any(factor in health[(d, db)][2] for d in days), (kind, db, days)


def test_the_unused_index_is_a_maintenance_risk_with_a_drop_recommendation(health):
    app = [v for (d, db), v in health.items() if db == "app"]
    assert all("index_bloat" in factors for _, _, factors, _ in app)
    assert all(any("drop" in r["action"] for r in recs) for _, _, _, recs in app)


def test_calm_database_day_is_healthy(scenario_warehouse, health):
    # analytics on the second day: no scenario targets it then (its cache drop and the
    # replica's lag are on the first day)
    truth = scenario_warehouse.truth
    busy = {_day(i) for k in ("cache_hit_drop", "replication_lag") for i in truth.of_kind(k)}
    calm = [(d, db) for (d, db) in health if db == "analytics" and d not in busy]
    assert calm
    for key in calm:
        score, grade, factors, _ = health[key]
        assert grade == "healthy" and score >= 95 and factors == set(), (key, health[key])
    # and a database-day hit by scenarios scores lower than the calm one
    assert min(health[k][0] for k in health if k not in calm) < min(health[k][0] for k in calm)
