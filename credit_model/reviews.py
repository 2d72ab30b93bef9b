"""Advisors' reviews of automated decisions: who reviewed, when, the client's view, the outcome and why.

Directive (EU) 2023/2225, Art. 18: a consumer assessed by automated processing may obtain human
intervention, express their point of view and ask for a review. Each review is a record here: the
reviewer, the time, the client's point of view in their words, the outcome (the decision confirmed, or
changed to granted or refused), a reason from `REASONS` and free text, and the decision it reviewed
(its model version and outcome). Records are append-only, in the database itself (triggers refuse
UPDATE and DELETE): a correction is a new record naming the one it corrects.

PostgreSQL when a URL is configured (what a bank runs; psycopg 3), an SQLite file otherwise (the
embedded default). The gateway writes and reads them; the monitoring report counts how often people
change the model's decisions, per model version and per reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    insert,
    select,
    text,
)
from sqlalchemy.engine import Engine

from credit_model.review_terms import MAX_TEXT, OUTCOMES, REASONS, ReviewOutcome

_metadata = MetaData()
REVIEWS = Table(
    "decision_reviews",
    _metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("client_id", BigInteger, nullable=False, index=True),
    Column("reviewed_at", DateTime(timezone=True), nullable=False),
    Column("reviewer", String(200), nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("client_view", Text, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("reason", String(40), nullable=False),
    Column("note", Text, nullable=False),
    Column("model_version", String(40), nullable=False),
    Column("original_outcome", String(16), nullable=False),
    Column("decision_id", String(64), nullable=True),
    Column("corrects", BigInteger, nullable=True),
)
_APPEND_ONLY = {
    "sqlite": [
        f"CREATE TRIGGER IF NOT EXISTS decision_reviews_no_{verb.lower()} BEFORE {verb} ON decision_reviews "
        "BEGIN SELECT RAISE(ABORT, 'decision reviews are append-only: record a correction'); END"
        for verb in ("UPDATE", "DELETE")
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION decision_reviews_append_only() RETURNS trigger AS $$ BEGIN "
        "RAISE EXCEPTION 'decision reviews are append-only: record a correction'; END $$ LANGUAGE plpgsql",
        "CREATE OR REPLACE TRIGGER decision_reviews_append_only BEFORE UPDATE OR DELETE ON decision_reviews "
        "FOR EACH ROW EXECUTE FUNCTION decision_reviews_append_only()",
    ],
}


_NEVER = datetime(1970, 1, 1, tzinfo=UTC)


class ReviewError(ValueError):
    """A review that cannot be recorded, naming the field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class NewReview:
    """A review as an advisor records it, with the decision it reviews."""

    client_id: int
    reviewer: str
    recorded_by: str
    client_view: str
    outcome: ReviewOutcome
    reason: str
    note: str
    model_version: str
    original_outcome: str
    decision_id: str | None = None
    corrects: int | None = None

    def checked(self) -> NewReview:
        """This review, or a ReviewError naming the first field that is not acceptable."""
        if not self.reviewer.strip():
            raise ReviewError("reviewer", "who reviewed the decision must be named")
        if self.outcome not in OUTCOMES:
            raise ReviewError("outcome", f"must be one of {', '.join(OUTCOMES)}")
        if self.reason not in REASONS:
            raise ReviewError("reason", f"must be one of {', '.join(REASONS)}")
        if self.reason == "other" and not self.note.strip():
            raise ReviewError("note", "the reason 'other' is said in the note")
        for name in ("client_view", "note"):
            if len(getattr(self, name)) > MAX_TEXT:
                raise ReviewError(name, f"at most {MAX_TEXT} characters")
        return self


@dataclass(frozen=True)
class Review(NewReview):
    """A recorded review: its id and time."""

    id: int = 0
    reviewed_at: datetime = _NEVER

    @property
    def changed(self) -> bool:
        """Whether the reviewer changed the decision (not a confirmation, nor the same outcome)."""
        return self.outcome not in ("confirmed", self.original_outcome)


def sqlite_url(path: str) -> str:
    return f"sqlite:///{path}"


class ReviewStore:
    """The reviews table of one database (created with its append-only triggers when missing)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine = create_engine(url, pool_pre_ping=True)
        _metadata.create_all(self._engine)
        with self._engine.begin() as connection:
            for statement in _APPEND_ONLY.get(self._engine.dialect.name, []):
                connection.execute(text(statement))

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    @property
    def engine(self) -> Engine:
        """The database engine (to show, for one, that the database refuses an UPDATE)."""
        return self._engine

    def add(self, review: NewReview) -> Review:
        """Record `review` (checked first); the stored record, with its id and time."""
        review = review.checked()
        if review.corrects is not None and not self._exists(review.client_id, review.corrects):
            raise ReviewError("corrects", f"no review {review.corrects} of client {review.client_id}")
        stamp = datetime.now(tz=UTC)
        values = {**vars(review), "reviewed_at": stamp}
        with self._engine.begin() as connection:
            new_id = connection.execute(insert(REVIEWS).values(**values)).inserted_primary_key[0]  # type: ignore[index]
        return Review(**vars(review), id=int(new_id), reviewed_at=stamp)

    def of_client(self, client_id: int) -> list[Review]:
        """The client's reviews, oldest first."""
        return self._read(select(REVIEWS).where(REVIEWS.c.client_id == client_id).order_by(REVIEWS.c.id))

    def every(self) -> list[Review]:
        """Every review, oldest first (the monitoring report's input)."""
        return self._read(select(REVIEWS).order_by(REVIEWS.c.id))

    def close(self) -> None:
        self._engine.dispose()

    def _exists(self, client_id: int, review_id: int) -> bool:
        query = select(REVIEWS.c.id).where(REVIEWS.c.id == review_id, REVIEWS.c.client_id == client_id)
        with self._engine.connect() as connection:
            return connection.execute(query).first() is not None

    def _read(self, query: object) -> list[Review]:
        with self._engine.connect() as connection:
            rows: Sequence = connection.execute(query).mappings().all()  # type: ignore[call-overload]
        return [_review(dict(row)) for row in rows]


def _review(row: dict) -> Review:
    stamp = row.pop("reviewed_at")
    if stamp.tzinfo is None:  # SQLite keeps no zone: the time was written in UTC
        stamp = stamp.replace(tzinfo=UTC)
    row["id"] = int(row["id"])
    return Review(**row, reviewed_at=stamp)
