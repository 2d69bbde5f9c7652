"""The live path: a board change made over HTTP reaches every open board, in every process.

- events.py: `record`, the one writer of the event log (the board's sequence numbers);
- fragments.py: the registry of broadcast fragments (a leaf: it imports no feature);
- kinds.py: the one place that names the features' fragments and views;
- change.py: `board_change`, one change's unit of work in its board's turn (write, note, commit, load, ring);
- feed.py: this process's sockets and board feeds, rendering once per language;
- hub.py: the per-process state: broker doorbells, feeds, catch-up, presence, editing, upkeep;
- presence.py: who has a board open, across processes;
- broker.py: the channels backend from BROKER_URL, guarded against outages;
- socket.py: the board socket endpoint.
"""
