"""The default board: the service-blueprint template of the seed (stap 4)."""

from __future__ import annotations

from app.i18n import gettext as _, use_locale
from app.models import BACKSTAGE, VISIBLE, Lane, Phase

DEFAULT_PHASE_COUNT = 7


def guiding_questions() -> list[str]:
    """The five "handige vragen" of the seed, in the current locale."""
    return [
        _("What does the customer do at each step, and what do they want to achieve?"),
        _("What triggers each step, and what signals that it is complete?"),
        _("What does the customer see, and what information do they have (or lack)?"),
        _("What happens behind the scenes to make this step possible? (Teams, systems, tools, data, decisions.)"),
        _("Where does each step depend on assumptions, manual judgement or undocumented knowledge?"),
    ]


def phase_name(number: int) -> str:
    return _("Phase %(number)s", number=number)


def default_board(language: str) -> tuple[list[Phase], list[Lane]]:
    """Phases and lanes of a new workshop, named in the workshop's content language."""
    with use_locale(language):
        q = guiding_questions()
        phases = [Phase(position=i, name=phase_name(i + 1)) for i in range(DEFAULT_PHASE_COUNT)]
        lanes_spec = [
            (VISIBLE, _("Customer steps"), q[0]),
            (VISIBLE, _("Customer touchpoints"), q[2]),
            (BACKSTAGE, _("People"), q[3]),
            (BACKSTAGE, _("Processes"), q[3] + "\n" + q[4]),
            (BACKSTAGE, _("Technology"), q[3]),
        ]
        lanes = [Lane(position=i, group=g, name=n, question=question) for i, (g, n, question) in enumerate(lanes_spec)]
    return phases, lanes
