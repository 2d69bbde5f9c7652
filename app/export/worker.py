"""The PDF worker: a warm process that makes PDFs, one at a time, off the web process.

`python -m app.export.worker --serve MEMORY_MB CPU_SECONDS`: imports WeasyPrint and lays out a
small report once (fonts, Pango, the stylesheets: most of a cold first PDF's time), says
`{"ready": true}` on stdout, then reads jobs as JSON lines on stdin
(`{"out": path, "report": Report.to_dict(), "lang": "nl"}`, or `{"out": path, "kind": "blank",
"lang": "nl"}` for the blank template) and answers each with a JSON line
(`{"ok": true}` or `{"ok": false, "error": ...}`; `"retire": true` when it has grown and wants
replacing). The app keeps one ready before the first click (app/export/jobs.py).

A process of its own, so WeasyPrint (CPU-bound, holding the GIL) never slows the web process,
a stuck render can be killed, and a hostile or huge board hits the memory cap here instead of
in the server. The PDF is written next to its path and renamed into place, so a half-written
file is never served. `python -m app.export.worker OUT MEMORY_MB CPU_SECONDS` makes one PDF
from a job on stdin and exits (for scripts).
"""

from __future__ import annotations

import json
import os
import resource
import sys
from pathlib import Path

# A worker whose peak memory passed this asks to be replaced: Python keeps what it once used.
RETIRE_RSS_MB = 400


def limit(memory_mb: int, cpu_seconds: int) -> None:
    """Cap this process: address space (a bigger board fails instead of swapping the server) and CPU time."""
    if memory_mb > 0:
        cap = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    if cpu_seconds > 0:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))


def make(job: dict) -> None:
    from app.export.pdf import render_blank, render_pdf
    from app.export.report import Report

    out = Path(job["out"])
    if job.get("kind") == "blank":  # the blank template, in a language
        pdf = render_blank(job.get("lang", "nl"))
    else:
        pdf = render_pdf(Report.from_dict(job["report"]), job.get("lang", "nl"))
    part = out.with_name(out.name + ".part")
    part.write_bytes(pdf)
    os.replace(part, out)


def warm_up() -> None:
    """One small report laid out and written: what a cold first PDF spends besides its own cards."""
    from app.export.pdf import render_pdf
    from app.export.report import synthetic_report

    render_pdf(synthetic_report(cards=8, phases=3, lanes=3), "nl")


def serve(memory_mb: int, cpu_seconds: int) -> int:
    answers = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)  # anything a library prints goes to stderr, never into the answers
    limit(memory_mb, cpu_seconds)
    # The board stays live: on a busy machine the web process goes first.
    os.nice(5)
    warm_up()

    def answer(message: dict) -> None:
        answers.write(json.dumps(message).encode() + b"\n")

    answer({"ready": True})
    for line in sys.stdin.buffer:
        try:
            make(json.loads(line))
        except MemoryError:
            answer({"ok": False, "error": "memory", "retire": True})
            return 1
        except Exception as exc:  # noqa: BLE001 - reported to the app, which logs it; the worker goes on
            answer({"ok": False, "error": repr(exc)[-2000:]})
            continue
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        answer({"ok": True, "retire": peak_mb > RETIRE_RSS_MB})
    return 0


def main(argv: list[str]) -> int:
    if argv[1:2] == ["--serve"]:
        return serve(int(argv[2]), int(argv[3]))
    limit(int(argv[2]), int(argv[3]))
    make({**json.load(sys.stdin.buffer), "out": argv[1]})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
