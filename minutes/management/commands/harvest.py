"""``manage.py harvest PORTAL_URL --municipality NAME``: fill the archive from a FirstAgenda portal.

``--all`` walks the known portals (``minutes/data/portals.toml``) in turn, for a nightly job;
see docs/harvesting.md. The work is done by ``minutes.harvest``; this prints and exits.
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from minutes.harvest import (
    DEFAULT_RATE,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    FAILED,
    SKIPPED,
    HarvestProgress,
    HarvestSummary,
    MeetingReport,
    PortalListError,
    find_portal,
    harvest_known_portals,
    harvest_portal,
    load_portals,
)
from minutes.management.commands.ingest import render_notice

# On a long run of unchanged meetings, say how far it got this often.
PROGRESS_EVERY = 50


def iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def positive(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = 0.0
    if number <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number: {value!r}")
    return number


class PrintedProgress(HarvestProgress):
    """Print one line per meeting fetched or failed, and a count now and then."""

    def __init__(self, command: BaseCommand, *, verbosity: int, warnings: bool) -> None:
        self.command = command
        self.verbosity = verbosity
        self.warnings = warnings
        self.started = time.monotonic()

    def portal_started(self, municipality: str, portal_url: str) -> None:
        self.started = time.monotonic()
        self.command.stdout.write(f"{municipality}: {portal_url}")

    def portal_listed(self, summary: HarvestSummary, selected: int) -> None:
        if not summary.error:
            self.command.stdout.write(f"  {summary.listed} meetings listed, {selected} to check")

    def meeting_done(self, report: MeetingReport, index: int, total: int) -> None:
        prefix = f"  [{index}/{total}]"
        if report.status == FAILED:
            self.command.stderr.write(f"{prefix} {report.label}: failed: {report.error}")
        elif report.fetched or report.attachments or report.warnings or self.verbosity >= 2:
            detail = f"{report.items} items, {report.attachments} attachments downloaded"
            if report.status == SKIPPED:
                detail = report.reason
            elif not report.fetched:
                detail += "; not fetched, released as stored"
            self.command.stdout.write(f"{prefix} {report.label}: {report.status} ({detail})")
        elif index % PROGRESS_EVERY == 0:
            self.command.stdout.write(f"{prefix} ...")
        if self.warnings:
            for warning in report.warnings:
                self.command.stdout.write(f"      warning: {render_notice(warning)}")


class Command(BaseCommand):
    help = (
        "Harvest released meetings, their items, decisions and attachments from a FirstAgenda "
        "Publication portal (or, with --all, from every known portal)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "portal_url",
            nargs="?",
            help="The portal's root, e.g. https://dagsordener.greve.dk (omit with --all, or to use "
            "the known portal of --municipality).",
        )
        parser.add_argument("--municipality", help="The municipality the portal belongs to.")
        parser.add_argument(
            "--all", action="store_true", help="Harvest every portal of the known-portals file in turn."
        )
        parser.add_argument(
            "--portals-file",
            type=Path,
            help="The known-portals file (TOML); default: ARCHIVE_PORTALS_FILE or minutes/data/portals.toml.",
        )
        parser.add_argument(
            "--since", type=iso_date, help="Only meetings on or after this date (YYYY-MM-DD)."
        )
        parser.add_argument(
            "--committee",
            action="extend",
            nargs="+",
            default=[],
            metavar="NAME",
            help="Only these committees (repeatable; the election period may be left out).",
        )
        parser.add_argument(
            "--rate",
            type=positive,
            default=DEFAULT_RATE,
            help=f"At most this many requests per second to a portal (default {DEFAULT_RATE:g}).",
        )
        parser.add_argument(
            "--timeout",
            type=positive,
            default=DEFAULT_TIMEOUT,
            help=f"Seconds to wait for an answer (default {DEFAULT_TIMEOUT:g}).",
        )
        parser.add_argument(
            "--retries",
            type=int,
            default=DEFAULT_RETRIES,
            help=f"Retries after a 5xx answer or a broken connection (default {DEFAULT_RETRIES}).",
        )
        parser.add_argument(
            "--contact",
            help="E-mail or URL put in the User-Agent so the portal's staff can reach us "
            "(default: the ARCHIVE_CONTACT setting).",
        )
        parser.add_argument("--quiet-warnings", action="store_true", help="Do not print warnings.")

    def handle(self, *args, **options) -> None:
        progress = PrintedProgress(
            self, verbosity=options["verbosity"], warnings=not options["quiet_warnings"]
        )
        harvest_options = {
            "since": options["since"],
            "committees": options["committee"],
            "rate_limit": options["rate"],
            "timeout": options["timeout"],
            "retries": max(0, options["retries"]),
            "contact": options["contact"],
        }
        try:
            if options["all"]:
                if options["portal_url"] or options["municipality"]:
                    raise CommandError(
                        "--all harvests the known portals; give no PORTAL_URL or --municipality."
                    )
                portals = load_portals(options["portals_file"])
                summaries = harvest_known_portals(portals, progress=progress, **harvest_options)
            else:
                url, municipality = self._portal(options)
                summaries = [
                    harvest_portal(url, municipality=municipality, progress=progress, **harvest_options)
                ]
        except PortalListError as error:
            raise CommandError(f"The known-portals file cannot be read: {error}") from None
        except ValueError as error:  # a portal URL that is no http(s) address
            raise CommandError(str(error)) from None

        for summary in summaries:
            self._print_summary(summary)
        failed = [summary for summary in summaries if not summary.ok]
        if failed:
            meetings = sum(summary.failed for summary in failed)
            portals = sum(bool(summary.error) for summary in failed)
            raise CommandError(
                f"Harvest incomplete: {meetings} meetings failed, {portals} portals unreachable.",
                returncode=1,
            )

    def _portal(self, options) -> tuple[str, str]:
        url, municipality = options["portal_url"], options["municipality"]
        if url and municipality:
            return url, municipality
        if not url and not municipality:
            raise CommandError("Give PORTAL_URL and --municipality, or --all.")
        known = find_portal(municipality=municipality or "", url=url or "", path=options["portals_file"])
        if known is None:
            if url:
                raise CommandError(f"{url} is no known portal; say whose it is with --municipality.")
            raise CommandError(f"No known portal for {municipality}; give its PORTAL_URL.")
        return url or known.url, municipality or known.municipality

    def _print_summary(self, summary: HarvestSummary) -> None:
        if summary.error:
            self.stderr.write(f"{summary.municipality}: failed: {summary.error}")
            return
        line = (
            f"{summary.municipality}: meetings {summary.created} new, {summary.updated} updated, "
            f"{summary.unchanged} unchanged, {summary.failed} failed"
        )
        if summary.skipped:
            line += f", {summary.skipped} skipped"
        line += f"; {summary.items} items stored, {summary.attachments} attachments downloaded"
        if summary.attachment_problems:
            line += f", {summary.attachment_problems} attachments unavailable"
        line += f" ({summary.fetched} meetings fetched)"
        style = self.style.SUCCESS if summary.ok else self.style.ERROR
        self.stdout.write(style(line))
