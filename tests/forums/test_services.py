import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from forums import services
from forums.models import Post, ThreadEvent

pytestmark = pytest.mark.django_db


def test_reply_is_stored_with_a_sequenced_event_and_notifies_followers_not_the_author(forum):
    thread = services.create_thread(forum["kari"], forum["public"], "Tallinje", "Hvem har prøvd?")
    post = services.reply(forum["ola"], thread, "Jeg! Det gikk fint, @kari.", feedback_kind="will_try")
    events = list(ThreadEvent.objects.filter(thread=thread).values_list("seq", "kind"))
    assert events == [(1, "post.new"), (2, "post.new")]
    assert post.get_feedback_kind_display() == "Jeg vil prøve …"
    kinds = list(forum["kari"].notifications.values_list("kind", flat=True))
    assert kinds == ["forum.mention"]  # a mention, not also a reply notice
    assert not forum["ola"].notifications.exists()


def test_muted_thread_sends_no_notifications(forum):
    thread = services.create_thread(forum["kari"], forum["public"], "Dempet", "Start")
    services.set_subscription(forum["kari"], thread=thread, level="mute")
    services.reply(forum["ola"], thread, "Svar")
    assert not forum["kari"].notifications.exists()


def test_empty_oversized_and_locked_are_refused_and_nothing_is_stored(forum, settings):
    thread = services.create_thread(forum["kari"], forum["public"], "Tråd", "Første")
    with pytest.raises(ValidationError, match="tomt"):
        services.reply(forum["ola"], thread, "   ")
    with pytest.raises(ValidationError, match="for langt"):
        services.reply(forum["ola"], thread, "x" * (settings.STAFFROOM_FORUM_MAX_LENGTH + 1))
    services.set_thread_state(forum["mod"], thread, locked=True)
    with pytest.raises(PermissionDenied, match="låst"):
        services.reply(forum["ola"], thread, "Kan jeg?")
    assert Post.objects.filter(thread=thread).count() == 1


def test_rate_limit_and_duplicate_guard(forum, settings):
    settings.STAFFROOM_FORUM_POST_RATE = (3, 60.0)
    thread = services.create_thread(forum["kari"], forum["public"], "Rask", "1")
    services.reply(forum["kari"], thread, "2")
    with pytest.raises(ValidationError, match="nettopp skrevet det samme"):
        services.reply(forum["kari"], thread, "2")
    services.reply(forum["kari"], thread, "3")
    with pytest.raises(ValidationError, match="Vent litt"):
        services.reply(forum["kari"], thread, "4")
    services.reply(forum["ola"], thread, "Jeg er ikke berørt")


def test_flags_from_distinct_members_hide_the_post_automatically(forum, make_user, settings):
    settings.STAFFROOM_FORUM_AUTOHIDE_FLAGS = 3
    thread = services.create_thread(forum["kari"], forum["public"], "Meld", "Første")
    post = services.reply(forum["ola"], thread, "Noe upassende")
    services.flag_post(forum["kari"], post, "spam")
    services.flag_post(forum["kari"], post, "spam igjen")  # the same member counts once
    services.flag_post(forum["outsider"], post, "spam")
    post.refresh_from_db()
    assert not post.is_hidden
    services.flag_post(make_user("tredje"), post, "spam")
    post.refresh_from_db()
    assert post.is_hidden
    services.moderate_post(forum["mod"], post, False)
    post.refresh_from_db()
    assert not post.is_hidden
    assert post.flags.filter(resolved_at__isnull=True).count() == 0


def test_ban_stops_posting_until_it_ends(forum):
    thread = services.create_thread(forum["kari"], forum["public"], "Ban", "Første")
    services.ban_user(forum["mod"], forum["ola"], 3, "tøys")
    with pytest.raises(PermissionDenied, match="utestengt"):
        services.reply(forum["ola"], thread, "hei")
    with pytest.raises(PermissionDenied):
        services.ban_user(forum["kari"], forum["ola"], 3, "ikke moderator")


def test_new_accounts_first_posts_are_held_for_approval(forum, settings):
    settings.STAFFROOM_FORUM_HOLD_FIRST_POSTS = 1
    thread = services.create_thread(forum["mod"], forum["public"], "Hold", "Første")
    post = services.reply(forum["outsider"], thread, "Mitt første innlegg")
    assert post.is_held
    assert ThreadEvent.objects.filter(thread=thread).count() == 1
    services.approve_held(forum["mod"], post)
    assert ThreadEvent.objects.filter(thread=thread).count() == 2
    second = services.reply(forum["outsider"], thread, "Andre innlegg")
    assert not second.is_held


def test_edit_keeps_history_inside_the_window_only(forum, settings):
    thread = services.create_thread(forum["kari"], forum["public"], "Endre", "skrivefeil")
    post = thread.posts.get()
    services.edit_post(forum["kari"], post, "rettet")
    assert list(post.revisions.values_list("body", flat=True)) == ["skrivefeil"]
    with pytest.raises(PermissionDenied):
        services.edit_post(forum["ola"], post, "ikke min")
    settings.STAFFROOM_FORUM_EDIT_WINDOW = 0
    with pytest.raises(PermissionDenied, match="Tiden"):
        services.edit_post(forum["kari"], post, "for sent")


def test_private_category_mentions_do_not_notify_outsiders(forum):
    thread = services.create_thread(forum["kari"], forum["private"], "Intern", "Hei @per og @ola")
    assert not forum["outsider"].notifications.exists()
    assert forum["ola"].notifications.filter(kind="forum.mention").exists()
    assert thread.category.is_private


def test_weekly_recap_sends_one_mail_with_mentions_and_replies(forum, mailoutbox):
    from django.core.management import call_command

    forum["kari"].profile.weekly_recap = True
    forum["kari"].profile.save()
    thread = services.create_thread(forum["kari"], forum["public"], "Ukens tråd", "Start")
    services.reply(forum["ola"], thread, "Svar 1")
    services.reply(forum["outsider"], thread, "Svar 2 til @kari <script>alert(1)</script>")
    call_command("forum_recap", stdout=open("/dev/null", "w"))
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["kari@example.org"]
    assert "Ukens tråd" in mail.body and "nevnte deg" in mail.body
    html = mail.alternatives[0][0]
    assert "<script>" not in html
