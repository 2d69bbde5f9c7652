"""PDF jobs: made by warm worker processes, off the event loop; their state lives in files.

A worker (app/export/worker.py) is started with the app and has WeasyPrint imported and one
small report laid out before the first click, so a PDF costs its own layout only. It serves
jobs one at a time; a job over its time kills it (a fresh one is started at once), and it is
replaced after MAX_JOBS_PER_WORKER jobs or when it has grown (its answer says so).

`exports/<slug>/<job>.pending` while a PDF is being made, `<job>.pdf` when it is done,
`<job>.failed` (holding the reason) when it is not. State in files, not in memory,
so any app process that shares the exports folder can answer "is it ready?", and a
server restart cannot leave a job "running" for ever (a stale marker counts as failed).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
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
MAX_JOBS_PER_WORKER = 50  # then a fresh process: its CPU-time cap counts over all its jobs
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
        self._idle: list[Worker] = []  # warm workers waiting for a job
        self._busy: set[Worker] = set()
        self._blanks: dict[str, asyncio.Task] = {}

    def warm(self) -> None:
        """Start the warm workers now (at the app's start), so the first click finds one ready."""
        while len(self._idle) + len(self._busy) < max(1, self.settings.export_workers):
            self._idle.append(Worker.spawn(self.settings))

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

    async def blank(self, lang: str) -> Path | None:
        """The blank template's PDF in `lang`, made once by a worker and kept (its name changes when
        the files it is made from do); None if it could not be made. Askers at once share one job."""
        out = self.root / "_template" / f"{lang}-{blank_version()}.pdf"
        if out.is_file():
            return out
        task = self._blanks.get(lang)
        if task is None:
            out.parent.mkdir(parents=True, exist_ok=True)
            task = self._blanks[lang] = asyncio.get_running_loop().create_task(self._make_blank(out, lang))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        await asyncio.shield(task)
        return out if out.is_file() else None

    async def _make_blank(self, out: Path, lang: str) -> None:
        if self._slots is None:
            self._slots = asyncio.Semaphore(max(1, self.settings.export_workers))
        try:
            async with self._slots:
                if reason := await self._work(out, json.dumps({"kind": "blank", "lang": lang}).encode()):
                    log.error("blank template (%s) not made: %s", lang, reason)
        finally:
            self._blanks.pop(lang, None)

    async def wait(self) -> None:
        """Until every job of this process has ended (for tests and scripts)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        """On shutdown: stop running workers; their jobs count as failed."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
        for worker in self._idle + list(self._busy):
            await worker.stop()
        self._idle.clear()

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
        """Run one job on a warm worker; '' on success, else the reason."""
        s = self.settings
        # A worker that died while idle (killed from outside, say) is not handed a job.
        self._idle = [w for w in self._idle if w.proc is None or w.proc.returncode is None]
        worker = self._idle.pop() if self._idle else Worker.spawn(s)
        self._busy.add(worker)
        keep = False
        try:
            answer = await asyncio.wait_for(worker.run(out, payload), timeout=s.export_timeout)
            worker.jobs += 1
            keep = answer.get("ok") is not None and not answer.get("retire") and worker.jobs < MAX_JOBS_PER_WORKER
            if not answer.get("ok"):
                log.error("PDF worker failed: %s %s", answer.get("error", ""), worker.stderr_tail())
                return ERROR
            return "" if out.is_file() else ERROR
        except asyncio.TimeoutError:
            log.warning("PDF worker %s took longer than %s s; stopped", worker.pid, s.export_timeout)
            return TIMEOUT
        finally:
            self._busy.discard(worker)
            if keep:
                self._idle.append(worker)
            else:  # stopped, failed or retired: a fresh one takes its place at once, for the next click
                await worker.stop()
                if not self._closing():
                    self.warm()

    def _closing(self) -> bool:
        task = asyncio.current_task()
        return task is not None and task.cancelling() > 0

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


@functools.cache
def blank_version() -> str:
    """Changes when the blank template's sources do, so a kept PDF is never stale after an upgrade."""
    import hashlib

    from app.templating import STATIC_DIR

    digest = hashlib.sha256()
    for path in (ROOT / "app" / "templates" / "export_blank.html", STATIC_DIR / "export.css",
                 ROOT / "app" / "board" / "blueprint.py", ROOT / "app" / "translations" / "nl" / "LC_MESSAGES" / "messages.po",
                 ROOT / "app" / "translations" / "en" / "LC_MESSAGES" / "messages.po"):
        with contextlib.suppress(OSError):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


class Worker:
    """One warm worker process (app/export/worker.py --serve) and its pipes."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.jobs = 0
        self.proc: asyncio.subprocess.Process | None = None
        self._started = asyncio.get_running_loop().create_task(self._start())
        self._ready: dict | None = None
        self._stderr: bytes = b""

    @classmethod
    def spawn(cls, settings: Settings) -> "Worker":
        return cls(settings)

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    async def _start(self) -> None:
        s = self.settings
        cpu = (int(s.export_timeout) + 5) * MAX_JOBS_PER_WORKER
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "app.export.worker", "--serve", str(s.export_memory_mb), str(cpu),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, cwd=ROOT,
            limit=2**20,
        )
        self._drain = asyncio.get_running_loop().create_task(self._read_stderr())

    async def _read_stderr(self) -> None:
        """Keep the pipe flowing (a full pipe would block the worker); keep the end for the log."""
        assert self.proc is not None and self.proc.stderr is not None
        while chunk := await self.proc.stderr.read(65536):
            self._stderr = (self._stderr + chunk)[-4000:]

    def stderr_tail(self) -> str:
        return self._stderr.decode(errors="replace")[-2000:]

    async def _answer(self) -> dict:
        assert self.proc is not None and self.proc.stdout is not None
        line = await self.proc.stdout.readline()
        if not line:
            await self.proc.wait()
            raise WorkerGone(f"exit {self.proc.returncode}: {self.stderr_tail()}")
        return json.loads(line)

    async def run(self, out: Path, payload: bytes) -> dict:
        """Hand it one job (`payload`: the job's JSON without its path) and wait for its answer."""
        await self._started
        try:
            if self._ready is None:
                self._ready = await self._answer()
            assert self.proc is not None and self.proc.stdin is not None
            self.proc.stdin.write(b'{"out": ' + json.dumps(str(out)).encode() + b", " + payload.lstrip()[1:] + b"\n")
            await self.proc.stdin.drain()
            return await self._answer()
        except (WorkerGone, ConnectionError, ValueError) as exc:
            log.error("PDF worker ended: %s", exc)
            return {"ok": None, "error": str(exc)}

    async def stop(self) -> None:
        with contextlib.suppress(Exception):
            await self._started
        if self.proc is None:
            return
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
        await self.proc.wait()
        with contextlib.suppress(Exception):
            await self._drain


class WorkerGone(RuntimeError):
    pass
