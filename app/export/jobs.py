"""PDF jobs: one worker process each, off the event loop; their state lives in files.

`exports/<slug>/<job>.pending` while a PDF is being made, `<job>.pdf` when it is done,
`<job>.failed` (holding the reason) when it is not. State in files, not in memory,
so any app process that shares the exports folder can answer "is it ready?", and a
server restart cannot leave a job "running" for ever (a stale marker counts as failed).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import secrets
import shutil
import sys
import time
from pathlib import Path

from app.config import ROOT, Settings
from app.errors import UserError
from app.export.report import Report
from app.i18n import gettext as _

log = logging.getLogger("zichtlijn.export")

JOB_ID = re.compile(r"^[0-9a-f]{16}$")
RETENTION_SECONDS = 24 * 3600  # an export is kept a day; the organisation keeps its download
MAX_QUEUED = 20  # PDF jobs waiting or running in this process; more are refused (try again later)
DONE, RUNNING, FAILED, UNKNOWN = "done", "running", "failed", "unknown"
TIMEOUT, ERROR = "timeout", "error"


class PdfJobs:
    """Starts PDF workers (at most `settings.export_workers` at once in this process) and
    reports their state; lives on `app.state.exports`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.root = settings.exports_dir
        self._slots: asyncio.Semaphore | None = None
        self._tasks: set[asyncio.Task] = set()

    def folder(self, slug: str) -> Path:
        return self.root / slug

    def forget(self, slug: str) -> None:
        """The workshop is deleted: its exports go with it."""
        remove_exports(self.settings, slug)

    def start(self, slug: str, report: Report, lang: str) -> str:
        """Queue a PDF of `report`; returns the job id at once. While a PDF of this workshop in
        this language is under way, asking again joins that job instead of starting another."""
        folder = self.folder(slug)
        folder.mkdir(parents=True, exist_ok=True)
        self._sweep(folder)
        if running := self._running(folder, lang):
            return running
        if len(self._tasks) >= MAX_QUEUED:
            raise UserError(_("Many reports are being made right now. Try again in a minute."), status_code=503)
        job = secrets.token_hex(8)
        (folder / f"{job}.pending").write_text(lang)
        payload = json.dumps({"report": report.to_dict(), "lang": lang}).encode()
        task = asyncio.get_running_loop().create_task(self._run(folder, job, payload))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return job

    def status(self, slug: str, job: str) -> tuple[str, str]:
        """(state, reason): done, running, failed (reason: timeout | error) or unknown."""
        if not JOB_ID.match(job):
            return UNKNOWN, ""
        folder = self.folder(slug)
        if (folder / f"{job}.pdf").is_file():
            return DONE, ""
        failed = folder / f"{job}.failed"
        if failed.is_file():
            return FAILED, failed.read_text().strip()
        pending = folder / f"{job}.pending"
        with contextlib.suppress(FileNotFoundError):
            # A marker much older than any job may take: its process is gone (a restart).
            if time.time() - pending.stat().st_mtime > self._stale_after():
                return FAILED, ERROR
            return RUNNING, ""
        # The marker went away between the checks: the job just finished or failed.
        if (folder / f"{job}.pdf").is_file():
            return DONE, ""
        return (FAILED, ERROR) if failed.is_file() else (UNKNOWN, "")

    def pdf_path(self, slug: str, job: str) -> Path | None:
        if not JOB_ID.match(job):
            return None
        path = self.folder(slug) / f"{job}.pdf"
        return path if path.is_file() else None

    async def wait(self) -> None:
        """Until every job of this process has ended (for tests and scripts)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        """On shutdown: stop running workers; their jobs count as failed."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # -- inside ---------------------------------------------------------------------------------

    def _running(self, folder: Path, lang: str) -> str | None:
        for marker in folder.glob("*.pending"):
            # The marker goes a moment after the result lands (the worker still exits): a job with
            # a result has ended, and a new request must make a new PDF of the board as it is now.
            if folder.joinpath(f"{marker.stem}.pdf").exists() or folder.joinpath(f"{marker.stem}.failed").exists():
                continue
            with contextlib.suppress(OSError):
                if marker.read_text() == lang and time.time() - marker.stat().st_mtime <= self._stale_after():
                    return marker.stem
        return None

    def _stale_after(self) -> float:
        # Jobs wait for a free worker: allow for a queue, but not for ever.
        return self.settings.export_timeout * 3 + 60

    async def _run(self, folder: Path, job: str, payload: bytes) -> None:
        if self._slots is None:
            self._slots = asyncio.Semaphore(max(1, self.settings.export_workers))
        out = folder / f"{job}.pdf"
        reason = ""
        try:
            async with self._slots:
                (folder / f"{job}.pending").touch()  # the timeout (and the stale check) start now
                reason = await self._work(out, payload)
        except asyncio.CancelledError:
            reason = ERROR
            raise
        except Exception:  # noqa: BLE001 - a failed job is reported to the user, never raised into the loop
            log.exception("PDF job %s failed", job)
            reason = ERROR
        finally:
            if reason:
                with contextlib.suppress(FileNotFoundError):  # the workshop (its folder) may be gone
                    (folder / f"{job}.failed").write_text(reason)
                    (folder / f"{job}.pdf.part").unlink()
            with contextlib.suppress(FileNotFoundError):
                (folder / f"{job}.pending").unlink()

    async def _work(self, out: Path, payload: bytes) -> str:
        """Run one worker; '' on success, else the reason."""
        s = self.settings
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "app.export.worker", str(out), str(s.export_memory_mb), str(int(s.export_timeout) + 5),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, cwd=ROOT,
        )
        try:
            _stdout, stderr = await asyncio.wait_for(proc.communicate(payload), timeout=s.export_timeout)
        except asyncio.TimeoutError:
            log.warning("PDF worker %s took longer than %s s; stopped", proc.pid, s.export_timeout)
            return TIMEOUT
        finally:
            if proc.returncode is None:  # timed out or cancelled: stop it, and reap it
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await proc.wait()
        if proc.returncode != 0 or not out.is_file():
            log.error("PDF worker failed (exit %s): %s", proc.returncode, stderr.decode(errors="replace")[-2000:])
            return ERROR
        return ""

    def _sweep(self, folder: Path) -> None:
        """Exports hold names: remove this workshop's files older than a day."""
        cutoff = time.time() - RETENTION_SECONDS
        for path in folder.iterdir():
            with contextlib.suppress(OSError):
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()


def remove_exports(settings: Settings, slug: str) -> None:
    """Every file a workshop's exports left (its folder), when the workshop is deleted. A PDF still
    being made for it fails to write its file (there is no folder) and is reported as failed."""
    if not slug or "/" in slug or slug in (".", ".."):
        return
    shutil.rmtree(settings.exports_dir / slug, ignore_errors=True)
