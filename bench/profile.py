"""Summarise a py-spy profile (`--format raw`: collapsed stacks, one line per stack + count)."""

from __future__ import annotations

from collections import Counter


def summarise_collapsed(text: str, top: int = 25) -> str:
    total = 0
    roots: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [f.strip() for f in stack.split(";") if f.strip()]
        if not frames:
            continue
        roots[_root(frames, stack)] += n
        own[_short(frames[-1])] += n
        for f in set(_short(f) for f in frames):
            inclusive[f] += n
    if not total:
        return "# Profile\n\nNo samples.\n"
    lines = [f"# Profile: {total} samples of the server process while a thread held the GIL (py-spy --gil, 200 Hz)\n",
             "Share of samples in which a function is on the stack (inclusive), and in which it is the",
             "innermost frame (own time). Idle time shows as the event loop's `select`/`run_once`.\n",
             "| share | where |", "|---:|---|"]
    lines += [f"| {100 * n / total:.1f}% | {where} |" for where, n in roots.most_common()]
    lines += ["", "| inclusive | function |", "|---:|---|"]
    lines += [f"| {100 * n / total:.1f}% | `{f}` |" for f, n in inclusive.most_common(top)]
    lines += ["", "| own | function |", "|---:|---|"]
    lines += [f"| {100 * n / total:.1f}% | `{f}` |" for f, n in own.most_common(top)]
    return "\n".join(lines) + "\n"


def _root(frames: list[str], stack: str) -> str:
    if frames[0].startswith("_run_module_as_main"):
        if "Subscriber._worker" in stack:
            return "event loop: websocket fan-out (Litestar subscriber → uvicorn send)"
        if "RequestResponseCycle.run_asgi" in stack:
            return "event loop: HTTP requests outside SQLAlchemy (Litestar, handlers, rendering, publish)"
        return "event loop: the rest (loop, socket reads, pings, tasks)"
    if frames[0].startswith("Thread._bootstrap"):
        return "other threads (aiosqlite)"
    # SQLAlchemy's async API runs its sync ORM code in greenlets: py-spy shows those as own roots.
    return "SQLAlchemy ORM and Core, in its greenlets"


def _short(frame: str) -> str:
    # "func (path/to/module.py:123)" -> "func (module.py)"; keep the package for site-packages.
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    path = where.rsplit(":", 1)[0]
    parts = path.split("/")
    if "site-packages" in parts:
        parts = parts[parts.index("site-packages") + 1:]
    elif path.startswith("/"):
        parts = parts[parts.index("app"):] if "app" in parts else parts[-1:]
    return f"{name} ({'/'.join(parts)})"
