"""The features' live parts, named in this one place of app.live.

Importing this registers every kind of fragment (the board's, the praatplaat's, the export
panel's), and gives the hub and `board_change` the board's own views: the whole board for a
catch-up, the announcement of what someone did, who is online, who edits which card, and the
board's read model of its cells, which a change made here brings up to its number (`advance`).
Features import app.live; app.live reaches the features only through here.
"""

from __future__ import annotations

from app.board import cells, fragments as board
from app.chart import fragments as _chart  # noqa: F401 - registers the praatplaat's kinds
from app.export import panel as _panel  # noqa: F401 - registers the export panel's kind

everything = board.everything
announce = board.announce
presence = board.presence
editing = board.editing
advance = cells.advance
forget = cells.forget
