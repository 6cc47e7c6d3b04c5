"""The analytics page for the radiology informatics team: aggregate queries over the audit store
(queries.py), the report built from them (summary.py) and the Flask views (views.py)."""
