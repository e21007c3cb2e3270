"""Human review with Label Studio, and judges calibrated against people.

    from proctor.review import Selection, calibrate, create_review_set, import_review
    from proctor.review import read_export

    review = create_review_set(store, "3f2a", scorer="helpfulness",
                               selection=Selection(strategy="disagreement", n=40))
    # ... review.tasks and review.config go to Label Studio; reviewers correct the judge ...
    import_review(store, "3f2a", read_export(Path("export.json")))
    result = calibrate(store, "3f2a", scorer="helpfulness")

The loop: choose units (`_select`: random, stratified, disagreement,
low-confidence; seeded and recorded), build Label Studio tasks with the
judge's verdicts as predictions and the labeling config (`_labelstudio`),
read the full JSON export back, checked against that config, as human
scores (`_import`), or do both against a running server (`_client`,
`_live`), then measure the judge against people (`_agreement`,
`_calibration`). Human scores never enter the machine's metrics; the
scorer's metrics computed from them sit beside the judge's in the
calibration, which is stored per judge signature (`calibration_for`).
"""

from proctor.review._agreement import (
    Figure,
    PairedVerdicts,
    agreement_rate,
    cohen_kappa,
    macro_f1,
    mean_difference,
    spearman,
)
from proctor.review._calibration import Calibration, calibrate, calibration_for
from proctor.review._client import LabelStudio, LabelStudioError, is_personal_access_token
from proctor.review._export import ReviewExport, create_review_set
from proctor.review._human_metrics import human_metrics
from proctor.review._import import ImportSummary, check_export, import_review, read_export
from proctor.review._labelstudio import Control, check_result, label_config, parse_config
from proctor.review._live import PushedReview, pull_review, push_review
from proctor.review._select import STRATEGIES, Selection, select_units
from proctor.review._target import Scale, Target, Unit, Verdict, load_units, resolve_target

__all__ = [
    "STRATEGIES",
    "Calibration",
    "Control",
    "Figure",
    "ImportSummary",
    "LabelStudio",
    "LabelStudioError",
    "PairedVerdicts",
    "PushedReview",
    "ReviewExport",
    "Scale",
    "Selection",
    "Target",
    "Unit",
    "Verdict",
    "agreement_rate",
    "calibrate",
    "calibration_for",
    "check_export",
    "check_result",
    "cohen_kappa",
    "create_review_set",
    "human_metrics",
    "import_review",
    "is_personal_access_token",
    "label_config",
    "load_units",
    "macro_f1",
    "mean_difference",
    "parse_config",
    "pull_review",
    "push_review",
    "read_export",
    "resolve_target",
    "select_units",
    "spearman",
]
