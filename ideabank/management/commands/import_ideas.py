"""Imports existing practices from JSON Lines as published ideas (idempotent by id)."""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from community.models import GRADE_BANDS
from ideabank import services
from ideabank.models import IdeaPage
from staffroom.models import SUBJECTS

LICENCE_MAP = {"CC-BY-4.0": "CC-BY-4.0", "CC-BY-SA-4.0": "CC-BY-SA-4.0"}
REQUIRED = ("id", "title", "summary", "body", "language")


class Command(BaseCommand):
    help = "Create or update published ideas from FILE.jsonl (one JSON object per line)."

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, path, **options):
        try:
            lines = open(path, encoding="utf-8").read().splitlines()
        except OSError as exc:
            raise CommandError(f"Kan ikke lese {path}: {exc}") from exc
        created = updated = bad = 0
        total = len(lines)
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise ValueError("linjen er ikke et JSON-objekt")
                missing = [k for k in REQUIRED if not record.get(k)]
                if missing:
                    raise ValueError("mangler " + ", ".join(missing))
                with transaction.atomic():
                    was_new = self.upsert(record)
                created += was_new
                updated += not was_new
            except (ValueError, ValidationError, TypeError) as exc:
                bad += 1
                message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                self.stderr.write(f"linje {number}: hoppet over ({message})")
            if number % 25 == 0 or number == total:
                self.stdout.write(f"\r{number}/{total} linjer", ending="")
                self.stdout.flush()
        self.stdout.write(f"\nFerdig: {created} nye, {updated} oppdatert, {bad} hoppet over.")

    def upsert(self, r: dict) -> bool:
        grades = [g for g in r.get("grade_levels") or [] if g in dict(GRADE_BANDS)]
        licence = LICENCE_MAP.get(r.get("license") or "CC-BY-4.0")
        if licence is None:
            raise ValueError(f"ukjent lisens {r.get('license')!r}")
        language = r["language"] if r["language"] in ("nb", "nn", "en") else None
        if language is None:
            raise ValueError(f"ukjent språk {r['language']!r}")
        paragraphs = [p.strip() for p in str(r["body"]).replace("\r\n", "\n").split("\n\n") if p.strip()]
        body = [("step", {"title": f"Del {n}", "text": p[:10_000]}) for n, p in enumerate(paragraphs[:30], start=1)]
        fields = dict(title=str(r["title"])[:255], summary=str(r["summary"])[:600], body=body,
                      subject=r.get("subject") if r.get("subject") in dict(SUBJECTS) else "matematikk",
                      grade_bands=grades, tags=r.get("tags") or [], aim_codes=[], time_minutes=None,
                      digital_tools="", language=language, licence=licence)
        existing = IdeaPage.objects.filter(external_id=str(r["id"])).first()
        if existing is None:
            services.publish_idea_directly(external_id=str(r["id"]), author_name=r.get("author", "Importert"),
                                           source_repo=r.get("source_repo", ""), source_path=r.get("source_path", ""),
                                           **fields)
            return True
        idea = existing.get_latest_revision_as_object()
        services._apply_fields(idea, **fields)
        idea.source_repo, idea.source_path = r.get("source_repo", ""), r.get("source_path", "")
        idea.save_revision().publish()
        return False
