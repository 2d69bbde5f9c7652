"""The workshop file (JSON): the whole workshop, to keep or to start a new workshop from.

The format is documented in docs/export-format.md. Objects refer to each other by
`ref`s local to the file ("p1", "c12"), never by database ids. Reading is strict
about the fields it knows (a clear error in the user's language, nothing written)
and ignores fields it does not know; `version` goes up when a change would make an
older reader lose or misread data.
"""

from __future__ import annotations

import json
import secrets
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.board import service as board
from app.live.events import record
from app.text import clean_name
from app.config import Settings
from app.errors import UserError
from app.export.labels import author_label
from app.i18n import LANGUAGES
from app.i18n import gettext as _
from app.chart import service as chart_service
from app.chart.default import add_default_chart
from app.models import (
    CHART_EDITING, LANE_GROUPS, STEP_KINDS, Card, ChartArrow, ChartLevel, ChartStep, Lane, Participant, Phase, Tag,
    Vote, VoteRound, Workshop, card_step, card_tag,
)
from app.tags.palette import PALETTE
from app.tags.service import FOLLOWUP_STATUSES, MAX_TAGS
from app.votes.service import MAX_VOTES_PER_PERSON
from app.workshops import service as workshops

FORMAT = "zichtlijn-workshop"
VERSION = 1
READABLE_VERSIONS = (1,)
MAX_CARDS = 5000
MAX_PARTICIPANTS = 2000
MAX_ROUNDS = 100
BUILTIN_TAG_KEYS = ("informal", "doubtful", "inconsistent", "assumption", "judgement", "undocumented", "painpoint")


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:  # stored in UTC; SQLite hands back naive values
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.isoformat()


# -- export -----------------------------------------------------------------------------------


async def export_document(session: AsyncSession, workshop: Workshop) -> dict[str, Any]:
    view = await board.load_board(session, workshop)
    people = list(await session.scalars(
        select(Participant).where(Participant.workshop_id == workshop.id).order_by(Participant.created_at, Participant.id)
    ))
    rounds = list(await session.scalars(
        select(VoteRound).where(VoteRound.workshop_id == workshop.id).order_by(VoteRound.id)
    ))
    phase_ref = {p.id: f"p{i}" for i, p in enumerate(view.phases, 1)}
    lane_ref = {lane.id: f"l{i}" for i, lane in enumerate(view.lanes, 1)}
    tag_ref = {t.id: f"t{i}" for i, t in enumerate(view.tags, 1)}
    person_ref = {p.id: f"m{i}" for i, p in enumerate(people, 1)}
    cards = [c for p in view.phases for lane in view.lanes for c in view.cell(p.id, lane.id)]
    card_ref = {c.id: f"c{i}" for i, c in enumerate(cards, 1)}
    chart = await chart_service.load_chart(session, workshop)
    level_ref = {lv.id: f"v{i}" for i, lv in enumerate(chart.levels, 1)}
    step_ref = {st.id: f"s{i}" for i, st in enumerate(chart.ordered_steps, 1)}
    chart_doc = {
        "levels": [{"ref": level_ref[lv.id], "name": lv.name, "roles": list(lv.roles or [])} for lv in chart.levels],
        "steps": [{"ref": step_ref[st.id], "level": level_ref[st.level_id], "text": st.text, "kind": st.kind}
                  for st in chart.ordered_steps],
        "arrows": [{"from": step_ref[a.source_id], "to": step_ref[a.target_id], "label": a.label}
                   for a in chart.arrows if a.source_id in step_ref and a.target_id in step_ref],
    } if chart.levels else None
    votes: dict[int, Counter] = defaultdict(Counter)
    if rounds:
        rows = await session.execute(
            select(Vote.round_id, Vote.card_id, Vote.participant_id).where(Vote.round_id.in_([r.id for r in rounds]))
        )
        for round_id, card_id, participant_id in rows:
            votes[round_id][(card_id, participant_id)] += 1
    # The file names people as the board does (the anonymity setting): with names, as typed; with
    # roles, by their role; with nobody, not at all: no people, no authors, and votes per card only.
    hidden = workshop.anonymity == "none"
    if hidden:
        people, person_ref = [], {}
        for round_id, counted in votes.items():
            per_card: Counter = Counter()
            for (card_id, _participant), n in counted.items():
                per_card[(card_id, None)] += n
            votes[round_id] = per_card
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": _iso(datetime.now(timezone.utc)),
        "workshop": {
            "title": workshop.title,
            "language": workshop.language,
            "created_at": _iso(workshop.created_at),
            "settings": {
                "joining_open": workshop.joining_open,
                "export_allowed_for_participants": workshop.export_allowed_for_participants,
                "anonymity": workshop.anonymity,
                "chart_editing": workshop.chart_editing,
            },
        },
        "phases": [{"ref": phase_ref[p.id], "name": p.name, "trigger": p.trigger, "completion": p.completion}
                   for p in view.phases],
        "lanes": [{"ref": lane_ref[lane.id], "group": lane.group, "name": lane.name, "question": lane.question}
                  for lane in view.lanes],
        "tags": [{"ref": tag_ref[t.id], "key": t.key, "name": t.name, "letter": t.letter, "colour": t.colour}
                 for t in view.tags],
        "participants": [{"ref": person_ref[p.id], "name": p.name if workshop.anonymity == "names" else author_label(p, workshop),
                          "role": p.role_label, "facilitator": p.is_facilitator} for p in people],
        "cards": [
            {
                "ref": card_ref[c.id], "phase": phase_ref[c.phase_id], "lane": lane_ref[c.lane_id], "text": c.text,
                "author": person_ref.get(c.author_id) if c.author_id else None,
                "tags": [tag_ref[t.id] for t in c.tags if t.id in tag_ref],
                "followup": {"note": c.followup_note, "owner": c.followup_owner, "status": c.followup_status},
            }
            for c in cards
        ],
        "vote_rounds": [
            {
                "votes_per_person": r.votes_per_person, "started_at": _iso(r.started_at), "ended_at": _iso(r.ended_at),
                "votes": [{"card": card_ref[card_id], **({"participant": person_ref[pid]} if not hidden else {}), "count": n}
                          for (card_id, pid), n in sorted(votes[r.id].items(), key=lambda kv: (card_ref.get(kv[0][0], ""), kv[0][1] or 0))
                          if card_id in card_ref and (hidden or pid in person_ref)],
            }
            for r in rounds
        ],
        "chart": chart_doc,
        "links": [{"card": card_ref[c.id], "step": step_ref[s.id]} for c in cards for s in c.steps if s.id in step_ref],
    }


