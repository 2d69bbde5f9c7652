"""The PDF worker: `python -m app.export.worker OUT_PATH MEMORY_MB CPU_SECONDS`, the job on stdin.

One process per PDF, so WeasyPrint (CPU-bound, holds the GIL) never slows the web
process, a stuck render can be killed, and a hostile or huge board hits the memory
cap here instead of in the server. Input: JSON `{"report": Report.to_dict(), "lang": "nl"}`.
The PDF is written next to OUT_PATH and renamed into place, so a half-written file
is never served. Exit status 0 on success; otherwise the reason is on stderr.
"""

from __future__ import annotations

import json
import os
import resource
import sys
from pathlib import Path


def limit(memory_mb: int, cpu_seconds: int) -> None:
    """Cap this process: address space (a bigger board fails instead of swapping the server) and CPU time."""
    if memory_mb > 0:
        cap = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    if cpu_seconds > 0:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))


def main(argv: list[str]) -> int:
    out = Path(argv[1])
    limit(int(argv[2]), int(argv[3]))
    job = json.load(sys.stdin.buffer)

    from app.export.pdf import render_pdf
    from app.export.report import Report

    pdf = render_pdf(Report.from_dict(job["report"]), job.get("lang", "nl"))
    part = out.with_name(out.name + ".part")
    part.write_bytes(pdf)
    os.replace(part, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
