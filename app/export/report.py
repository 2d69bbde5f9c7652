"""The report: a finished board as plain data, for the PDF and the CSV.

Plain dataclasses (no ORM objects), so a report crosses into the PDF worker process
as JSON, and a benchmark can build one of any size without a database
(`synthetic_report`). People are named through `labels.author_label` when the report
is loaded, so every export follows the same naming rule.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.export.labels import author_label

try:  # Dates are shown as the organisation lived them.
    from zoneinfo import ZoneInfo

    LOCAL_ZONE: Any = ZoneInfo("Europe/Amsterdam")
except Exception:  # noqa: BLE001 - no time zone database: UTC is still a correct date
    LOCAL_ZONE = timezone.utc


@dataclass
class ReportTag:
    id: int
    name: str
    letter: str
    colour: str  # a palette name (app/tags/palette.py)


@dataclass
class ReportPhase:
    id: int
    name: str
    trigger: str = ""  # "aanleiding"
    completion: str = ""  # "afronding"


@dataclass
class ReportLane:
    id: int
    name: str
    group: str  # "visible" | "backstage"


@dataclass
class ReportCard:
    id: int
    phase_id: int
    lane_id: int
    position: int
    text: str
    author: str = ""
    tags: list[ReportTag] = field(default_factory=list)
    votes: int = 0  # in the last voting round, as the board shows them
    followup_note: str = ""
    followup_owner: str = ""
    followup_status: str = "open"
    steps: list[str] = field(default_factory=list)  # texts of the praatplaat steps it is linked to


@dataclass
class Report:
    title: str
    language: str
    day: date  # the session's date
    exported_at: datetime
    facilitators: list[str]
    participants: list[str]
    phases: list[ReportPhase]
    lanes: list[ReportLane]  # board order: visible lanes, then backstage lanes
    tags: list[ReportTag]
    cards: list[ReportCard]  # board order: by phase, lane, position
    votes_per_person: int | None = None  # of the last voting round, if any
    # The praatplaat (escalation chart), filled by `load_chart` once app/chart exists; None: no chart section.
    chart: dict | None = None

    def cell(self, phase_id: int, lane_id: int) -> list[ReportCard]:
        return [c for c in self.cards if c.phase_id == phase_id and c.lane_id == lane_id]

    def cells(self) -> dict[tuple[int, int], list[ReportCard]]:
        out: dict[tuple[int, int], list[ReportCard]] = {}
        for card in self.cards:
            out.setdefault((card.phase_id, card.lane_id), []).append(card)
        return out

    # -- to and from JSON (the PDF worker's input) ------------------------------------------------

    def to_dict(self) -> dict:
        return {
            "title": self.title, "language": self.language, "day": self.day.isoformat(),
            "exported_at": self.exported_at.isoformat(), "facilitators": self.facilitators,
            "participants": self.participants, "votes_per_person": self.votes_per_person, "chart": self.chart,
            "phases": [vars(p) for p in self.phases], "lanes": [vars(lane) for lane in self.lanes],
            "tags": [vars(t) for t in self.tags],
            "cards": [{**vars(c), "tags": [t.id for t in c.tags]} for c in self.cards],
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Report":
        tags = [ReportTag(**t) for t in data["tags"]]
        by_id = {t.id: t for t in tags}
        return cls(
            title=data["title"], language=data["language"], day=date.fromisoformat(data["day"]),
            exported_at=datetime.fromisoformat(data["exported_at"]), facilitators=data["facilitators"],
            participants=data["participants"], votes_per_person=data.get("votes_per_person"), chart=data.get("chart"),
            phases=[ReportPhase(**p) for p in data["phases"]], lanes=[ReportLane(**lane) for lane in data["lanes"]],
            tags=tags, cards=[ReportCard(**{**c, "tags": [by_id[i] for i in c["tags"]]}) for c in data["cards"]],
        )


def local_date(moment: datetime) -> date:
    if moment.tzinfo is None:  # SQLite hands back naive datetimes; they are stored in UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(LOCAL_ZONE).date()


async def load_chart(session: AsyncSession, workshop) -> dict | None:
    """The praatplaat as plain data (JSON for the worker): its title, levels, steps with their
    counts of linked cards, and arrows, by id, for the PDF to lay out as the screen does
    (export/sections.py). None when the workshop has no chart: the PDF then has no chart page."""
    from app.chart import service as chart_service
    from app.i18n import gettext as _, use_locale

    view = await chart_service.load_chart(session, workshop)
    if not view.levels:
        return None
    with use_locale(workshop.language):  # the chart's words are in the workshop's language, so is its title
        title = _("Service process for questions and technical problems")
    return {
        "title": title,
        "levels": [{"id": lv.id, "number": i, "name": lv.name, "roles": list(lv.roles or [])}
                   for i, lv in enumerate(view.levels, 1)],
        "steps": [{"id": s.id, "level_id": s.level_id, "position": s.position, "kind": s.kind, "text": s.text,
                   "cards": view.counts.get(s.id, 0)} for s in view.steps],
        "arrows": [{"id": a.id, "source_id": a.source_id, "target_id": a.target_id, "label": a.label or ""}
                   for a in view.arrows],
    }


async def load_report(session: AsyncSession, workshop) -> Report:
    from app.board import service as board_service
    from app.models import Participant

    view = await board_service.load_board(session, workshop)
    people = list(await session.scalars(
        select(Participant).where(Participant.workshop_id == workshop.id).order_by(Participant.created_at, Participant.id)
    ))
    tags = {t.id: ReportTag(t.id, t.name, t.letter, t.colour) for t in view.tags}
    cards = []
    for phase in view.phases:
        for lane in view.lanes:
            for c in view.cell(phase.id, lane.id):
                cards.append(ReportCard(
                    id=c.id, phase_id=c.phase_id, lane_id=c.lane_id, position=c.position, text=c.text,
                    author=author_label(c.author, workshop), tags=[tags[t.id] for t in c.tags if t.id in tags],
                    votes=view.votes.get(c.id, 0), followup_note=c.followup_note, followup_owner=c.followup_owner,
                    followup_status=c.followup_status, steps=[s.text for s in c.steps],
                ))
    return Report(
        title=workshop.title, language=workshop.language, day=local_date(workshop.created_at),
        exported_at=datetime.now(timezone.utc),
        facilitators=_unique(author_label(p, workshop) for p in people if p.is_facilitator),
        participants=_unique(author_label(p, workshop) for p in people if not p.is_facilitator),
        phases=[ReportPhase(p.id, p.name, p.trigger, p.completion) for p in view.phases],
        lanes=[ReportLane(lane.id, lane.name, lane.group) for lane in view.lanes],
        tags=list(tags.values()), cards=cards,
        votes_per_person=view.round.votes_per_person if view.round else None,
        chart=await load_chart(session, workshop),
    )


def _unique(labels) -> list[str]:
    """In order, without repeats or blanks (a facilitator link opened twice makes two "Facilitator"s)."""
    return list(dict.fromkeys(label for label in labels if label))


# -- a board of any size, for benchmarks and layout tests -----------------------------------------

_WORDS = ("cliënt begeleider zorgapp melding storing inlog wachtwoord tablet teams portaal leverancier "
          "serviceverzoek digicoach superuser afspraak werkoverleg terugkoppeling medicatie rapportage "
          "planning dienst locatie één geïnformeerd reparatie instructie handleiding kennisbank "
          "verpleegkundige behandelaar applicatieondersteuner oplossing wachttijd overdracht").split()


def synthetic_report(cards: int = 300, phases: int = 7, lanes: int = 5, seed: int = 1) -> Report:
    """A realistic board of `cards` cards (texts of 2 to 40 words, tags, votes, follow-ups), no database."""
    from app.tags.palette import PALETTE

    rnd = random.Random(seed)
    tag_names = ["informeel", "twijfelachtig", "inconsistent", "aanname", "handmatig oordeel",
                 "niet-gedocumenteerde kennis", "knelpunt"]
    tags = [ReportTag(i + 1, name, "I?≠AHK!"[i], PALETTE[i]) for i, name in enumerate(tag_names)]
    phase_list = [ReportPhase(i + 1, f"Fase {i + 1}", trigger=rnd.choice(["", "Cliënt meldt een probleem"]),
                              completion=rnd.choice(["", "Probleem opgelost of doorgezet"])) for i in range(phases)]
    lane_names = ["Stappen voor de klant", "Touchpoints met de klant", "Mensen", "Processen", "Technologie"]
    lane_list = [ReportLane(100 + i, lane_names[i % len(lane_names)] + ("" if i < len(lane_names) else f" {i}"),
                            "visible" if i < max(1, lanes * 2 // 5) else "backstage") for i in range(lanes)]
    people = [f"Deelnemer {i} (begeleider)" for i in range(1, 13)]
    made = []
    for n in range(cards):
        phase = rnd.choice(phase_list)
        lane = rnd.choice(lane_list)
        words = " ".join(rnd.choice(_WORDS) for _ in range(rnd.randint(2, 40)))
        card_tags = rnd.sample(tags, k=rnd.choice([0, 0, 0, 1, 1, 2]))
        made.append(ReportCard(
            id=n + 1, phase_id=phase.id, lane_id=lane.id, position=n, text=f"Kaart {n + 1}: {words}",
            author=rnd.choice(people), tags=sorted(card_tags, key=lambda t: t.id), votes=rnd.choice([0, 0, 0, 1, 2, 5]),
            followup_note=rnd.choice(["", "Bespreken in het werkoverleg"]) if card_tags else "",
            followup_owner=rnd.choice(["", "Fatima"]) if card_tags else "",
            followup_status=rnd.choice(["open", "resolved"]),
        ))
    phase_rank = {p.id: i for i, p in enumerate(phase_list)}
    lane_rank = {lane.id: i for i, lane in enumerate(lane_list)}
    made.sort(key=lambda c: (phase_rank[c.phase_id], lane_rank[c.lane_id], c.position))
    return Report(
        title="Hulp vragen bij de zorgapp", language="nl", day=date(2026, 11, 22),
        exported_at=datetime(2026, 11, 22, 15, 30, tzinfo=timezone.utc), facilitators=["Fenna (facilitator)"],
        participants=people, phases=phase_list, lanes=lane_list, tags=tags, cards=made, votes_per_person=3,
    )
