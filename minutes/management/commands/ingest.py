"""``manage.py ingest PATH [PATH ...] [--municipality NAME] [--jobs N]``: load referater from files."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from minutes.ingest import (
    CREATED,
    FAILED,
    UNCHANGED,
    UPDATED,
    SourceFile,
    ingest_files,
    iter_source_paths,
)
from minutes.search import state as search_state


def render_notice(notice) -> str:
    """Translate a parser/ingest Notice into the active language."""
    return gettext(notice.message).format(**notice.params)


class Command(BaseCommand):
    help = "Ingest referater (.txt, .md, .pdf, or FirstAgenda .json) from files and folders."

    def add_arguments(self, parser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, help="Files or folders of referater.")
        parser.add_argument(
            "--municipality",
            help="The municipality the referater belong to; inferred from the text when omitted.",
        )
        parser.add_argument(
            "--quiet-warnings", action="store_true", help="Do not print the parser's warnings."
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=1,
            help=(
                "Read and parse in this many worker processes while this process stores the "
                "meetings, in input order (default 1: no workers; 0: one per CPU). Pays from a few "
                "dozen files on: each worker needs about a second to start."
            ),
        )

    def handle(self, *args, **options) -> None:
        missing = [str(p) for p in options["paths"] if not p.exists()]
        if missing:
            raise CommandError(f"No such file or folder: {', '.join(missing)}")
        if options["jobs"] < 0:
            raise CommandError("--jobs must be 0 (one per CPU) or more.")
        paths = list(iter_source_paths(options["paths"]))
        if not paths:
            raise CommandError("No .txt, .md, .pdf or .json files found.")
        jobs = min(options["jobs"] or os.cpu_count() or 1, len(paths))
        counts = {CREATED: 0, UPDATED: 0, UNCHANGED: 0, FAILED: 0}
        started = time.monotonic()
        total = len(paths)
        sources = [SourceFile(path, options["municipality"]) for path in paths]
        results = ingest_files(sources, jobs=jobs)
        for index, (path, result) in enumerate(zip(paths, results, strict=True), start=1):
            counts[result.status] += 1
            prefix = f"[{index}/{total}] " if total > 1 else ""
            if result.status == FAILED:
                self.stderr.write(f"{prefix}{path}: failed: {render_notice(result.error)}")
                continue
            detail = (
                f"{result.meeting.committee.name} {result.meeting.start:%Y-%m-%d %H:%M}, {result.items} items"
            )
            if result.municipality_inferred:
                detail += f"; municipality inferred from the text: {result.municipality}"
            style = self.style.SUCCESS if result.status != UNCHANGED else (lambda s: s)
            self.stdout.write(style(f"{prefix}{path}: {result.status} ({detail})"))
            if not options["quiet_warnings"]:
                for warning in result.warnings:
                    self.stdout.write(f"    warning: {render_notice(warning)}")
        elapsed = time.monotonic() - started
        summary = ", ".join(f"{counts[k]} {k}" for k in (CREATED, UPDATED, UNCHANGED, FAILED))
        self.stdout.write(f"{total} files in {elapsed:.1f}s: {summary}")
        if search_state.is_stale():
            self.stderr.write(
                "The search index was built with another text analysis; run `manage.py rebuild_search_index`."
            )
        if counts[FAILED]:
            raise CommandError(f"{counts[FAILED]} of {total} files failed.", returncode=1)
