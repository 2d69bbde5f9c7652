"""Summarise a py-spy profile (`--format raw`: collapsed stacks, one line per stack + count)."""

from __future__ import annotations

from collections import Counter


def summarise_collapsed(text: str, top: int = 25) -> str:
    total = 0
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
        own[_short(frames[-1])] += n
        for f in set(_short(f) for f in frames):
            inclusive[f] += n
    if not total:
        return "# Profile\n\nNo samples.\n"
    lines = [f"# Profile: {total} samples of the server thread holding the GIL (py-spy --gil, 200 Hz)\n",
             "Share of samples in which a function is on the stack (inclusive), and in which it is the",
             "innermost frame (own time). Idle time shows as the event loop's `select`/`run_once`.\n",
             "| inclusive | function |", "|---:|---|"]
    lines += [f"| {100 * n / total:.1f}% | `{f}` |" for f, n in inclusive.most_common(top)]
    lines += ["", "| own | function |", "|---:|---|"]
    lines += [f"| {100 * n / total:.1f}% | `{f}` |" for f, n in own.most_common(top)]
    return "\n".join(lines) + "\n"


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
