import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forums import services

pytestmark = pytest.mark.django_db

XSS = [
    "<script>alert(1)</script>",
    "[klikk](javascript:alert(1))",
    "[klikk](JaVaScRiPt:alert(1))",
    "[klikk](&#106;avascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    '<img src=x onerror="alert(1)">',
    '<svg><script>alert(1)</script></svg>',
    '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
    '<div onmouseover="alert(1)">hover</div>',
    "![bilde](javascript:alert(1))",
]


def assert_inert(html: str, where: str) -> None:
    """No payload became markup: escaped text is fine, live tags or attributes are not."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(True):
        assert tag.name not in ("svg", "math", "iframe", "object", "embed", "img") or tag.name == "img" and not any(
            a.startswith("on") for a in tag.attrs), (where, str(tag)[:200])
        if tag.name == "script":
            assert "alert" not in (tag.string or ""), where
        for name, value in tag.attrs.items():
            assert not name.lower().startswith("on"), (where, str(tag)[:200])
            text = " ".join(value) if isinstance(value, list) else str(value)
            assert not text.strip().lower().startswith(("javascript:", "data:", "vbscript:")), (where, str(tag)[:200])


def test_xss_corpus_is_harmless_in_thread_page_queue_and_notifications(client, forum, settings):
    settings.STAFFROOM_FORUM_POST_RATE = (1000, 60.0)
    thread = services.create_thread(forum["kari"], forum["public"], "XSS <script>alert(1)</script>", "Start")
    for n, payload in enumerate(XSS):
        post = services.reply(forum["ola"], thread, f"{n} @kari {payload}")
        services.flag_post(forum["kari"], post, f"grunn {payload}")
    client.force_login(forum["mod"])
    for url in (thread.get_absolute_url(), "/forum/moderering/", "/varsler/"):
        assert_inert(client.get(url).content.decode(), url)


def test_anonymous_visitors_read_public_but_not_private_categories(client, forum):
    services.create_thread(forum["kari"], forum["public"], "Åpen", "Alle kan lese")
    secret = services.create_thread(forum["kari"], forum["private"], "Hemmelig", "Bare gruppa")
    assert "Åpen" in client.get("/forum/generelt/").content.decode()
    assert client.get("/forum/brokgruppa/").status_code == 404
    assert client.get(secret.get_absolute_url()).status_code == 404
    assert "Brøkgruppas forum" not in client.get("/forum/").content.decode()
    response = client.post(secret.get_absolute_url(), {"body": "hei"})
    assert response.status_code in (302, 404)


@pytest.mark.parametrize("who, public_read, private_read, can_post, can_moderate", [
    ("anonymous", 200, 404, False, False),
    ("teacher", 200, 404, True, False),
    ("member", 200, 200, True, False),
    ("moderator", 200, 200, True, True),
])
def test_permission_matrix(client, forum, who, public_read, private_read, can_post, can_moderate):
    thread = services.create_thread(forum["kari"], forum["public"], "Matrise", "Start")
    private = services.create_thread(forum["kari"], forum["private"], "Privat", "Start")
    user = {"anonymous": None, "teacher": forum["outsider"], "member": forum["ola"], "moderator": forum["mod"]}[who]
    if user:
        client.force_login(user)
    assert client.get(thread.get_absolute_url()).status_code == public_read
    assert client.get(private.get_absolute_url()).status_code == private_read
    response = client.post(thread.get_absolute_url(), {"body": f"svar fra {who}"})
    assert (response.status_code == 302 and thread.posts.filter(body=f"svar fra {who}").exists()) == can_post
    queue = client.get("/forum/moderering/")
    assert (queue.status_code == 200) == can_moderate


def test_bad_reply_gets_a_message_and_a_400(client, forum):
    thread = services.create_thread(forum["kari"], forum["public"], "Tom", "Start")
    client.force_login(forum["ola"])
    response = client.post(thread.get_absolute_url(), {"body": "   "})
    assert response.status_code == 400
    assert "påkrevet" in response.content.decode()
    assert client.get("/forum/t/999999/").status_code == 404


def test_a_thread_of_500_posts_pages_with_a_constant_number_of_queries(client, forum, settings):
    settings.STAFFROOM_FORUM_POST_RATE = (100000, 60.0)
    thread = services.create_thread(forum["kari"], forum["public"], "Lang tråd", "Start")
    from forums.models import Post
    from forums.rendering import render_markdown

    Post.objects.bulk_create([Post(thread=thread, author=forum["ola"] if n % 2 else forum["kari"],
                                   body=f"innlegg {n}", body_html=render_markdown(f"innlegg {n}"))
                              for n in range(499)])
    client.force_login(forum["ola"])
    counts = []
    for page in (1, 5, 10):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"{thread.get_absolute_url()}?page={page}").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert len(set(counts)) == 1, counts


def test_moderators_see_feedback_counts_per_module(client, forum, site_tree):
    from staffroom.models import ModulePage

    module = ModulePage.objects.first()
    thread = services.discussion_for_module(module, create=True)
    services.reply(forum["ola"], thread, "Jeg la merke til noe", feedback_kind="noticed")
    services.reply(forum["kari"], thread, "Jeg lurer på noe", feedback_kind="wonder")
    client.force_login(forum["mod"])
    html = client.get("/forum/moderering/").content.decode()
    assert module.title in html and "Jeg la merke til …" in html
    assert client.get(module.url).content.decode().count(thread.get_absolute_url()) >= 1


def test_quote_prefills_the_reply_and_mentions_autocomplete_for_members(client, forum):
    thread = services.create_thread(forum["kari"], forum["public"], "Sitat", "Tallinjen virker godt")
    post = thread.posts.get()
    client.force_login(forum["ola"])
    html = client.get(f"{thread.get_absolute_url()}?quote={post.pk}").content.decode()
    assert "&gt; Tallinjen virker godt" in html
    assert client.get("/forum/api/mentions?q=ka").json()["results"][0]["username"] == "kari"
    client.logout()
    assert client.get("/forum/api/mentions?q=ka").status_code == 401


def test_header_shows_the_unread_count_and_moderators_move_threads(client, forum):
    from forums.models import Category

    thread = services.create_thread(forum["kari"], forum["public"], "Flytt meg", "Start")
    services.reply(forum["ola"], thread, "Svar til kari")
    client.force_login(forum["kari"])
    assert '<span id="unread-count">1</span>' in client.get("/forum/").content.decode()
    other = Category.objects.create(name="Annet", slug="annet")
    client.force_login(forum["mod"])
    client.post(f"/forum/t/{thread.pk}/moderer/", {"action": "move", "category": other.pk})
    thread.refresh_from_db()
    assert thread.category == other
    from forums.models import ModerationLog

    assert ModerationLog.objects.filter(action="move", thread=thread).exists()
