"""Versioned indices behind an alias; rebuild without downtime."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.utils import timezone
from elasticsearch import helpers

from . import documents, indexing

# Documents per database read and per bulk request while reindexing. The first read
# is larger: it happens while Elasticsearch creates the index, and 1,000 documents take
# about as long as the creation (a second read of 12 documents, during the bulk
# requests, was a tenth of a 512-document reindex). Reads stay on the calling
# thread: another thread's connection would not see the caller's transaction.
BATCH = 500
FIRST_READ = 1_000
QUIET_ABOVE = 5_000
REPLAY_MARGIN = timedelta(seconds=60)


def alias() -> str:
    return documents.index_name()


def create_index(client, name: str, **create) -> None:
    doc_index = documents.ContentDocument._index.clone(name=name)
    doc_index.settings(number_of_shards=1, number_of_replicas=0)
    doc_index.create(using=client, **create)


def merge(client, index: str) -> None:
    """Merges a freshly built index into one segment. A query visits every segment,
    and a bulk load of 100,000 documents leaves 6-15 of them. Against a copy left at 7,
    alternating rounds of bench/search's queries: p50 22.5 -> 20.0 ms, p95 35.9 ->
    33.2 ms (/tmp script). Later writes add small segments that Elasticsearch merges
    as usual."""
    client.options(request_timeout=900).indices.forcemerge(index=index, max_num_segments=1)


def ensure_index(client) -> str:
    """The alias exists and points at an index (created on first use)."""
    name = alias()
    if not client.indices.exists_alias(name=name):
        concrete = f"{name}_v{int(time.time() * 1000)}"
        create_index(client, concrete)
        client.indices.put_alias(index=concrete, name=name)
    return name


def reindex(client, progress=None) -> dict:
    """Builds a new index from the database, catches up the writes made meanwhile,
    swaps the alias atomically and removes the old index."""
    from .models import DocumentVersion, OutboxEntry

    name = alias()
    new = f"{name}_v{int(time.time() * 1000)}"
    # Elasticsearch creates the index (a cluster-state update, ~70 ms here) while the
    # database is read; the first bulk request waits for it.
    with ThreadPoolExecutor(max_workers=1) as pool:
        # Not waiting for its shard to start: the first bulk request waits for that.
        created = pool.submit(create_index, client, new, wait_for_active_shards="0")
        # Entries after the mark are replayed into the new index. The mark lies a
        # minute back: an entry whose transaction was still open when the reindex
        # started may have a lower id than one already committed.
        mark = (OutboxEntry.objects.filter(created_at__lt=timezone.now() - REPLAY_MARGIN).order_by("-id")
                .values_list("id", flat=True).first() or 0)
        objects = list(indexing.all_objects())
        versions = dict(((d, o), v) for d, o, v in
                        DocumentVersion.objects.values_list("doc_type", "object_id", "version"))
        first = indexing.bodies_for(objects[:FIRST_READ])
        created.result()
    # A large index fills without refreshes (nobody searches it until the alias swap);
    # for a small one, turning them off and on again costs more than they do.
    quiet = len(objects) > QUIET_ABOVE
    if quiet:
        client.indices.put_settings(index=new, settings={"index": {"refresh_interval": "-1"}})

    def actions():
        for start in range(0, len(objects), BATCH):
            chunk = objects[start:start + BATCH]
            bodies = first if start + len(chunk) <= FIRST_READ else indexing.bodies_for(chunk)
            for doc_type, pk in chunk:
                body = bodies.get((doc_type, pk))
                if body is not None:
                    yield {"_op_type": "index", "_index": new, "_id": f"{doc_type}-{pk}", "_source": body,
                           "version": versions.get((doc_type, pk), 0) or 1, "version_type": "external_gte"}
            if progress:
                progress(start + len(chunk), len(objects))

    try:
        _, errors = helpers.bulk(client.options(request_timeout=60), actions(), chunk_size=BATCH,
                                 raise_on_error=False)
        _check(errors)
        if quiet:
            client.indices.put_settings(index=new, settings={"index": {"refresh_interval": None}})
            client.indices.refresh(index=new)
            merge(client, new)
        # Every outbox entry written since the mark goes to the new index too, whether
        # or not the worker has sent it to the old one meanwhile.
        _catch_up(client, new, mark)
        client.indices.refresh(index=new)
    except Exception:
        client.options(ignore_status=404).indices.delete(index=new)  # never swap in a partial index
        raise
    found = client.options(ignore_status=404).indices.get_alias(name=name)
    old = list(found.body) if found.meta.status == 200 else []  # index names
    # One atomic cluster-state update moves the alias and deletes the old index (a
    # separate delete was a second update, ~15 % of a 500-document reindex).
    client.indices.update_aliases(actions=[{"add": {"index": new, "alias": name}}]
                                  + [{"remove_index": {"index": o}} for o in old])
    # What the worker sent between the catch-up and the swap went to the old index:
    # replay again, now into the live one (versions make the repeats no-ops).
    if _catch_up(client, new, mark):
        client.indices.refresh(index=new)
    return {"index": new, "documents": len(objects), "removed": old}


def _catch_up(client, index: str, mark: int) -> int:
    """Sends every outbox entry after `mark`, sent or not, to `index`; returns how many."""
    from .models import OutboxEntry

    sent = 0
    for entry_batch in _batches(OutboxEntry.objects.filter(id__gt=mark).order_by("id")):
        _, errors = helpers.bulk(client, indexing._actions(entry_batch, index), raise_on_error=False)
        _check(errors)
        sent += len(entry_batch)
    return sent


def _check(errors) -> None:
    """Raises on a bulk item that failed for another reason than a newer version
    already being there (409) or a deleted document already being gone (404)."""
    failed = [e for e in errors if next(iter(e.values())).get("status") not in (404, 409)]
    if failed:
        raise RuntimeError(f"{len(failed)} documents were not indexed, the first: {failed[0]}")


def _batches(qs, size: int = 500):
    batch = []
    for entry in qs.iterator():
        batch.append(entry)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
