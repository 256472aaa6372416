"""Search quality on a set of judged queries: recall@5 and mean reciprocal rank."""

import json

from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand, CommandError

from search.queries import search


class Command(BaseCommand):
    help = ('Read QUERIES.jsonl, lines of {"query": …, "relevant_ids": [external ids]}, search each as an '
            "anonymous visitor and print recall@K and MRR (the first relevant hit within the first page).")

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--k", type=int, default=5)

    def handle(self, path, k, **options):
        try:
            lines = open(path, encoding="utf-8").read().splitlines()
        except OSError as exc:
            raise CommandError(f"Kan ikke lese {path}: {exc}") from exc
        recalls, ranks, bad, backend = [], [], 0, ""
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                query, relevant = item["query"], item["relevant_ids"]
                if not isinstance(query, str) or not query.strip() or not isinstance(relevant, list) or not relevant:
                    raise ValueError("trenger «query» (tekst) og «relevant_ids» (en ikke-tom liste)")
            except (ValueError, KeyError, TypeError) as exc:
                bad += 1
                self.stderr.write(f"linje {number}: hoppet over ({exc})")
                continue
            result = search(query, {}, AnonymousUser())
            backend = result["backend"]
            found = [r.get("external_id") for r in result["results"]]
            wanted = {str(r) for r in relevant}
            recall = len(wanted & set(found[:k])) / len(wanted)
            rank = next((i for i, ext in enumerate(found, start=1) if ext in wanted), None)
            recalls.append(recall)
            ranks.append(1 / rank if rank else 0.0)
            self.stdout.write(f"{recall:4.2f}  {('rank ' + str(rank)) if rank else 'not found':>9}  {query}")
        if not recalls:
            raise CommandError("Ingen gyldige spørringer i filen.")
        mean_recall = sum(recalls) / len(recalls)
        mrr = sum(ranks) / len(ranks)
        self.stdout.write(f"recall@{k} {mean_recall:.3f}  MRR {mrr:.3f}  ({len(recalls)} queries, "
                          f"{bad} skipped, backend {backend})")
