"""Query-string values that used to crash the analytics page (review 18b D9): each is the page's 400 "bad query"
(plain text, as every bad filter is), for the page and its CSV downloads alike, never a 500."""

from __future__ import annotations

import pytest

from tests.analytics.conftest import AUTH

PATHS = ("/analytics", "/analytics/summary.csv")


def bad_query(response, reason: str) -> None:
    assert response.status_code == 400, response.status_code
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert text.startswith("bad query: ") and reason in text


@pytest.mark.parametrize("variant", ["%C2%B2", "%D9%A3", "1" * 5000])  # "²" and "٣": str.isdigit() is True
def test_a_variant_that_is_not_ascii_digits_is_a_bad_query(app, variant):
    client = app.test_client()
    for path in PATHS:
        bad_query(client.get(f"{path}?variant={variant}", headers=AUTH), "unknown variant")


@pytest.mark.parametrize(
    "query",
    ["to=0001-01-01", "to=9999-12-31", "from=9999-12-01&to=9999-12-31", "from=0001-01-01&to=0001-01-05"],
)
def test_a_date_at_the_ends_of_the_calendar_is_a_bad_query(app, query):
    client = app.test_client()
    for path in PATHS:
        bad_query(client.get(f"{path}?{query}", headers=AUTH), "dates are from")


@pytest.mark.parametrize("name", ["user", "service"])
def test_a_nul_in_a_filter_value_is_a_bad_query(app, name):
    """PostgreSQL refuses NUL in a query's text (a DataError: a 500 there); SQLite would just find nothing."""
    client = app.test_client()
    for path in PATHS:
        bad_query(client.get(f"{path}?{name}=a%00b", headers=AUTH), "NUL")
