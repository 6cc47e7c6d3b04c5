"""What each fixture chart must give: the engine tests and the HAPI end-to-end tests share this table."""

from __future__ import annotations

from cds_service.engine import Outcome

CASES = [
    # chart, outcome, variants, category of the ordered study per variant, recommended alternative
    ("vignette-002-cancer-radiculopathy", Outcome.NOT_APPROPRIATE, [5], ["UNA"], "mr-cspine-wow"),
    ("vignette-003-cervicogenic-headache", Outcome.NOT_APPROPRIATE, [6], ["UNA"], "mr-cspine-wo"),
    ("vignette-004-post-acdf", Outcome.NOT_APPROPRIATE, [3], ["UNA"], "xr-cspine"),
    ("v1-acute-neck-pain", Outcome.NOT_APPROPRIATE, [1], ["UNA"], "xr-cspine"),
    ("v2-acute-radiculopathy", Outcome.NOT_APPROPRIATE, [2], ["UNA"], "xr-cspine"),
    ("v4-suspected-infection", Outcome.NOT_APPROPRIATE, [4], ["UNA"], "mr-cspine-wow"),
    ("v7-chronic-neck-pain", Outcome.NOT_APPROPRIATE, [7], ["UNA"], "xr-cspine"),
    ("v8-chronic-radiculopathy", Outcome.APPROPRIATE, [8], ["MBA-D"], "mr-cspine-wo"),
    ("out-of-scope-trauma", Outcome.NO_CRITERIA_APPLY, [], [], None),
    ("out-of-scope-myelopathy", Outcome.NO_CRITERIA_APPLY, [], [], None),
    ("out-of-scope-pediatric", Outcome.NO_CRITERIA_APPLY, [], [], None),
    ("red-flag-weight-loss", Outcome.NO_CRITERIA_APPLY, [], [], None),
    ("red-flag-anticoagulant", Outcome.NO_CRITERIA_APPLY, [], [], None),  # warfarin named by an included Medication
    ("mri-contraindicated", Outcome.NOT_APPROPRIATE, [8], ["UNA"], "ct-cspine-wo"),
]
