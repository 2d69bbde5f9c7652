"""SQLAlchemy 2 models. Schema changes go through Alembic (app/migrations)."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint, false, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, column_property, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


# Lane groups, in board order: the line of visibility lies between them.
VISIBLE = "visible"
BACKSTAGE = "backstage"
LANE_GROUPS = (VISIBLE, BACKSTAGE)

# Who may change the praatplaat (workshop.chart_editing).
CHART_FACILITATOR = "facilitator"
CHART_EVERYONE = "everyone"
CHART_EDITING = (CHART_FACILITATOR, CHART_EVERYONE)
# Kinds of chart steps: where a case starts, a step on the way, where it ends.
STEP_START = "start"
STEP_STEP = "step"
STEP_END = "end"
STEP_KINDS = (STEP_START, STEP_STEP, STEP_END)


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
    # Facilitation (the facilitator runs the room): all enforced in the handlers.
    locked: Mapped[bool] = mapped_column(Boolean, default=False)  # read-only for participants
    closed: Mapped[bool] = mapped_column(Boolean, default=False)  # read-only for everyone; export still works
    private_writing: Mapped[bool] = mapped_column(Boolean, default=False)
    anonymity: Mapped[str] = mapped_column(String(8), default="names")  # names | roles | none
    focus_kind: Mapped[str] = mapped_column(String(8), default="")  # "" | phase | lane | chart
    focus_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Countdown: running while timer_ends_at is set; paused with timer_remaining (seconds) set.
    timer_ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    timer_remaining: Mapped[int | None] = mapped_column(Integer, nullable=True)
    timer_total: Mapped[int] = mapped_column(Integer, default=0)
    # Participants may download the PDF, CSV and JSON too (the facilitator always may).
    export_allowed_for_participants: Mapped[bool] = mapped_column(Boolean, default=False)
    # Last sequence number handed out; every board change takes the next one.
    seq: Mapped[int] = mapped_column(Integer, default=0)
    chart_editing: Mapped[str] = mapped_column(String(16), default=CHART_FACILITATOR)
    # The case being walked through the chart: step ids in order; the last one is where the group is.
    chart_walk: Mapped[list] = mapped_column(JSON, default=list)
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
    locked: Mapped[bool] = mapped_column(Boolean, default=False)

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
    # The co-facilitator link this facilitator came in by: revoking the link demotes them.
    link_id: Mapped[int | None] = mapped_column(ForeignKey("facilitator_link.id", ondelete="SET NULL"), nullable=True)
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FacilitatorLink(Base):
    """A second facilitator link, to share with a co-facilitator, and revoke."""

    __tablename__ = "facilitator_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The link its maker came in by (None: made by a holder of the workshop's own facilitator link).
    # Revoking a link revokes the links made under it: a co-facilitator cannot keep a way back in.
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("facilitator_link.id", ondelete="CASCADE", name="fk_facilitator_link_parent_id"), nullable=True)


class Card(Base):
    __tablename__ = "card"
    __table_args__ = (
        Index("ix_card_cell", "workshop_id", "phase_id", "lane_id"),
        # A card written offline is sent again until acknowledged: its client id makes a replay harmless.
        UniqueConstraint("workshop_id", "client_id", name="uq_card_client_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"))
    phase_id: Mapped[int] = mapped_column(ForeignKey("phase.id", ondelete="CASCADE"))
    lane_id: Mapped[int] = mapped_column(ForeignKey("lane.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    client_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # Order within the cell; a card keeps its creation order unless moved.
    position: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Written during private writing and not yet revealed: only its author may see its text.
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    # Moderation: hidden by a facilitator, or deleted; both wait in the bin, restorable.
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    # Follow-up for the revisit list ("Terugkomen op"): what the group does about it.
    followup_note: Mapped[str] = mapped_column(Text, default="")
    followup_owner: Mapped[str] = mapped_column(String(100), default="")
    followup_status: Mapped[str] = mapped_column(String(16), default="open")  # open | resolved

    author: Mapped[Participant | None] = relationship(lazy="joined")
    tags: Mapped[list["Tag"]] = relationship(secondary="card_tag", lazy="selectin", order_by="Tag.position")
    # Praatplaat steps this card is about (shown as chips on the card).
    steps: Mapped[list["ChartStep"]] = relationship(secondary="card_step", lazy="selectin", order_by="ChartStep.id")


card_tag = Table(
    "card_tag",
    Base.metadata,
    Column("card_id", ForeignKey("card.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True),
)


class Tag(Base):
    """A mark to come back to (informeel, twijfelachtig, ...): never colour alone, always a letter too."""

    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    # The built-in tag this is ("informal", ...); empty for a facilitator's own tag.
    key: Mapped[str] = mapped_column(String(32), default="")
    name: Mapped[str] = mapped_column(String(60))
    letter: Mapped[str] = mapped_column(String(3))
    colour: Mapped[str] = mapped_column(String(16))  # a palette name, see app/tags/palette.py
    position: Mapped[int] = mapped_column(Integer, default=0)


class VoteRound(Base):
    """A round of dot voting; the latest round's results stay visible after it ends."""

    __tablename__ = "vote_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    votes_per_person: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Blind: while the round runs, nobody sees counts (not in any page, answer or broadcast).
    blind: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


# The workshop's latest voting round (running or the last one), read with the workshop's row: every
# card and cell rendered asks for it, and outside a round (most of a session) that then costs no query.
# `events.record` reads it again with the board's next number, under the board's lock.
Workshop.latest_round_id = column_property(
    select(func.max(VoteRound.id)).where(VoteRound.workshop_id == Workshop.id).scalar_subquery()
)


class Vote(Base):
    """One dot: a participant may put several of their dots on one card."""

    __tablename__ = "vote"
    __table_args__ = (Index("ix_vote_round_participant", "round_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("vote_round.id", ondelete="CASCADE"))
    card_id: Mapped[int] = mapped_column(ForeignKey("card.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


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


# -- the praatplaat: levels of help (columns), steps, labelled arrows; cards link to steps ------


class ChartLevel(Base):
    __tablename__ = "chart_level"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    # Example roles at this level, in order (e.g. "Digicoach", "Superuser").
    roles: Mapped[list] = mapped_column(JSON, default=list)


class ChartStep(Base):
    __tablename__ = "chart_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    level_id: Mapped[int] = mapped_column(ForeignKey("chart_level.id", ondelete="CASCADE"), index=True)
    # Order within the level, where the flow does not decide it.
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(16), default=STEP_STEP)
    text: Mapped[str] = mapped_column(String(300))

    level: Mapped[ChartLevel] = relationship(lazy="joined")


class ChartArrow(Base):
    """From one step to the next; the label says when (a decision or a hand-off)."""

    __tablename__ = "chart_arrow"
    __table_args__ = (UniqueConstraint("source_id", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("chart_step.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(ForeignKey("chart_step.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(300), default="")

    source: Mapped[ChartStep] = relationship(foreign_keys=[source_id])
    target: Mapped[ChartStep] = relationship(foreign_keys=[target_id])


card_step = Table(
    "card_step",
    Base.metadata,
    Column("card_id", ForeignKey("card.id", ondelete="CASCADE"), primary_key=True),
    Column("step_id", ForeignKey("chart_step.id", ondelete="CASCADE"), primary_key=True, index=True),
)


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
