"""Workshops and their members: creation, capability links, joining."""

from __future__ import annotations

import re
import secrets

from sqlalchemy import and_, bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.board.blueprint import default_board
from app.live.events import record
from app.text import clean_text
from app.chart.default import add_default_chart
from app.config import Settings
from app.errors import Forbidden, NotFound, UserError
from app.i18n import LANGUAGES
from app.i18n import gettext as _
from app.models import FacilitatorLink, Participant, Workshop, utcnow
from app.tags.service import default_tags

# No 0/O, 1/I/L: the code is read off a projector and typed on a phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


def new_join_token() -> str:
    return secrets.token_urlsafe(16)  # 128 random bits


def new_facilitator_token() -> str:
    return secrets.token_urlsafe(24)  # 192 random bits


def new_member_token() -> str:
    return secrets.token_urlsafe(32)


def new_join_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    return f"{code[:3]}-{code[3:]}"


def normalise_code(typed: str | None) -> str:
    return re.sub(r"[^A-Z0-9]", "", (typed or "").upper())


def clean_title(value: str | None, settings: Settings) -> str:
    return clean_text(value, limit=settings.max_title_length, empty_message=_("Please give the workshop a title."),
                      too_long_message=_("A title can be at most %(limit)s characters long; this one has %(length)s."))


def clean_member_name(value: str | None, settings: Settings) -> str:
    return clean_text(value, limit=settings.max_name_length, empty_message=_("Please fill in your name, so others know who wrote what."),
                      too_long_message=_("A name can be at most %(limit)s characters long; this one has %(length)s."))


def clean_role(value: str | None, settings: Settings) -> str:
    role = (value or "").strip()
    if len(role) > settings.max_name_length:
        raise UserError(_("A role can be at most %(limit)s characters long.", limit=settings.max_name_length))
    return role


async def create_workshop(
    session: AsyncSession, settings: Settings, title: str | None, language: str | None, facilitator_name: str | None
) -> tuple[Workshop, Participant]:
    clean = clean_title(title, settings)
    lang = language if language in LANGUAGES else "nl"
    name = (facilitator_name or "").strip()[: settings.max_name_length] or _("Facilitator")
    workshop = Workshop(
        slug=secrets.token_urlsafe(8), title=clean, language=lang, join_token=new_join_token(),
        facilitator_token=new_facilitator_token(), join_code=await _unused_join_code(session),
    )
    phases, lanes = default_board(lang)
    workshop.phases = phases
    workshop.lanes = lanes
    session.add(workshop)
    await session.flush()
    for tag in default_tags(workshop):
        tag.workshop_id = workshop.id
        session.add(tag)
    await add_default_chart(session, workshop)
    facilitator = Participant(workshop_id=workshop.id, token=new_member_token(), name=name, is_facilitator=True)
    session.add(facilitator)
    await session.flush()
    return workshop, facilitator


async def _unused_join_code(session: AsyncSession) -> str:
    for _attempt in range(5):
        code = new_join_code()
        if not await session.scalar(select(Workshop.id).where(Workshop.join_code == code)):
            break
    return code


async def reset_join_link(session: AsyncSession, workshop: Workshop, actor: Participant) -> None:
    """A new join link and code; the old ones stop working at once. Members stay members."""
    workshop.join_token = new_join_token()
    workshop.join_code = await _unused_join_code(session)
    await record(session, workshop, "workshop.join_link_reset", {}, actor)


async def delete_workshop(session: AsyncSession, workshop_id: int) -> None:
    """The workshop with everything in it: the database's ON DELETE CASCADE takes every row that
    belongs to it (phases, lanes, cards, tags, votes, people, links, the event log)."""
    await session.execute(delete(Workshop).where(Workshop.id == workshop_id))


async def workshop_by_join_token(session: AsyncSession, token: str) -> Workshop:
    workshop = await session.scalar(select(Workshop).where(Workshop.join_token == token))
    if workshop is None:
        raise NotFound(_("This join link does not work (any more). Ask the facilitator for the current link or code."))
    return workshop


async def workshop_by_code(session: AsyncSession, typed: str | None) -> Workshop:
    code = normalise_code(typed)
    workshop = await session.scalar(select(Workshop).where(Workshop.join_code == code)) if code else None
    if workshop is None:
        raise NotFound(_("No workshop has this code. Check the code on the screen and try again."))
    return workshop


async def workshop_by_facilitator_token(session: AsyncSession, token: str) -> tuple[Workshop, FacilitatorLink | None]:
    """The workshop's own facilitator link, or a co-facilitator link that is not revoked."""
    workshop = await session.scalar(select(Workshop).where(Workshop.facilitator_token == token))
    if workshop is not None:
        return workshop, None
    link = await session.scalar(
        select(FacilitatorLink).where(FacilitatorLink.token == token, FacilitatorLink.revoked_at.is_(None))
    )
    workshop = await session.get(Workshop, link.workshop_id) if link else None
    if workshop is None:
        raise NotFound(_("This facilitator link does not work (any more)."))
    return workshop, link


# Built once (asked by every request): building a statement costs SQLAlchemy as much again as running it.
# No token matches no participant: tokens are never empty.
_WORKSHOP_AND_MEMBER = select(Workshop, Participant).outerjoin(Participant, and_(
    Participant.workshop_id == Workshop.id, Participant.token == bindparam("token"), Participant.removed_at.is_(None),
)).where(Workshop.slug == bindparam("slug"))


async def workshop_and_member(session: AsyncSession, slug: str, token: str | None) -> tuple[Workshop, Participant | None]:
    """The workshop, and the participant whose token this is if they are (still) in it: one query,
    as every request asks this first."""
    row = (await session.execute(_WORKSHOP_AND_MEMBER, {"slug": slug, "token": token or ""})).first()
    if row is None:
        raise NotFound(_("This workshop does not exist (any more)."))
    return row[0], row[1]


async def was_removed(session: AsyncSession, workshop: Workshop, token: str | None) -> bool:
    """Whether this browser's participant token belongs to someone the facilitator removed:
    they get a page that says so, never the join form again (no silent rejoin)."""
    if not token:
        return False
    return await session.scalar(select(Participant.id).where(
        Participant.workshop_id == workshop.id, Participant.token == token, Participant.removed_at.is_not(None),
    ).limit(1)) is not None


async def join(
    session: AsyncSession, settings: Settings, workshop: Workshop, name: str | None, role: str | None
) -> Participant:
    if not workshop.joining_open:
        raise Forbidden(_("Joining this workshop is closed. Ask the facilitator to open it."))
    member = Participant(
        workshop_id=workshop.id, token=new_member_token(), name=clean_member_name(name, settings),
        role_label=clean_role(role, settings),
    )
    workshop.updated_at = utcnow()  # someone joining is activity too (retention counts from the last)
    session.add(member)
    await session.flush()
    return member


async def add_facilitator(
    session: AsyncSession, workshop: Workshop, name: str | None = None, link: FacilitatorLink | None = None
) -> Participant:
    member = Participant(
        workshop_id=workshop.id, token=new_member_token(), name=(name or _("Facilitator")), is_facilitator=True,
        link_id=link.id if link else None,
    )
    session.add(member)
    await session.flush()
    return member


async def members(session: AsyncSession, workshop_id: int, ids: list[int] | None = None) -> list[Participant]:
    query = select(Participant).where(Participant.workshop_id == workshop_id, Participant.removed_at.is_(None))
    if ids is not None:
        query = query.where(Participant.id.in_(ids))
    return list(await session.scalars(query.order_by(Participant.name, Participant.id)))
