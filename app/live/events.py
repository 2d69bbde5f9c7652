"""The event log: every change to a board gets the board's next sequence number and a row in
`event` under it. `record` is the only writer of the log."""

from __future__ import annotations

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from app.models import Event, Participant, VoteRound, Workshop, utcnow

RECORDED = "zl.recorded_events"  # key in session.info: the events of the open transaction

_workshops = Workshop.__table__
_INSERT_EVENT = insert(Event.__table__)
# With the number, the latest voting round as of this moment (`Workshop.latest_round_id`): on
# PostgreSQL the row is locked from here on, so what the change then renders agrees with it.
# (By the parameter, not correlated: SQLite's RETURNING names columns unqualified, and `id` would
# then be the round's own.)
_LATEST_ROUND = select(func.max(VoteRound.id)).where(VoteRound.workshop_id == bindparam("workshop_id")).scalar_subquery()
_NEXT_SEQ = (update(_workshops).where(_workshops.c.id == bindparam("workshop_id"))
             .values(seq=_workshops.c.seq + 1, updated_at=bindparam("now"))
             .returning(_workshops.c.seq, _LATEST_ROUND))


async def record(
    session: AsyncSession, workshop: Workshop, kind: str, data: dict, actor: Participant | None
) -> int:
    """Take the board's next sequence number and log the change under it.

    The UPDATE is atomic (and row-locks the workshop on PostgreSQL until commit),
    so sequence numbers stay gap-free and ordered even across processes.
    """
    # Core, on the session's connection, built once: the ORM's bulk-update path doubled its cost.
    connection = await session.connection()
    seq, latest_round_id = (await connection.execute(_NEXT_SEQ, {"workshop_id": workshop.id, "now": utcnow()})).one()
    set_committed_value(workshop, "seq", seq)  # as the database has it: not a change to flush
    set_committed_value(workshop, "latest_round_id", latest_round_id)
    event = Event(workshop_id=workshop.id, seq=seq, kind=kind, data=data, actor_id=actor.id if actor else None)
    recorded = session.info.get(RECORDED)
    if recorded is None:
        session.add(event)  # outside a board change (an import): written with the session's flush
    else:
        recorded.append(event)  # `board_change` notes their fragments on them and writes them (`write_recorded`)
    return seq


async def write_recorded(session: AsyncSession, events: list[Event]) -> None:
    """A change's events, in one INSERT on the session's connection: not through the unit of work,
    which costs more per object than the whole statement."""
    if events:
        connection = await session.connection()
        await connection.execute(_INSERT_EVENT, [
            {"workshop_id": e.workshop_id, "seq": e.seq, "kind": e.kind, "data": e.data, "fragments": e.fragments,
             "actor_id": e.actor_id} for e in events
        ])
