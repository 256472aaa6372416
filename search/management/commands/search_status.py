from django.core.management.base import BaseCommand

from search import indexing, lifecycle
from search.client import get_client
from search.models import OutboxEntry


class Command(BaseCommand):
    help = "Compares database and index counts per type."

    def handle(self, *args, **options):
        counts: dict[str, int] = {}
        for kind, _pk in indexing.all_objects():
            counts[kind] = counts.get(kind, 0) + 1
        client = get_client()
        index = lifecycle.alias()
        self.stdout.write(f"{'type':<8} {'database':>9} {'index':>7}")
        for kind in indexing.KINDS:
            n = client.count(index=index, query={"term": {"type": kind}})["count"]
            self.stdout.write(f"{kind:<8} {counts.get(kind, 0):>9} {n:>7}")
        self.stdout.write(f"Venter i utboksen: {OutboxEntry.objects.pending().count()}")