def dumps(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


# -- import: read and check everything first, then write ----------------------------------------


class _Reader:
    """Checks one field at a time; every problem names where it is, in the user's language."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @staticmethod
    def fail(where: str, problem: str) -> UserError:
        return UserError(_("The file cannot be imported. %(where)s: %(problem)s", where=where, problem=problem))

    def obj(self, value: Any, where: str) -> dict:
        if not isinstance(value, dict):
            raise self.fail(where, _("this should be an object with fields."))
        return value

    def items(self, data: dict, key: str, where: str, limit: int, required: bool = True) -> list[dict]:
        value = data.get(key, None if required else [])
        if not isinstance(value, list):
            raise self.fail(where, _("the list \"%(key)s\" is missing.", key=key))
        if len(value) > limit:
            raise self.fail(where, _("the list \"%(key)s\" has more than %(limit)s items.", key=key, limit=limit))
        return [self.obj(item, f"{where} › {key} {i}") for i, item in enumerate(value, 1)]

    def text(self, data: dict, key: str, where: str, limit: int, default: str | None = None) -> str:
        value = data.get(key, default)
        if not isinstance(value, str):
            raise self.fail(where, _("the field \"%(key)s\" should be text.", key=key))
        if len(value) > limit:
            raise self.fail(where, _("the field \"%(key)s\" is longer than %(limit)s characters.", key=key, limit=limit))
        return value.replace("\r\n", "\n").strip()

    def flag(self, data: dict, key: str, where: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(where, _("the field \"%(key)s\" should be true or false.", key=key))
        return value

    def moment(self, data: dict, key: str, where: str) -> datetime | None:
        value = data.get(key)
        if value is None:
            return None
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            raise self.fail(where, _("the field \"%(key)s\" is not a date and time.", key=key)) from None
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)

    def ref(self, data: dict, key: str, where: str, known: dict[str, Any], optional: bool = False) -> Any:
        value = data.get(key)
        if value is None and optional:
            return None
        if not isinstance(value, str) or value not in known:
            raise self.fail(where, _("\"%(key)s\" refers to something that is not in the file.", key=key))
        return known[value]

    def refs(self, data: dict, where: str, seen: set[str]) -> str:
        value = data.get("ref")
        if not isinstance(value, str) or not value or len(value) > 40:
            raise self.fail(where, _("the field \"ref\" is missing."))
        if value in seen:
            raise self.fail(where, _("the ref \"%(ref)s\" is used twice.", ref=value))
        seen.add(value)
        return value

    def checked(self, where: str, check, *args) -> Any:
        """Reuse the app's own validation (the same rules as typing it in), naming the place."""
        try:
            return check(*args)
        except UserError as exc:
            raise self.fail(where, exc.message) from None


def parse(raw: bytes, settings: Settings) -> dict:
    """The upload as JSON, or a clear error: too large, not JSON, not ours, a version we cannot read."""
    if len(raw) > settings.max_import_bytes:
        raise UserError(_("This file is too large to import (at most %(limit)s MB).",
                          limit=f"{settings.max_import_bytes / 1_000_000:g}"), status_code=413)
    if not raw.strip():
        raise UserError(_("Choose a workshop file (.json) to import."))
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise UserError(_("This is not a workshop file: it does not contain valid JSON.")) from None
    except RecursionError:  # a few hundred KB of [[[[... exhausts the parser's stack
        raise UserError(_("This is not a workshop file: its contents are nested too deeply.")) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise UserError(_("This is not a Zichtlijn workshop file."))
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version not in READABLE_VERSIONS:
        if isinstance(version, int) and not isinstance(version, bool) and version > VERSION:
            raise UserError(_("This workshop file was made by a newer version of Zichtlijn (format version %(version)s). "
                              "Update Zichtlijn to import it.", version=version))
        raise UserError(_("This workshop file has a format version that Zichtlijn cannot read."))
    return data


def read(data: dict, settings: Settings) -> dict:
    """Every field checked, refs resolved to positions: a plan that can be written without surprises."""
    r = _Reader(settings)
    ws = r.obj(data.get("workshop"), _("Workshop"))
    where = _("Workshop")
    title = r.checked(where, workshops.clean_title, r.text(ws, "title", where, 10_000), settings)
    language = ws.get("language", "nl")
    if language not in LANGUAGES:
        raise r.fail(where, _("the language \"%(language)s\" is not one of Zichtlijn's languages.", language=str(language)[:10]))
    options = r.obj(ws.get("settings", {}), where)
    plan: dict[str, Any] = {
        "title": title, "language": language,
        "joining_open": r.flag(options, "joining_open", where, True),
        "export_allowed_for_participants": r.flag(options, "export_allowed_for_participants", where, False),
        "anonymity": options.get("anonymity", "names"),
        "chart_editing": options.get("chart_editing", "facilitator"),
    }
    if plan["anonymity"] not in ("names", "roles", "none"):
        raise r.fail(where, _("Choose names, roles or nobody."))
    if plan["chart_editing"] not in CHART_EDITING:
        raise r.fail(where, _("the field \"%(key)s\" has a value Zichtlijn does not know.", key="chart_editing"))

    seen: set[str] = set()
    phases = {}
    for i, item in enumerate(r.items(data, "phases", _("Phases"), board.MAX_PHASES), 1):
        where = _("Phase %(number)s", number=i)
        phases[r.refs(item, where, seen)] = {
            "index": i - 1, "name": r.checked(where, clean_name, r.text(item, "name", where, 10_000)),
            "trigger": r.text(item, "trigger", where, 1000, ""), "completion": r.text(item, "completion", where, 1000, ""),
        }
    if not phases:
        raise r.fail(_("Phases"), _("a board needs at least one phase."))
    lanes = {}
    for i, item in enumerate(r.items(data, "lanes", _("Rows"), board.MAX_LANES), 1):
        where = _("Row %(number)s", number=i)
        group = item.get("group")
        if group not in LANE_GROUPS:
            raise r.fail(where, _("the field \"group\" should be \"visible\" or \"backstage\"."))
        lanes[r.refs(item, where, seen)] = {
            "index": i - 1, "group": group, "name": r.checked(where, clean_name, r.text(item, "name", where, 10_000)),
            "question": r.text(item, "question", where, 1000, ""),
        }
    if not lanes:
        raise r.fail(_("Rows"), _("a board needs at least one row."))
    tags = {}
    for i, item in enumerate(r.items(data, "tags", _("Tags"), MAX_TAGS, required=False), 1):
        where = _("Tag %(number)s", number=i)
        key = r.text(item, "key", where, 32, "")
        if key and key not in BUILTIN_TAG_KEYS:
            raise r.fail(where, _("the field \"key\" is not one of the tags of the method."))
        name = r.text(item, "name", where, 60)
        letter = r.text(item, "letter", where, 3)
        if not name or not letter:
            raise r.fail(where, _("a tag needs a name and a letter."))
        colour = item.get("colour")
        if colour not in PALETTE:
            raise r.fail(where, _("the colour is not one of Zichtlijn's colours."))
        tags[r.refs(item, where, seen)] = {"index": i - 1, "key": key, "name": name, "letter": letter, "colour": colour}
    people = {}
    for i, item in enumerate(r.items(data, "participants", _("Participants"), MAX_PARTICIPANTS, required=False), 1):
        where = _("Participant %(number)s", number=i)
        people[r.refs(item, where, seen)] = {
            "index": i - 1, "name": r.checked(where, workshops.clean_member_name, r.text(item, "name", where, 10_000), settings),
            "role": r.checked(where, workshops.clean_role, r.text(item, "role", where, 10_000, ""), settings),
            "facilitator": r.flag(item, "facilitator", where, False),
        }
    cards = {}
    # A board's own limit, not only the format's: an import must not make a board that holds more than one can.
    for i, item in enumerate(r.items(data, "cards", _("Cards"), min(MAX_CARDS, settings.max_cards_per_board), required=False), 1):
        where = _("Card %(number)s", number=i)
        tag_refs = item.get("tags", [])
        if not isinstance(tag_refs, list) or not all(isinstance(t, str) and t in tags for t in tag_refs):
            raise r.fail(where, _("\"%(key)s\" refers to something that is not in the file.", key="tags"))
        followup = r.obj(item.get("followup", {}), where)
        status = followup.get("status", "open")
        if status not in FOLLOWUP_STATUSES:
            raise r.fail(where, _("Choose open or resolved."))
        cards[r.refs(item, where, seen)] = {
            "index": i - 1, "phase": r.ref(item, "phase", where, phases)["index"], "lane": r.ref(item, "lane", where, lanes)["index"],
            "text": r.checked(where, board.clean_card_text, r.text(item, "text", where, 100_000), settings),
            "author": (r.ref(item, "author", where, people, optional=True) or {}).get("index"),
            "tags": sorted({tags[t]["index"] for t in tag_refs}),
            "note": r.text(followup, "note", where, 2000, ""), "owner": r.text(followup, "owner", where, 100, ""),
            "status": status,
        }
    rounds = []
    for i, item in enumerate(r.items(data, "vote_rounds", _("Voting rounds"), MAX_ROUNDS, required=False), 1):
        where = _("Voting round %(number)s", number=i)
        per_person = item.get("votes_per_person")
        if not isinstance(per_person, int) or isinstance(per_person, bool) or not 1 <= per_person <= MAX_VOTES_PER_PERSON:
            raise r.fail(where, _("Choose between 1 and %(limit)s votes per person.", limit=MAX_VOTES_PER_PERSON))
        spent: Counter = Counter()
        votes = []
        for vote in r.items(item, "votes", where, MAX_CARDS * 10, required=False):
            count = vote.get("count", 1)
            if not isinstance(count, int) or isinstance(count, bool) or count < 1:
                raise r.fail(where, _("the field \"count\" should be a whole number of at least 1."))
            card = r.ref(vote, "card", where, cards)["index"]
            # No participant: a file exported while authors were hidden keeps the votes per card only.
            person = (r.ref(vote, "participant", where, people, optional=True) or {}).get("index")
            if person is not None:
                spent[person] += count
                if spent[person] > per_person:
                    raise r.fail(where, _("someone has more votes than the round allows."))
            votes.append((card, person, count))
        rounds.append({"per_person": per_person, "started_at": r.moment(item, "started_at", where),
                       "ended_at": r.moment(item, "ended_at", where), "votes": votes})
    if sum(1 for x in rounds if x["ended_at"] is None) > 1 or any(x["ended_at"] is None for x in rounds[:-1]):
        raise r.fail(_("Voting rounds"), _("only the last voting round can still be running."))
    plan.update(phases=list(phases.values()), lanes=list(lanes.values()), tags=list(tags.values()),
                people=list(people.values()), cards=list(cards.values()), rounds=rounds)
    plan["chart"], plan["links"] = _read_chart(r, data, seen, cards)
    return plan


def _read_chart(r: "_Reader", data: dict, seen: set[str], cards: dict) -> tuple[dict | None, list[tuple[int, int]]]:
    """The praatplaat and the links from cards to its steps; no chart: the seed's default one."""
    if data.get("chart") is None:
        if data.get("links"):
            raise r.fail(_("Discussion chart"), _("\"%(key)s\" refers to something that is not in the file.", key="links"))
        return None, []
    chart = r.obj(data.get("chart"), _("Discussion chart"))
    levels, steps, arrows = {}, {}, []
    for i, item in enumerate(r.items(chart, "levels", _("Discussion chart"), chart_service.MAX_LEVELS), 1):
        where = _("Level %(number)s", number=i)
        roles = item.get("roles", [])
        if not isinstance(roles, list) or len(roles) > chart_service.MAX_ROLES or not all(isinstance(x, str) and len(x) <= 100 for x in roles):
            raise r.fail(where, _("the field \"%(key)s\" has a value Zichtlijn does not know.", key="roles"))
        levels[r.refs(item, where, seen)] = {"index": i - 1, "name": r.text(item, "name", where, 200), "roles": roles}
    for i, item in enumerate(r.items(chart, "steps", _("Discussion chart"), chart_service.MAX_STEPS, required=False), 1):
        where = _("Step %(number)s", number=i)
        kind = item.get("kind", "step")
        if kind not in STEP_KINDS:
            raise r.fail(where, _("the field \"%(key)s\" has a value Zichtlijn does not know.", key="kind"))
        steps[r.refs(item, where, seen)] = {"index": i - 1, "level": r.ref(item, "level", where, levels)["index"],
                                            "text": r.text(item, "text", where, 300), "kind": kind}
    for i, item in enumerate(r.items(chart, "arrows", _("Discussion chart"), chart_service.MAX_ARROWS, required=False), 1):
        where = _("Arrow %(number)s", number=i)
        arrows.append({"from": r.ref(item, "from", where, steps)["index"], "to": r.ref(item, "to", where, steps)["index"],
                       "label": r.text(item, "label", where, 300, "")})
    links = []
    for i, item in enumerate(r.items(data, "links", _("Discussion chart"), 20_000, required=False), 1):
        where = _("Link %(number)s", number=i)
        links.append((r.ref(item, "card", where, cards)["index"], r.ref(item, "step", where, steps)["index"]))
    return {"levels": list(levels.values()), "steps": list(steps.values()), "arrows": arrows}, sorted(set(links))


async def import_workshop(session: AsyncSession, settings: Settings, raw: bytes) -> tuple[Workshop, Participant]:
    """A new workshop from a workshop file: new links and code, the file's board, tags, people, cards and votes.

    The importer becomes the facilitator: they take the place of the file's first facilitator
    (so an export of the copy names the same people), or a new one if the file has none.
    Everything is checked before anything is written; the caller commits.
    """
    plan = read(parse(raw, settings), settings)
    for _attempt in range(5):
        code = workshops.new_join_code()
        if not await session.scalar(select(Workshop.id).where(Workshop.join_code == code)):
            break
    workshop = Workshop(
        slug=secrets.token_urlsafe(8), title=plan["title"], language=plan["language"], join_token=workshops.new_join_token(),
        facilitator_token=workshops.new_facilitator_token(), join_code=code, joining_open=plan["joining_open"],
        export_allowed_for_participants=plan["export_allowed_for_participants"],
        anonymity=plan["anonymity"], chart_editing=plan["chart_editing"],
    )
    session.add(workshop)
    await session.flush()
    now = datetime.now(timezone.utc)
    people: list[Participant] = []
    facilitator: Participant | None = None
    for p in plan["people"]:
        person = Participant(workshop_id=workshop.id, token=workshops.new_member_token(), name=p["name"],
                             role_label=p["role"], is_facilitator=p["facilitator"],
                             created_at=now + timedelta(microseconds=p["index"]))  # keeps the file's order
        if p["facilitator"] and facilitator is None:
            facilitator = person
        people.append(person)
    if facilitator is None:
        facilitator = Participant(workshop_id=workshop.id, token=workshops.new_member_token(), name=_("Facilitator"),
                                  is_facilitator=True, created_at=now + timedelta(microseconds=len(people)))
        session.add(facilitator)
    phases = [Phase(workshop_id=workshop.id, position=p["index"], name=p["name"], trigger=p["trigger"],
                    completion=p["completion"]) for p in plan["phases"]]
    lanes = [Lane(workshop_id=workshop.id, position=lane["index"], group=lane["group"], name=lane["name"],
                  question=lane["question"]) for lane in plan["lanes"]]
    tags = [Tag(workshop_id=workshop.id, key=t["key"], name=t["name"], letter=t["letter"], colour=t["colour"],
                position=t["index"]) for t in plan["tags"]]
    session.add_all(phases + lanes + tags + people)
    await session.flush()
    positions: Counter = Counter()
    cards = []
    for c in plan["cards"]:
        cell = (c["phase"], c["lane"])
        positions[cell] += 1
        cards.append(Card(
            workshop_id=workshop.id, phase_id=phases[c["phase"]].id, lane_id=lanes[c["lane"]].id,
            author_id=people[c["author"]].id if c["author"] is not None else None, text=c["text"],
            position=positions[cell], followup_note=c["note"], followup_owner=c["owner"], followup_status=c["status"],
        ))
    session.add_all(cards)
    await session.flush()
    links = [{"card_id": cards[i].id, "tag_id": tags[t].id} for i, c in enumerate(plan["cards"]) for t in c["tags"]]
    if links:
        await session.execute(insert(card_tag), links)
    anonymous: Participant | None = None
    if any(person is None for rnd in plan["rounds"] for _card, person, _count in rnd["votes"]):
        # Votes whose voter the file does not name: held by a stand-in who cannot sign in or be seen.
        anonymous = Participant(workshop_id=workshop.id, token=workshops.new_member_token(), name=_("Someone"),
                                removed_at=now)
        session.add(anonymous)
        await session.flush()
    for rnd in plan["rounds"]:
        row = VoteRound(workshop_id=workshop.id, votes_per_person=rnd["per_person"], ended_at=rnd["ended_at"],
                        started_at=rnd["started_at"] or datetime.now(timezone.utc))
        session.add(row)
        await session.flush()
        session.add_all(Vote(round_id=row.id, card_id=cards[card].id,
                             participant_id=(people[person] if person is not None else anonymous).id)
                        for card, person, count in rnd["votes"] for _n in range(count))
    if plan["chart"] is None:
        await add_default_chart(session, workshop)
    else:
        levels = [ChartLevel(workshop_id=workshop.id, position=lv["index"], name=lv["name"], roles=lv["roles"])
                  for lv in plan["chart"]["levels"]]
        session.add_all(levels)
        await session.flush()
        steps = [ChartStep(workshop_id=workshop.id, level_id=levels[st["level"]].id, position=st["index"], kind=st["kind"],
                           text=st["text"]) for st in plan["chart"]["steps"]]
        session.add_all(steps)
        await session.flush()
        session.add_all(ChartArrow(workshop_id=workshop.id, source_id=steps[a["from"]].id, target_id=steps[a["to"]].id,
                                   label=a["label"]) for a in plan["chart"]["arrows"])
        if plan["links"]:
            await session.execute(insert(card_step), [{"card_id": cards[c].id, "step_id": steps[st].id} for c, st in plan["links"]])
    await record(session, workshop, "workshop.imported",
                       {"cards": len(cards), "phases": len(phases), "lanes": len(lanes)}, facilitator)
    await session.flush()
    return workshop, facilitator
