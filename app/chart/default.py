"""The default praatplaat: "Serviceproces bij vragen en technische problemen" (the seed).

Four levels of help, from the client to the supplier, with their example roles; the
steps of a case; and arrows whose labels are the seed's decisions and hand-offs. The
words are msgids, so the chart is created in the workshop's content language and then
stored: each organisation renames and reshapes it to its own people and supplier.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.i18n import gettext as _, use_locale
from app.models import STEP_END, STEP_START, STEP_STEP, ChartArrow, ChartLevel, ChartStep, Workshop


def _spec() -> tuple[list[tuple[str, list[str], list[tuple[str, str, str]]]], list[tuple[str, str, str]]]:
    """Levels (name, roles, steps (key, kind, text)) and arrows (from key, to key, label), in the current locale."""
    levels = [
        (_("Client"), [], [
            ("question", STEP_START, _("I have a question.")),
            ("struggle", STEP_START, _("It is not going well.")),
            ("broken", STEP_START, _("The technology does not work (well).")),
            ("feedback", STEP_END, _("Feedback on the solution.")),
        ]),
        (_("Care and support worker"), [_("Support worker"), _("Nurse"), _("Therapist")], [
            ("worker", STEP_STEP, _("The care and support worker helps the client.")),
        ]),
        (_("Application support"), [_("Digital coach"), _("Superuser")], [
            ("support", STEP_STEP, _("Application support helps the care and support worker.")),
            ("request", STEP_STEP, _("Submit a service request")),
        ]),
        (_("Supplier contact"), [_("Care consultant"), _("Customer support agent"), _("Application support"), _("Technical service point")], [
            # Like the levels before it, the supplier's level starts with who helps whom.
            ("supplier", STEP_STEP, _("The supplier helps application support or the care and support worker.")),
            ("received", STEP_STEP, _("Service request received")),
            ("analyse", STEP_STEP, _("Analyse the problem / solve it internally")),
            ("solve", STEP_STEP, _("Solve the problem")),
            ("bug", STEP_STEP, _("Fix a bug in the software/app.")),
            ("change", STEP_STEP, _("Make a change to the software/app.")),
            ("instruction", STEP_STEP, _("Instructions on how to solve the problem yourself.")),
            ("repair", STEP_STEP, _("Repair appointment on location.")),
        ]),
    ]
    know = _("I know how to help.")
    arrows = [
        ("question", "worker", ""),
        ("struggle", "worker", ""),
        ("broken", "worker", ""),
        ("worker", "feedback", know),
        ("worker", "support", _("It does not seem to be a technical problem, but I need help.")),
        ("worker", "request", _("Technical problem")),
        ("support", "feedback", know),
        ("support", "request", _("It is a technical problem after all.")),
        # Application support's hand-off: its help fails, a service request goes to the supplier.
        ("request", "supplier", _("Solving it does not work: submit a service request.")),
        ("supplier", "received", ""),
        ("received", "analyse", ""),
        ("analyse", "solve", ""),
        ("solve", "bug", ""),
        ("solve", "change", ""),
        ("solve", "instruction", ""),
        ("solve", "repair", ""),
        ("bug", "feedback", ""),
        ("change", "feedback", ""),
        ("instruction", "feedback", ""),
        ("repair", "feedback", ""),
    ]
    return levels, arrows


async def add_default_chart(session: AsyncSession, workshop: Workshop) -> None:
    """Adds the seed's chart to a workshop (which has an id), in its content language."""
    with use_locale(workshop.language):
        levels, arrows = _spec()
    steps: dict[str, ChartStep] = {}
    for position, (name, roles, level_steps) in enumerate(levels):
        level = ChartLevel(workshop_id=workshop.id, position=position, name=name, roles=list(roles))
        session.add(level)
        for i, (key, kind, text) in enumerate(level_steps):
            steps[key] = ChartStep(workshop_id=workshop.id, level=level, position=i, kind=kind, text=text)
            session.add(steps[key])
    for source, target, label in arrows:
        session.add(ChartArrow(workshop_id=workshop.id, source=steps[source], target=steps[target], label=label))
    await session.flush()
