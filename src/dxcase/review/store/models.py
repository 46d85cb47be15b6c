"""Tables of the review store (SQLAlchemy 2 declarative; migrations in ``migrations/``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Round(Base):
    """One review round: a case's presentation notebooks, a rubric, k reviews each, dates."""

    __tablename__ = "rounds"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    course: Mapped[str] = mapped_column(String(100))
    assignment: Mapped[str] = mapped_column(String(100))
    notebook: Mapped[str] = mapped_column(String(200))
    rubric: Mapped[dict[str, Any]] = mapped_column(JSON)
    k: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(Integer)
    calibration: Mapped[bool] = mapped_column(Boolean, default=False)
    lease_hours: Mapped[float] = mapped_column(Float, default=48.0)
    opens_at: Mapped[datetime] = mapped_column(DateTime)
    reviews_due_at: Mapped[datetime] = mapped_column(DateTime)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Participant(Base):
    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("round_id", "learner"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    learner: Mapped[str] = mapped_column(String(200))
    team: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lang: Mapped[str] = mapped_column(String(5), default="ja")
    conflicts: Mapped[list[str]] = mapped_column(JSON, default=list)


class Submission(Base):
    """A learner's presentation, rendered to sanitized anonymous HTML when it joined the round."""

    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("round_id", "author"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    author: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(20))  # anonymous label shown to reviewers
    html: Mapped[str] = mapped_column(Text)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Assignment(Base):
    """A reviewer's task to review one submission, held under a lease until submitted."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("submission_id", "reviewer"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    reviewer: Mapped[str] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(20), default="assigned")  # submitted, expired
    origin: Mapped[str] = mapped_column(String(20), default="initial")  # late, reassigned, extra
    assigned_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    lease_expires_at: Mapped[datetime] = mapped_column(DateTime)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Draft(Base):
    __tablename__ = "drafts"
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Review(Base):
    """A submitted review; written once, in the same transaction that closes its assignment."""

    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), unique=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    reviewer: Mapped[str] = mapped_column(String(200))
    scores: Mapped[dict[str, int]] = mapped_column(JSON)
    comments: Mapped[dict[str, str]] = mapped_column(JSON)
    overall_comment: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Rating(Base):
    """Feedback on feedback: the reviewee rates a review's helpfulness or reports it."""

    __tablename__ = "ratings"
    __table_args__ = (UniqueConstraint("review_id", "rater"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), index=True)
    rater: Mapped[str] = mapped_column(String(200))
    helpful: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 1 (no) .. 3 (very)
    reported: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CalibrationExample(Base):
    __tablename__ = "calibration_examples"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    html: Mapped[str] = mapped_column(Text)
    reference: Mapped[dict[str, int]] = mapped_column(JSON)


class CalibrationAnswer(Base):
    __tablename__ = "calibration_answers"
    __table_args__ = (UniqueConstraint("example_id", "learner"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    example_id: Mapped[int] = mapped_column(ForeignKey("calibration_examples.id"))
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    learner: Mapped[str] = mapped_column(String(200))
    scores: Mapped[dict[str, int]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Override(Base):
    """A facilitator's score for a submission (per criterion); the latest one counts."""

    __tablename__ = "overrides"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    scores: Mapped[dict[str, int]] = mapped_column(JSON)
    by: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Token(Base):
    """Standalone mode (no hub): a hashed access token per user."""

    __tablename__ = "tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # learner | facilitator
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
