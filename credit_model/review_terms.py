"""What an advisor's review may say: its outcomes, its reasons and the longest text it keeps. Apart from
the reviews' database (credit_model.reviews), so that the API's schemas declare them without SQLAlchemy."""

from __future__ import annotations

from typing import Literal

ReviewOutcome = Literal["confirmed", "granted", "refused"]
OUTCOMES: tuple[ReviewOutcome, ...] = ("confirmed", "granted", "refused")
#: Why a review ends as it does: code -> what it means (docs/reviews.md).
REASONS: dict[str, str] = {
    "as_assessed": "the file was assessed correctly: the decision stands",
    "information_completed": "the client supplied information the file lacked",
    "income_verified": "proof of income or expenses changes the affordability",
    "data_error": "a value of the file was wrong and has been corrected",
    "circumstances_changed": "the client's situation changed since the application",
    "risk_misjudged": "the reviewer judges the model's risk wrong for this file",
    "policy_exception": "an exception to the lending policy, granted by an authorised person",
    "other": "another reason, said in the note",
}
#: Longest free text kept (the client's view, the note).
MAX_TEXT = 4_000
