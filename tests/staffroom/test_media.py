"""Uploaded media answer byte ranges, so viewers can seek in module videos."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def media_file(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "videos").mkdir()
    (tmp_path / "videos" / "klipp.webm").write_bytes(bytes(range(256)) * 4)
    return "/media/videos/klipp.webm"


def test_a_range_request_gets_exactly_those_bytes(client, media_file):
    whole = client.get(media_file)
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    part = client.get(media_file, HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206 and part["Content-Range"] == "bytes 100-199/1024"
    assert part.content == bytes(range(100, 200))
    tail = client.get(media_file, HTTP_RANGE="bytes=-24")
    assert tail.content == bytes(range(232, 256))
    assert client.get(media_file, HTTP_RANGE="bytes=5000-").status_code == 416


def test_paths_outside_the_media_folder_are_not_found(client, media_file):
    assert client.get("/media/../settings.py").status_code == 404
    assert client.get("/media/videos/../../etc/passwd").status_code == 404
    assert client.get("/media/videos/mangler.webm").status_code == 404
