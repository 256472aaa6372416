"""Benchmark settings: the test settings plus a bare Django view (bench/urls.py)."""

from staffroom.settings.test import *  # noqa: F401,F403

ROOT_URLCONF = "bench.urls"
