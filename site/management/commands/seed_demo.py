"""Writes the demo content: original Norwegian bokmål text, idempotent."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from wagtail.models import Page, Site

from staffroom import demo
from staffroom.editorial import REVIEWERS_GROUP, course_workflow

User = get_user_model()


def ensure_root() -> Page:
    """Wagtail's migrations make the root page and the root collection (where uploaded
    images go); a flushed database (tests) has neither."""
    from wagtail.models import Collection

    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    root = Page.get_first_root_node()
    if root is not None:
        return root
    from django.contrib.contenttypes.models import ContentType
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Locale

    locale, _ = Locale.objects.get_or_create(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
    return Page.add_root(title="Root", slug="root", locale=locale,
                         content_type=ContentType.objects.get_for_model(Page))


class Command(BaseCommand):
    help = "Creates (or updates) the demo site, users and content. Safe to run again."

    def handle(self, *args, **options):
        steps = [
            ("brukere", self.users),
            ("sider", self.pages),
            ("kurs", self.course),
            ("idéer", self.ideas),
            ("forum", self.forum),
            ("studiegruppe", self.group),
        ]
        for index, (label, step) in enumerate(steps, start=1):
            self.stdout.write(f"[{index}/{len(steps)}] {label} …", ending="")
            self.stdout.flush()
            with transaction.atomic():
                step()
            self.stdout.write(" ferdig")
        self.stdout.write(self.style.SUCCESS("Demoinnholdet er klart."))

    def users(self):
        from community.models import Profile, Role

        ensure_root()

        password = settings.STAFFROOM_DEMO_PASSWORD
        people = [
            ("redaktor", "Rita Redaktør", Role.EDITOR, "Solbakken skole"),
            ("moderator", "Mons Moderator", Role.MODERATOR, "Solbakken skole"),
            ("kari", "Kari Nordmann", Role.TEACHER, "Solbakken skole"),
            ("ola", "Ola Nordmann", Role.TEACHER, "Solbakken skole"),
        ]
        editors, _ = Group.objects.get_or_create(name="Editors")
        # Not Wagtail's own "Moderators" group: that one may publish every page. Forum
        # moderators moderate on the site (/forum/moderering/), not in the admin.
        moderators, _ = Group.objects.get_or_create(name="Forummoderatorer")
        # Editors curate the whole tree: add, edit and publish pages, use the admin.
        from django.contrib.auth.models import Permission
        from wagtail.models import GroupPagePermission

        root = Page.get_first_root_node()
        for codename in ("add_page", "change_page", "publish_page"):
            perm = Permission.objects.get(codename=codename, content_type__app_label="wagtailcore")
            GroupPagePermission.objects.get_or_create(group=editors, page=root, permission=perm)
        editors.permissions.add(Permission.objects.get(codename="access_admin"))
        for username, name, role, school in people:
            user, _ = User.objects.get_or_create(username=username, defaults={"email": f"{username}@example.org"})
            first, _sep, last = name.partition(" ")
            user.first_name, user.last_name, user.display_name = first, last, name
            user.email = f"{username}@example.org"
            user.set_password(password)
            user.is_staff = role in (Role.EDITOR, Role.MODERATOR)
            user.save()
            Profile.objects.update_or_create(user=user, defaults={"role": role, "school": school,
                                                                  "municipality": "Eksempelby",
                                                                  "subjects": "Matematikk"})
            if role == Role.EDITOR:
                user.groups.add(editors)
                user.groups.add(Group.objects.get_or_create(name=REVIEWERS_GROUP)[0])
            if role == Role.MODERATOR:
                user.groups.add(moderators)
                user.groups.remove(*Group.objects.filter(name="Moderators"))  # seeded there before
            from allauth.account.models import EmailAddress

            EmailAddress.objects.update_or_create(user=user, email=user.email,
                                                  defaults={"verified": True, "primary": True})

    def pages(self):
        from ideabank.models import IdeaBankIndexPage
        from staffroom.models import CourseIndexPage, HomePage

        root = Page.get_first_root_node()
        home = HomePage.objects.first()
        if home is None:
            # Replace Wagtail's welcome page with ours.
            for child in root.get_children():
                if child.specific_class is Page or child.slug == "home":
                    Site.objects.filter(root_page=child).delete()
                    child.delete()
            home = HomePage(title="Velkommen til Staffroom", slug="home", intro=demo.HOME_INTRO)
            root.add_child(instance=home)
            home.save_revision().publish()
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True,
                                site_name="Staffroom")
        elif site.root_page_id != home.pk:
            site.root_page = home
            site.save()
        if not CourseIndexPage.objects.exists():
            index = CourseIndexPage(title="Kurs", slug="kurs", intro=demo.COURSES_INTRO)
            home.add_child(instance=index)
            index.save_revision().publish()
        if not IdeaBankIndexPage.objects.exists():
            ideas = IdeaBankIndexPage(title="Idébank", slug="idebank", intro=demo.IDEABANK_INTRO)
            home.add_child(instance=ideas)
            ideas.save_revision().publish()

    def course(self):
        demo.build_course()
        course_workflow()

    def ideas(self):
        demo.build_ideas()

    def forum(self):
        demo.build_forum()

    def group(self):
        demo.build_group()


