"""Elasticsearch documents, one per indexed kind, with explicit Norwegian analysis.

The analysis filters come from Staffroom's stable plugin (search/es-plugin): light
stemming for bokmål and nynorsk, folding of æ/ø/å, edge n-grams and synonyms."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from elasticsearch.dsl import (
    Date,
    Document,
    Integer,
    Keyword,
    Text,
    analyzer,
    token_filter,
)

SYNONYMS_FILE = Path(__file__).with_name("synonyms.txt")


def synonym_rules() -> list[str]:
    return [line.strip() for line in SYNONYMS_FILE.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


norwegian_stem = token_filter("staffroom_stem", type="staffroom_norwegian_light")
norwegian_stop = token_filter("staffroom_stop", type="staffroom_norwegian_stop")
fold = token_filter("staffroom_folding", type="staffroom_fold")
edge = token_filter("staffroom_edge", type="staffroom_edge_ngram")


def _synonyms():
    return token_filter("staffroom_syn", type="staffroom_synonyms", synonyms=synonym_rules())


norwegian = analyzer("staffroom_norwegian", tokenizer="standard", filter=["lowercase", norwegian_stop, norwegian_stem])
norwegian_search = analyzer("staffroom_norwegian_search", tokenizer="standard",
                            filter=["lowercase", _synonyms(), norwegian_stop, norwegian_stem])
exact = analyzer("staffroom_exact", tokenizer="standard", filter=["lowercase"])
# Stop words go before folding (the list is written with æ, ø and å); the synonyms
# apply to the words as typed, before they are folded.
folded = analyzer("staffroom_folded", tokenizer="standard", filter=["lowercase", norwegian_stop, fold, norwegian_stem])
folded_search = analyzer("staffroom_folded_search", tokenizer="standard",
                         filter=["lowercase", _synonyms(), norwegian_stop, fold, norwegian_stem])
autocomplete = analyzer("staffroom_autocomplete", tokenizer="standard", filter=["lowercase", fold, edge])
autocomplete_search = analyzer("staffroom_autocomplete_search", tokenizer="standard", filter=["lowercase", fold])


def text_field(**extra):
    return Text(analyzer=norwegian, search_analyzer=norwegian_search, fields={
        "exact": Text(analyzer=exact),
        "folded": Text(analyzer=folded, search_analyzer=folded_search),
    }, **extra)


class BaseDoc(Document):
    type = Keyword(eager_global_ordinals=True)  # a facet
    title = Text(analyzer=norwegian, search_analyzer=norwegian_search, fields={
        "exact": Text(analyzer=exact),
        "folded": Text(analyzer=folded, search_analyzer=folded_search),
        "suggest": Text(analyzer=autocomplete, search_analyzer=autocomplete_search),
        "raw": Keyword(),
    })
    # Offsets in the postings let the highlighter skip re-analysing the text.
    summary = text_field(index_options="offsets")
    body = text_field(index_options="offsets")
    url = Keyword(index=False)
    subject = Keyword(eager_global_ordinals=True)  # a facet
    grade_bands = Keyword(eager_global_ordinals=True)  # a facet
    tags = Keyword(eager_global_ordinals=True)  # a facet
    competence_aims = Keyword()
    language = Keyword(eager_global_ordinals=True)  # a facet
    external_id = Keyword()
    group_id = Integer()  # set for private study-group content; None is public
    tried_count = Integer()
    published_at = Date()


def index_name() -> str:
    return f"{settings.SEARCH_INDEX_PREFIX}_content"


class ContentDocument(BaseDoc):
    """Ideas, course and module pages and forum threads share one index so one
    query ranks them together; `type` tells them apart and drives the facet."""

    class Index:
        name = "staffroom_content"  # replaced by index_name() at run time
        settings = {"number_of_shards": 1, "number_of_replicas": 0}
