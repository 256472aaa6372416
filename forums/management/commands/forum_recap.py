"""Weekly recap: one mail per member who asked for it, with replies to their posts,
mentions and new posts in followed threads from the last 7 days."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.core.management.base import BaseCommand
from django.template.loader import render_to_string
from django.utils import timezone

from community.models import Notification


class Command(BaseCommand):
    help = "Sends the weekly forum recap e-mail to members who opted in."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7)

    def handle(self, *args, days, **options):
        since = timezone.now() - timedelta(days=days)
        User = get_user_model()
        members = User.objects.filter(profile__weekly_recap=True, is_active=True, is_deleted=False).exclude(email="")
        total = members.count()
        sent = 0
        for n, user in enumerate(members.iterator(), start=1):
            items = list(Notification.objects.filter(user=user, created_at__gte=since,
                                                     kind__in=("forum.reply", "forum.mention")).order_by("created_at"))
            if items:
                context = {"user": user, "mentions": [i for i in items if i.kind == "forum.mention"],
                           "replies": [i for i in items if i.kind == "forum.reply"],
                           "base_url": settings.WAGTAILADMIN_BASE_URL}
                send_mail("Ukeoppsummering fra Staffroom-forumet",
                          render_to_string("forums/recap.txt", context), None, [user.email],
                          html_message=render_to_string("forums/recap.html", context))
                sent += 1
            self.stdout.write(f"\r{n}/{total} medlemmer", ending="")
        self.stdout.write(f"\nSendte {sent} oppsummeringer.")
