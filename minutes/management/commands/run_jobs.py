"""Run the clerk uploads' background jobs: PDF text extraction for referater and bilag."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from minutes import clerk


class Command(BaseCommand):
    help = (
        "Run queued background jobs (text extraction of uploaded PDFs). Without --once it keeps "
        "polling the queue; run it beside the web server (see docs/clerks.md)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Run every job that is queued now, then exit."
        )
        parser.add_argument(
            "--poll-seconds",
            type=float,
            default=2.0,
            help="How long to wait before looking at an empty queue again (default 2).",
        )
        parser.add_argument(
            "--max-jobs", type=int, default=None, help="Exit after this many jobs (default: no limit)."
        )

    def handle(self, *args, once: bool, poll_seconds: float, max_jobs: int | None, **options) -> None:
        if poll_seconds <= 0:
            raise CommandError("--poll-seconds must be positive")
        total = 0
        while True:
            ran = clerk.run_jobs(max_jobs=None if max_jobs is None else max_jobs - total)
            total += ran
            if ran:
                self.stdout.write(f"{ran} job(s) run")
            if once or (max_jobs is not None and total >= max_jobs):
                break
            time.sleep(poll_seconds)
        self.stdout.write(f"{total} job(s) run in all")
