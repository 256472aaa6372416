"""Benchmark: search latency, reindex speed and save-to-searchable freshness.

    python bench/search.py [--documents 100000] [--ideas 500] [--requests 200]

PostgreSQL, Redis and Elasticsearch come from the test harness unless given.
Measured in the same run, on the same machine:

  query      p50/p95 of GET /api/search on daphne (the whole service: Django, the
             visibility filter, facets, highlights, escaping) over `--documents`
             generated idea documents (a quarter of their words from a list of 50
             maths-teaching words, the rest made-up filler words), against the raw
             elasticsearch client sending
             the very same msearch (search.queries.es_searches); after the load's
             merges have finished and a warm-up pass, as teachers meet the index;
             then again after merging it into one segment, as search_reindex
             leaves an index of this size
  reindex    documents/s of `search_reindex`'s path (database → documents → bulk →
             alias swap → old index removed) for `--ideas` real idea pages, against
             raw helpers.bulk of the same documents, already built, into a fresh
             index; both warmed up once, then alternating rounds (medians)
  freshness  from publishing an idea (the outbox row commits) to the idea being
             returned by a search, with `search_worker` running as its own process
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    ROOT,
    Server,
    percentile,
    setup_django,
    start_services,
    stop_services,
)

WORDS = ("brøk tallinje pizza deling desimaltall prosent måling geometri trekant areal omkrets volum "
         "algebra likning mønster statistikk sannsynlighet terning koordinater vinkel symmetri "
         "hoderegning gangetabell multiplisere dividere addisjon subtraksjon tierovergang plassverdi "
         "problemløsning samarbeid utforsking stasjoner uteskole spill kort kladdebok samtale "
         "elevene lærer klassen gruppa par tavle konkreter digitalt regneark programmering").split()
QUERIES = ["brøk", "brøkene på tallinja", "multiplisere store tall", "geometri ute", "prosent",
           "terning sannsynlighet", "hoderegning spill", "areal og omkrets", "likning med mønster", "brok"]


# Filler words: made-up syllable pairs (about 2,500 of them). Real idea texts are
# mostly words that are not topic words; a corpus drawn only from WORDS would make
# every query match nearly every document.
_SYLLABLES = ("ba be bi bo bu da de di do du fa fe fi fo ga ge gi go ha he hi ho ka ke ki ko ku la le li lo "
              "lu ma me mi mo mu na ne ni no nu pa pe pi po ra re ri ro ru sa se si so su ta te ti to tu va "
              "ve vi vo").split()
FILLER = [a + b + "n" for a in _SYLLABLES for b in _SYLLABLES]


def sentence(rng: random.Random, n: int, topic_share: float = 0.25) -> str:
    words = [rng.choice(WORDS) if rng.random() < topic_share else rng.choice(FILLER) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def load_generated(client, index: str, count: int) -> float:
    from elasticsearch import helpers

    rng = random.Random(7)

    def docs():
        for n in range(count):
            yield {"_index": index, "_id": f"idea-{10_000_000 + n}", "_source": {
                "type": "idea", "title": sentence(rng, 4), "summary": sentence(rng, 14), "body": sentence(rng, 60),
                "url": f"/idebank/generert-{n}/", "subject": "matematikk",
                "grade_bands": [rng.choice(["1-4", "5-7", "8-10", "vgs"])], "tags": rng.sample(WORDS[:20], 2),
                "language": rng.choice(["nb", "nb", "nn"]), "tried_count": rng.randint(0, 30),
            }}

    start = time.perf_counter()
    for n, _ in enumerate(helpers.streaming_bulk(client.options(request_timeout=120), docs(), chunk_size=2000), start=1):
        if n % 20000 == 0:
            print(f"  loaded {n}/{count} generated documents", flush=True)
    client.indices.refresh(index=index)
    return time.perf_counter() - start


def settle(client, index: str, quiet: float = 3, limit: float = 300) -> tuple[float, int]:
    """Waits for the merges the bulk load started to finish (none running for `quiet`
    seconds). Returns the wait and the segments left."""
    client.indices.flush(index=index)
    start = last_busy = time.perf_counter()
    while time.perf_counter() - start < limit and time.perf_counter() - last_busy < quiet:
        if client.indices.stats(index=index, metric="merge")["_all"]["primaries"]["merges"]["current"]:
            last_busy = time.perf_counter()
        time.sleep(0.25)
    return last_busy - start, segment_count(client, index)


def segment_count(client, index: str) -> int:
    return client.indices.stats(index=index, metric="segments")["_all"]["primaries"]["segments"]["count"]


def query_latency(server: Server, client, index: str, requests: int) -> tuple[list[float], list[float]]:
    from django.contrib.auth.models import AnonymousUser

    from search.queries import es_searches

    api, raw = [], []
    for n in range(requests + 10):
        q = QUERIES[n % len(QUERIES)]
        start = time.perf_counter()
        with urllib.request.urlopen(f"{server.url}/api/search?q={urllib.parse.quote(q)}", timeout=10) as r:
            assert r.status == 200
            r.read()
        api_t = time.perf_counter() - start
        hits, counts = es_searches(q, {}, AnonymousUser())
        start = time.perf_counter()
        client.msearch(index=index, searches=[{}, hits, {}, counts])
        raw_t = time.perf_counter() - start
        if n >= 10:  # warm-up
            api.append(api_t)
            raw.append(raw_t)
    return api, raw


def create_ideas(count: int) -> None:
    from ideabank import services

    rng = random.Random(11)
    for n in range(count):
        services.publish_idea_directly(
            title=f"{sentence(rng, 3)[:-1]} {n}", summary=sentence(rng, 12), body=[], subject="matematikk",
            grade_bands=["5-7"], tags=rng.sample(WORDS[:20], 2), aim_codes=[], time_minutes=45,
            digital_tools="", language="nb", licence="CC-BY-4.0", external_id=f"bench-{n}")
        if (n + 1) % 100 == 0:
            print(f"  created {n + 1}/{count} idea pages", flush=True)


def reindex_speed(client, rounds: int = 11) -> tuple[float, float, int, list[float]]:
    """Median documents/s of ours and of raw bulk. Both are warmed up first (the
    first bulk into a new mapping, and the first document built in the process, pay
    one-off costs), then measured in alternating rounds: the machine drifts."""
    from statistics import median

    from elasticsearch import helpers

    from search import indexing, lifecycle
    from search.models import OutboxEntry

    OutboxEntry.objects.all().delete()  # the ideas were created while the worker was not running
    prepared = [(doc_type, pk, indexing.document_for(doc_type, pk)) for doc_type, pk in indexing.all_objects()]

    def ours() -> tuple[float, int]:
        start = time.perf_counter()
        result = lifecycle.reindex(client)
        return result["documents"] / (time.perf_counter() - start), result["documents"]

    def raw() -> float:
        scratch = f"{lifecycle.alias()}_raw_{uuid.uuid4().hex[:6]}"
        start = time.perf_counter()  # both sides build a fresh index
        lifecycle.create_index(client, scratch)
        helpers.bulk(client, ({"_index": scratch, "_id": f"{t}-{pk}", "_source": body} for t, pk, body in prepared
                              if body is not None), chunk_size=500)
        client.indices.refresh(index=scratch)
        speed = len(prepared) / (time.perf_counter() - start)
        client.indices.delete(index=scratch)
        return speed

    ours(), raw()
    ratios, our_speeds, raw_speeds, indexed = [], [], [], 0
    for _ in range(rounds):
        speed, indexed = ours()
        baseline = raw()
        our_speeds.append(speed)
        raw_speeds.append(baseline)
        ratios.append(speed / baseline)
    return median(our_speeds), median(raw_speeds), indexed, ratios


def freshness(samples: int) -> list[float]:
    from django.contrib.auth.models import AnonymousUser

    from ideabank import services
    from search.queries import search

    worker = subprocess.Popen([sys.executable, "manage.py", "search_worker"], cwd=ROOT, env=os.environ.copy(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = []
    try:
        time.sleep(2)
        for n in range(samples):
            word = f"ferskvare{uuid.uuid4().hex[:8]}"
            start = time.perf_counter()
            services.publish_idea_directly(
                title=f"Fersk idé {word}", summary="Publisert for å måle hvor raskt den blir søkbar.", body=[],
                subject="matematikk", grade_bands=["5-7"], tags=[], aim_codes=[], time_minutes=None,
                digital_tools="", language="nb", licence="CC-BY-4.0", external_id=f"fresh-{n}-{word}")
            while True:
                if search(word, {}, AnonymousUser())["total"]:
                    out.append(time.perf_counter() - start)
                    break
                if time.perf_counter() - start > 10:
                    out.append(float("inf"))
                    break
                time.sleep(0.02)
    finally:
        worker.terminate()
        worker.wait(timeout=10)
    return out


def ms(values: list[float], p: float) -> str:
    return f"{percentile(values, p) * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--ideas", type=int, default=500)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--fresh", type=int, default=20)
    args = parser.parse_args()
    _env, started = start_services(need_es=True)
    os.environ["SEARCH_INDEX_PREFIX"] = f"bench{uuid.uuid4().hex[:6]}"
    server = None
    try:
        setup_django()
        from django.core.management import call_command

        from search import lifecycle
        from search.client import get_client

        call_command("seed_demo", stdout=open(os.devnull, "w"))
        client = get_client()
        print(f"search: {args.documents} generated documents, {args.ideas} idea pages, "
              f"{args.requests} queries, {args.fresh} freshness samples", flush=True)
        create_ideas(args.ideas)
        ours, raw, indexed, reindex_ratios = reindex_speed(client)
        index = lifecycle.alias()
        loaded = load_generated(client, index, args.documents)
        settled, segments = settle(client, index)
        server = Server("staffroom.asgi:application")
        # A first pass warms both sides up (a freshly loaded index answers its first
        # hundred queries about 1.5x slower: segments still merging, caches cold); the
        # second is measured: the index as teachers meet it.
        query_latency(server, client, index, args.requests)
        api, raw_q = query_latency(server, client, index, args.requests)
        # Then as search_reindex leaves an index this large: merged into one segment.
        merge_start = time.perf_counter()
        lifecycle.merge(client, index)
        merged_in = time.perf_counter() - merge_start
        merged_segments = segment_count(client, index)
        query_latency(server, client, index, args.requests)
        api_m, raw_m = query_latency(server, client, index, args.requests)
        fresh = freshness(args.fresh)
        print(f"  generated load (raw streaming_bulk): {args.documents / loaded:.0f} docs/s")
        print(f"  after the load: merges ran {settled:.1f} s more, {segments} segments; a warm-up pass of "
              f"{args.requests} queries per side, then the measured pass")
        for label, a, r in ((f"as loaded ({segments} segments)", api, raw_q),
                            (f"merged as search_reindex leaves it ({merged_segments} segment, merge took "
                             f"{merged_in:.1f} s)", api_m, raw_m)):
            print(f"  {label}:")
            print(f"    /api/search   p50 {ms(a, 50)}, p95 {ms(a, 95)}")
            print(f"    raw client    p50 {ms(r, 50)}, p95 {ms(r, 95)}")
            print(f"    ratio p95 api/raw: {percentile(a, 95) / percentile(r, 95):.2f}x "
                  f"(target <= 2x and p95 < 50 ms)")
        print(f"  reindex ({indexed} documents, medians of {len(reindex_ratios)} alternating rounds after a "
              f"warm-up): ours {ours:.0f} docs/s, raw bulk {raw:.0f} docs/s, ratio "
              f"{sorted(reindex_ratios)[len(reindex_ratios) // 2]:.2f}x (target >= 0.6x); rounds "
              f"{', '.join(f'{r:.2f}' for r in reindex_ratios)}")
        print(f"  freshness save->searchable: p50 {ms(fresh, 50)}, p95 {ms(fresh, 95)} (target p95 < 1.5 s)")
    finally:
        if server is not None:
            server.stop()
        stop_services(started)


if __name__ == "__main__":
    main()
