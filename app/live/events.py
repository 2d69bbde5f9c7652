"""The event log: every change to a board gets the board's next sequence number and a row in
`event` under it. `record` is the only writer of the log."""

from __future__ import annotations

from sqlalchemy import bindparam, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from app.models import Event, Participant, Workshop, utcnow

RECORDED = "zl.recorded_events"  # key in session.info: the events of the open transaction

_workshops = Workshop.__table__
_NEXT_SEQ = (update(_workshops).where(_workshops.c.id == bindparam("workshop_id"))
             .values(seq=_workshops.c.seq + 1, updated_at=bindparam("now")).returning(_workshops.c.seq))


async def record(
    session: AsyncSession, workshop: Workshop, kind: str, data: dict, actor: Participant | None
) -> int:
    """Take the board's next sequence number and log the change under it.

    The UPDATE is atomic (and row-locks the workshop on PostgreSQL until commit),
    so sequence numbers stay gap-free and ordered even across processes.
    """
    # Core, on the session's connection, built once: the ORM's bulk-update path doubled its cost.
    connection = await session.connection()
    seq = (await connection.execute(_NEXT_SEQ, {"workshop_id": workshop.id, "now": utcnow()})).scalar_one()
    set_committed_value(workshop, "seq", seq)  # as the database has it: not a change to flush
    event = Event(workshop_id=workshop.id, seq=seq, kind=kind, data=data, actor_id=actor.id if actor else None)
    session.add(event)
    # `board_change` notes on these events which fragments the change re-rendered.
    session.info.setdefault(RECORDED, []).append(event)
    return seq
