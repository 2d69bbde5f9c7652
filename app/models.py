"""SQLAlchemy 2 models. Schema changes go through Alembic (app/migrations)."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, Index
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


# Lane groups, in board order: the line of visibility lies between them.
VISIBLE = "visible"
BACKSTAGE = "backstage"
LANE_GROUPS = (VISIBLE, BACKSTAGE)


class Workshop(Base):
    __tablename__ = "workshop"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Public, non-secret id used in board URLs; access needs a participant cookie.
    slug: Mapped[str] = mapped_column(String(16), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(5), default="nl")
    # Capability tokens (>= 128 random bits) and the short code typed by hand.
    join_token: Mapped[str] = mapped_column(String(64), unique=True)
    facilitator_token: Mapped[str] = mapped_column(String(64), unique=True)
    join_code: Mapped[str] = mapped_column(String(12), unique=True)
    joining_open: Mapped[bool] = mapped_column(Boolean, default=True)
    # Last sequence number handed out; every board change takes the next one.
    seq: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    phases: Mapped[list["Phase"]] = relationship(
        back_populates="workshop", order_by="Phase.position", cascade="all, delete-orphan"
    )
    lanes: Mapped[list["Lane"]] = relationship(
        back_populates="workshop", order_by="Lane.position", cascade="all, delete-orphan"
    )


class Phase(Base):
    __tablename__ = "phase"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    trigger: Mapped[str] = mapped_column(Text, default="")  # "aanleiding"
    completion: Mapped[str] = mapped_column(Text, default="")  # "afronding"

    workshop: Mapped[Workshop] = relationship(back_populates="phases")


class Lane(Base):
    __tablename__ = "lane"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    # Position is global over the board; the group decides the side of the line.
    position: Mapped[int] = mapped_column(Integer)
    group: Mapped[str] = mapped_column(String(16), default=VISIBLE)
    name: Mapped[str] = mapped_column(String(200))
    question: Mapped[str] = mapped_column(Text, default="")

    workshop: Mapped[Workshop] = relationship(back_populates="lanes")


class Participant(Base):
    __tablename__ = "participant"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    # Secret kept in the browser's cookie; identifies this participant.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    role_label: Mapped[str] = mapped_column(String(100), default="")
    is_facilitator: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Card(Base):
    __tablename__ = "card"
    __table_args__ = (Index("ix_card_cell", "workshop_id", "phase_id", "lane_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"))
    phase_id: Mapped[int] = mapped_column(ForeignKey("phase.id", ondelete="CASCADE"))
    lane_id: Mapped[int] = mapped_column(ForeignKey("lane.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    # Order within the cell; a card keeps its creation order unless moved.
    position: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    author: Mapped[Participant | None] = relationship(lazy="joined")


class Event(Base):
    """The board's event log: one row per change, numbered without gaps."""

    __tablename__ = "event"
    __table_args__ = (UniqueConstraint("workshop_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    # What changed: ids of the touched objects and the values needed to replay.
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    # The broadcast fragments this change re-rendered, e.g. [["cell", 3, 5]]: every app
    # process renders a board's sockets from here, so a late or lost broker message
    # costs time, never an edit (see docs/architecture.md). None: the whole board.
    fragments: Mapped[list | None] = mapped_column(JSON, nullable=True, default=None)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Presence(Base):
    """Who has a board open, per app process. A process refreshes its rows (heartbeat);
    the rows of a process that stopped without saying so expire."""

    __tablename__ = "presence"
    __table_args__ = (UniqueConstraint("process", "workshop_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process: Mapped[str] = mapped_column(String(40))
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"))
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
