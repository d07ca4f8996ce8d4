"""``manage.py generate_corpus``: write a synthetic national archive for benchmarks."""

from __future__ import annotations

import json
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from minutes.bench_corpus import learn_model, load


class Command(BaseCommand):
    help = (
        "Generate N synthetic agenda items (Danish text learned from real referater) straight into "
        "the database, with the search index. For benchmarks: use a separate database."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--items", type=int, required=True, help="How many agenda items to write.")
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed; the same seed gives the same data."
        )
        parser.add_argument(
            "--corpus",
            type=Path,
            nargs="*",
            default=None,
            help="Real referater (text files or folders) to learn from; default: the shared corpus.",
        )
        parser.add_argument("--report", type=Path, default=None, help="Write load timings as JSON here.")
        parser.add_argument(
            "--allow-default-database",
            action="store_true",
            help="Allow writing into the default var/archive.sqlite3 (refused otherwise).",
        )

    def handle(self, *args, **options) -> None:
        database = settings.DATABASES["default"]
        name = str(database["NAME"])
        if name.endswith("var/archive.sqlite3") and not options["allow_default_database"]:
            raise CommandError(
                "Refusing to fill the default archive; set DATABASE_URL to a benchmark database."
            )
        if options["items"] <= 0:
            raise CommandError("--items must be positive.")
        paths = []
        for path in options["corpus"] or []:
            if not path.exists():
                raise CommandError(f"No such file or folder: {path}")
            paths += (
                sorted(p for p in path.glob("*.txt") if p.stem.upper() != "README")
                if path.is_dir()
                else [path]
            )
        started = time.monotonic()
        model = learn_model(paths or None)
        self.stdout.write(f"Learned from {model.stats} in {time.monotonic() - started:.1f}s")

        def progress(done: int, total: int) -> None:
            elapsed = time.monotonic() - started
            self.stdout.write(f"  {done}/{total} items, {done / max(elapsed, 1e-9):.0f} items/s", ending="\r")
            self.stdout.flush()

        report = load(model, items=options["items"], seed=options["seed"], progress=progress)
        self.stdout.write("")
        if options["report"]:
            options["report"].parent.mkdir(parents=True, exist_ok=True)
            options["report"].write_text(json.dumps(report.as_dict(), indent=2))
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {report.items} items in {report.meetings} meetings: "
                f"{report.seconds_generate_and_copy:.1f}s generate+write, {report.seconds_index:.1f}s index, "
                f"{report.seconds_total:.1f}s in all ({report.items / report.seconds_total:.0f} items/s)."
            )
        )
