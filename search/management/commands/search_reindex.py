import sys

from django.core.management.base import BaseCommand

from search import lifecycle
from search.client import get_client


class Command(BaseCommand):
    help = "Builds a new index from the database, catches up, swaps the alias, removes the old index."

    def handle(self, *args, **options):
        def progress(n, total):
            if n == total or n % 50 == 0:
                width = 30
                done = int(width * n / max(total, 1))
                sys.stdout.write(f"\r[{'#' * done}{'.' * (width - done)}] {n}/{total}")
                sys.stdout.flush()

        result = lifecycle.reindex(get_client(), progress)
        self.stdout.write(f"\nNy indeks {result['index']} med {result['documents']} objekter; "
                          f"fjernet {', '.join(result['removed']) or 'ingen'}.")
