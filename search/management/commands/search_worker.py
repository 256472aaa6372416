from django.core.management.base import BaseCommand

from search import indexing, lifecycle
from search.client import get_client


class Command(BaseCommand):
    help = "Sends the search outbox to Elasticsearch in bulk, retrying with backoff."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="drain what is due, then stop")
        parser.add_argument("--poll", type=float, default=0.5,
                            help="seconds between looks at the outbox when idle (on PostgreSQL a commit "
                                 "wakes the worker sooner)")

    def handle(self, *args, once=False, poll=0.5, **options):
        client = get_client()
        while True:
            try:
                lifecycle.ensure_index(client)
                break
            except Exception as exc:  # noqa: BLE001
                self.stderr.write(f"Elasticsearch svarer ikke ennå ({exc}); prøver igjen …")
                if once:
                    return
                import time

                time.sleep(2)
        indexing.run_worker(client, lifecycle.alias(), once=once, idle_sleep=poll)
