"""The open course material: home page, course index, courses and modules."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, HelpPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

SUBJECTS = [
    ("matematikk", _("Matematikk")),
    ("norsk", _("Norsk")),
    ("naturfag", _("Naturfag")),
    ("engelsk", _("Engelsk")),
    ("samfunnsfag", _("Samfunnsfag")),
    ("tverrfaglig", _("Tverrfaglig")),
]


from staffroom.pagecache import CacheablePage  # noqa: E402


class HomePage(CacheablePage, Page):
    intro = RichTextField(_("ingress"), blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    subpage_types = ["staffroom.CourseIndexPage", "ideabank.IdeaBankIndexPage"]
    max_count = 1

    class Meta:
        verbose_name = _("forside")

    def route(self, request, path_components):
        """The page at a path in two queries (none when the render cache has the
        page), not two per level of the tree.

        Wagtail walks from here with a child lookup and a `.specific` per level, and a
        module page is four levels down. One query fetches every page along the path by
        its URL path; the walk stays for anything else: a path that is not a chain of
        pages (a routable page's own routes, such as the idea bank's tag pages) or one
        that passes through a routable page, whose routes come before its children."""
        from django.contrib.contenttypes.models import ContentType
        from wagtail.contrib.routable_page.models import RoutablePageMixin

        from staffroom import pagecache

        if not path_components:
            return super().route(request, path_components)
        known = pagecache.cached_route(request)
        if known is not None:
            return known.route(request, [])
        wanted = [f"{self.url_path}{'/'.join(path_components[:n])}/" for n in range(1, len(path_components) + 1)]
        chain = {p.url_path: p for p in Page.objects.filter(url_path__in=wanted, path__startswith=self.path)
                 .only("id", "path", "url_path", "content_type_id")}
        if len(chain) == len(wanted) and not any(
            issubclass(ContentType.objects.get_for_id(chain[url].content_type_id).model_class(), RoutablePageMixin)
            for url in wanted[:-1]
        ):
            page = chain[wanted[-1]].specific
            found = page.route(request, [])
            pagecache.remember_route(request, page)
            return found
        return super().route(request, path_components)

    def get_context(self, request, *args, **kwargs):
        from staffroom import progress

        context = super().get_context(request, *args, **kwargs)
        context["courses"] = CoursePage.objects.live().public().specific()[:6]
        context["continue_at"] = progress.continue_where_left(request)
        from ideabank.models import IdeaPage

        context["ideas"] = IdeaPage.objects.live().public().order_by("-first_published_at")[:3]
        return context


class CourseIndexPage(CacheablePage, Page):
    intro = RichTextField(_("ingress"), blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["staffroom.HomePage"]
    subpage_types = ["staffroom.CoursePage"]

    class Meta:
        verbose_name = _("kursoversikt")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["courses"] = CoursePage.objects.child_of(self).live().public()
        return context


class CoursePage(CacheablePage, Page):
    subject = models.CharField(_("fag"), max_length=40, choices=SUBJECTS, default="matematikk")
    grade_bands = models.CharField(
        _("trinn"), max_length=40, blank=True,
        help_text=_("Kommaseparert: 1-4, 5-7, 8-10, vgs"),
    )
    goals = RichTextField(_("mål"), blank=True, features=["bold", "italic", "ul", "ol", "link"])
    estimated_hours = models.PositiveIntegerField(_("beregnet tid (timer)"), default=10)
    introduction = RichTextField(_("introduksjon"), blank=True, features=["bold", "italic", "ul", "ol", "link"])
    literature_refs = models.ManyToManyField("staffroom.LiteratureReference", blank=True,
                                             verbose_name=_("litteratur"))
    no_credit_note = models.CharField(
        _("merknad om studiepoeng"), max_length=300,
        default="Kurset er åpent for alle. Det gir ingen studiepoeng og krever ingen påmelding.",
    )

    content_panels = Page.content_panels + [
        HelpPanel(content=_("Et kurs bør ha 3–5 moduler.")),
        FieldPanel("subject"),
        FieldPanel("grade_bands"),
        FieldPanel("goals"),
        FieldPanel("estimated_hours"),
        FieldPanel("introduction"),
        FieldPanel("literature_refs"),
        FieldPanel("no_credit_note"),
    ]
    parent_page_types = ["staffroom.CourseIndexPage"]
    subpage_types = ["staffroom.ModulePage"]

    class Meta:
        verbose_name = _("kurs")
        verbose_name_plural = _("kurs")

    def modules(self):
        return ModulePage.objects.child_of(self).live().public().specific()

    def module_count_warning(self) -> str:
        n = ModulePage.objects.child_of(self).count()
        if n < 3 or n > 5:
            return _("Kurset har %(n)d moduler. Et kurs bør ha 3–5 moduler.") % {"n": n}
        return ""

    def get_context(self, request, *args, **kwargs):
        from staffroom import progress

        context = super().get_context(request, *args, **kwargs)
        modules = list(self.modules())
        context["modules"] = modules
        context["progress"] = progress.course_progress(request, self, modules)
        return context


# --- reusable snippets -------------------------------------------------------------

from django.core.exceptions import ValidationError  # noqa: E402
from modelcluster.fields import ParentalKey  # noqa: E402
from modelcluster.models import ClusterableModel  # noqa: E402
from wagtail.admin.panels import InlinePanel, MultiFieldPanel  # noqa: E402
from wagtail.images.blocks import ImageChooserBlock  # noqa: E402
from wagtail.models import Orderable, RevisionMixin  # noqa: E402
from wagtail.snippets.blocks import SnippetChooserBlock  # noqa: E402

ALLOWED_VIDEO_HOSTS = ("www.youtube-nocookie.com", "player.vimeo.com", "www.nrk.no", "tv.nrk.no")


class LiteratureReference(models.Model):
    authors = models.CharField(_("forfattere"), max_length=300)
    title = models.CharField(_("tittel"), max_length=300)
    year = models.PositiveIntegerField(_("år"), null=True, blank=True)
    publisher = models.CharField(_("utgiver / tidsskrift"), max_length=200, blank=True)
    url = models.URLField(_("lenke"), blank=True)

    panels = [FieldPanel("authors"), FieldPanel("title"), FieldPanel("year"), FieldPanel("publisher"),
              FieldPanel("url")]

    class Meta:
        verbose_name = _("litteraturreferanse")
        verbose_name_plural = _("litteraturreferanser")
        ordering = ["authors", "year"]

    def __str__(self) -> str:
        year = f" ({self.year})" if self.year else ""
        return f"{self.authors}{year}: {self.title}"


def validate_vtt(file) -> None:
    head = file.read(16)
    file.seek(0)
    if not head.lstrip(b"\xef\xbb\xbf").startswith(b"WEBVTT"):
        raise ValidationError(_("Tekstingsfilen må være WebVTT (begynne med «WEBVTT»)."))


def validate_video_file(file) -> None:
    name = file.name.lower()
    if not name.endswith((".mp4", ".webm")):
        raise ValidationError(_("Videofilen må være MP4 eller WebM."))
    if file.size > 500 * 1024 * 1024:
        raise ValidationError(_("Videofilen er for stor (høyst 500 MB)."))


class Video(ClusterableModel):
    title = models.CharField(_("tittel"), max_length=200)
    file = models.FileField(_("videofil"), upload_to="videos/", blank=True, validators=[validate_video_file])
    embed_url = models.URLField(
        _("innebyggingslenke"), blank=True,
        help_text=_("Bare fra godkjente tjenester: %(hosts)s") % {"hosts": ", ".join(ALLOWED_VIDEO_HOSTS)},
    )
    captions = models.FileField(_("teksting (WebVTT)"), upload_to="captions/", blank=True,
                                validators=[validate_vtt])
    captions_language = models.CharField(_("språk i tekstingen"), max_length=8, default="nb")
    transcript = models.TextField(_("transkripsjon"), blank=True)
    chapters = models.TextField(
        _("kapitler"), blank=True,
        help_text=_("Ett kapittel per linje: «mm:ss Tittel», for eksempel «02:30 Elevene prøver selv»."),
    )
    duration_seconds = models.PositiveIntegerField(_("lengde (sekunder)"), default=0)

    panels = [
        FieldPanel("title"),
        MultiFieldPanel([FieldPanel("file"), FieldPanel("embed_url")], heading=_("Kilde")),
        MultiFieldPanel([FieldPanel("captions"), FieldPanel("captions_language"), FieldPanel("transcript")],
                        heading=_("Tilgjengelighet")),
        FieldPanel("chapters"),
        FieldPanel("duration_seconds"),
        InlinePanel("questions", label=_("Spørsmål underveis (interaktiv video)")),
    ]

    class Meta:
        verbose_name = _("video")
        verbose_name_plural = _("videoer")

    def __str__(self) -> str:
        return self.title

    def clean(self):
        if not self.file and not self.embed_url:
            raise ValidationError(_("Last opp en videofil eller oppgi en innebyggingslenke."))
        if self.embed_url:
            from urllib.parse import urlparse

            parsed = urlparse(self.embed_url)
            if parsed.scheme != "https" or parsed.hostname not in ALLOWED_VIDEO_HOSTS:
                raise ValidationError({"embed_url": _("Videoen må komme fra en godkjent tjeneste over https.")})

    @property
    def is_captioned(self) -> bool:
        return bool(self.captions)

    def chapter_list(self) -> list[dict]:
        out = []
        for line in self.chapters.splitlines():
            stamp, _sep, title = line.strip().partition(" ")
            try:
                minutes, seconds = stamp.split(":")
                out.append({"start": int(minutes) * 60 + int(seconds), "title": title.strip(), "label": stamp})
            except ValueError:
                continue
        return out


class VideoQuestion(Orderable):
    video = ParentalKey(Video, on_delete=models.CASCADE, related_name="questions")
    at_seconds = models.PositiveIntegerField(_("tidspunkt (sekunder)"))
    question = models.ForeignKey("staffroom.QuizQuestion", on_delete=models.CASCADE, related_name="+",
                                 verbose_name=_("spørsmål"))

    panels = [FieldPanel("at_seconds"), FieldPanel("question")]


class Quiz(RevisionMixin, ClusterableModel):
    title = models.CharField(_("tittel"), max_length=200)
    intro = models.TextField(_("innledning"), blank=True)
    pass_mark = models.PositiveIntegerField(_("beståttgrense (%)"), default=80)
    is_published = models.BooleanField(_("publisert"), default=True)

    panels = [FieldPanel("title"), FieldPanel("intro"), FieldPanel("pass_mark"), FieldPanel("is_published"),
              InlinePanel("questions", label=_("Spørsmål"), min_num=1)]

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quizer")

    def __str__(self) -> str:
        return self.title


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Ett riktig svar")
    MULTIPLE = "multiple", _("Flere riktige svar")
    NUMERIC = "numeric", _("Tall (med toleranse)")
    RATIONAL = "rational", _("Brøk eller desimaltall")
    TEXT = "text", _("Kort tekst")


class QuizQuestion(Orderable):
    quiz = ParentalKey(Quiz, on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField(_("type"), max_length=20, choices=QuestionKind.choices, default=QuestionKind.SINGLE)
    prompt = models.TextField(_("spørsmål"))
    choices = models.TextField(
        _("svaralternativer"), blank=True,
        help_text=_("Ett alternativ per linje. Merk riktige med * først. Tilbakemelding etter |, "
                    "for eksempel «* 3/4 | Riktig, tre av fire deler.»"),
    )
    answer = models.CharField(
        _("riktig svar"), max_length=200, blank=True,
        help_text=_("For tall og brøk: verdien (3/4, 0,75 eller 1 1/2). For tekst: godkjente svar "
                    "atskilt med semikolon."),
    )
    tolerance = models.DecimalField(_("toleranse"), max_digits=12, decimal_places=6, default=0)
    feedback_correct = models.CharField(_("tilbakemelding ved riktig svar"), max_length=300, blank=True)
    feedback_wrong = models.CharField(_("tilbakemelding ved feil svar"), max_length=300, blank=True)

    panels = [FieldPanel("kind"), FieldPanel("prompt"), FieldPanel("choices"), FieldPanel("answer"),
              FieldPanel("tolerance"), FieldPanel("feedback_correct"), FieldPanel("feedback_wrong")]

    def __str__(self) -> str:
        return f"{self.quiz.title}: {self.prompt[:60]}"

    def parsed_choices(self) -> list[dict]:
        out = []
        for index, line in enumerate(x for x in self.choices.splitlines() if x.strip()):
            text, _sep, feedback = line.partition("|")
            text = text.strip()
            correct = text.startswith("*")
            out.append({"index": index, "text": text.lstrip("*").strip(), "correct": correct,
                        "feedback": feedback.strip()})
        return out

    def public_choices(self) -> list[dict]:
        """What the page may show: never which option is correct."""
        return [{"index": c["index"], "text": c["text"]} for c in self.parsed_choices()]

    def clean(self):
        if self.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            parsed = self.parsed_choices()
            if len(parsed) < 2 or not any(c["correct"] for c in parsed):
                raise ValidationError({"choices": _("Skriv minst to alternativer og merk de riktige med *.")})
        elif not self.answer.strip():
            raise ValidationError({"answer": _("Oppgi det riktige svaret.")})
        if self.kind == QuestionKind.RATIONAL:
            from staffroom.grading import parse_number

            try:
                parse_number(self.answer)
            except ValueError as exc:
                raise ValidationError({"answer": str(exc)}) from None


# --- module page -----------------------------------------------------------------

STUDY_TASK_KINDS = [
    ("collaborate", _("Samarbeid digitalt")),
    ("try_in_class", _("Prøv i egen klasse")),
    ("digital_tool", _("Bruk et digitalt verktøy")),
    ("assess", _("Vurder digitalt")),
]


class VideoBlockBase(blocks.StructBlock):
    video = SnippetChooserBlock("staffroom.Video", label=_("video"))


class IntroVideoBlock(VideoBlockBase):
    inspiration = blocks.RichTextBlock(label=_("inspirasjon"), features=["bold", "italic", "link"])
    goals = blocks.RichTextBlock(label=_("modulens mål"), features=["ul", "ol", "bold", "italic"])
    literature = blocks.ListBlock(SnippetChooserBlock("staffroom.LiteratureReference"),
                                  label=_("anbefalt litteratur"), required=False)
    minutes = blocks.IntegerBlock(label=_("tidsbruk (minutter)"), min_value=1, max_value=600)

    class Meta:
        template = "staffroom/blocks/intro_video.html"
        label = _("Introvideo")
        icon = "media"


class GuidanceVideoBlock(VideoBlockBase):
    literature = blocks.ListBlock(SnippetChooserBlock("staffroom.LiteratureReference"),
                                  label=_("litteratur videoen guider gjennom"), required=False)

    class Meta:
        template = "staffroom/blocks/guidance_video.html"
        label = _("Veiledningsvideo")
        icon = "media"


class ClassroomCaseBlock(blocks.StructBlock):
    video = SnippetChooserBlock("staffroom.Video", required=False, label=_("film fra klasserommet"))
    text = blocks.RichTextBlock(required=False, label=_("tekst fra klasserommet"),
                                features=["bold", "italic", "ul", "ol", "link"])
    follow_up = blocks.ListBlock(blocks.TextBlock(label=_("oppgave")), label=_("oppfølgingsoppgaver"))

    class Meta:
        template = "staffroom/blocks/classroom_case.html"
        label = _("Klasseromseksempel")
        icon = "group"


class StudyTaskBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(choices=STUDY_TASK_KINDS, label=_("type oppgave"))
    instructions = blocks.RichTextBlock(label=_("instruksjoner"), features=["bold", "italic", "ul", "ol", "link"])

    class Meta:
        template = "staffroom/blocks/study_task.html"
        label = _("Studieoppgave")
        icon = "tasks"


class SummaryBlock(blocks.StructBlock):
    text = blocks.RichTextBlock(label=_("oppsummering"), features=["bold", "italic", "ul", "ol", "link"])

    class Meta:
        template = "staffroom/blocks/summary.html"
        label = _("Oppsummering")
        icon = "doc-full"


class CalloutBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("tittel"), max_length=120)
    text = blocks.RichTextBlock(label=_("tekst"), features=["bold", "italic", "link"])

    class Meta:
        template = "staffroom/blocks/callout.html"
        label = _("Faktaboks")
        icon = "warning"


class QuizBlock(blocks.StructBlock):
    quiz = SnippetChooserBlock("staffroom.Quiz", label=_("quiz"))

    class Meta:
        template = "staffroom/blocks/quiz.html"
        label = _("Quiz")
        icon = "help"


class LiteratureBlock(blocks.StructBlock):
    reference = SnippetChooserBlock("staffroom.LiteratureReference", label=_("referanse"))
    comment = blocks.CharBlock(required=False, max_length=300, label=_("kommentar"))

    class Meta:
        template = "staffroom/blocks/literature.html"
        label = _("Litteraturreferanse")
        icon = "openquote"


REQUIRED_MODULE_PARTS = {
    "intro_video": _("introvideo"),
    "guidance_video": _("veiledningsvideo"),
    "classroom_case": _("klasseromseksempel"),
    "study_task": _("studieoppgave"),
    "summary": _("oppsummering"),
}


class ModulePage(CacheablePage, Page):
    lead = models.CharField(_("ingress"), max_length=300, blank=True)
    body = StreamField(
        [
            ("intro_video", IntroVideoBlock()),
            ("guidance_video", GuidanceVideoBlock()),
            ("classroom_case", ClassroomCaseBlock()),
            ("study_task", StudyTaskBlock()),
            ("summary", SummaryBlock()),
            ("text", blocks.RichTextBlock(features=["h2", "h3", "bold", "italic", "ul", "ol", "link"],
                                          label=_("tekst"), template="staffroom/blocks/text.html")),
            ("image", blocks.StructBlock([
                ("image", ImageChooserBlock()),
                ("alt", blocks.CharBlock(label=_("alternativ tekst"), max_length=200)),
                ("caption", blocks.CharBlock(required=False, max_length=200)),
            ], label=_("bilde"), template="staffroom/blocks/image.html")),
            ("callout", CalloutBlock()),
            ("quiz", QuizBlock()),
            ("literature", LiteratureBlock()),
        ],
        use_json_field=True, blank=True, verbose_name=_("innhold"),
    )

    content_panels = Page.content_panels + [FieldPanel("lead"), FieldPanel("body")]
    parent_page_types = ["staffroom.CoursePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("modul")
        verbose_name_plural = _("moduler")

    def part_types(self) -> set[str]:
        """The block types in the body, read from the stored data: no snippet queries."""
        return {block["type"] for block in self.body.raw_data}

    def quiz_ids(self) -> list[int]:
        return [block["value"]["quiz"] for block in self.body.raw_data
                if block["type"] == "quiz" and block["value"].get("quiz")]

    def missing_parts(self) -> list[str]:
        present = self.part_types()
        return [str(label) for key, label in REQUIRED_MODULE_PARTS.items() if key not in present]

    def videos(self) -> list[Video]:
        out = []
        for block in self.body:
            video = block.value.get("video") if hasattr(block.value, "get") else None
            if video is not None:
                out.append(video)
        return out

    def uncaptioned_videos(self) -> list[Video]:
        return [v for v in self.videos() if not v.is_captioned]

    def course(self) -> CoursePage:
        # The parent is a course page (parent_page_types): one query, not two.
        return CoursePage.objects.get(path=self.path[: -self.steplen])

    def render_body(self, request) -> str:
        """The blocks as HTML, the same for every viewer. Constant queries whatever
        the number of blocks: every video's questions and every quiz's questions in
        one query each."""
        from django.db.models import prefetch_related_objects
        from django.template.loader import render_to_string

        videos = self.videos()
        quizzes = [b.value["quiz"] for b in self.body if b.block_type == "quiz" and b.value.get("quiz")]
        if videos:
            prefetch_related_objects(videos, "questions__question")
        if quizzes:
            prefetch_related_objects(quizzes, "questions")
        return render_to_string("staffroom/_module_body.html", {"page": self, "request": request})

    def render_breadcrumb(self, request) -> str:
        from django.template.loader import render_to_string

        return render_to_string("staffroom/_module_breadcrumb.html", {"request": request, "course": self.course()})

    def render_siblings(self, request) -> str:
        """The course's modules. A viewer who may read this module may read what its
        ancestors allow, so only a module with a view restriction of its own is left
        out: the list is the same for every viewer."""
        from django.template.loader import render_to_string

        siblings = (ModulePage.objects.sibling_of(self).live().filter(view_restrictions__isnull=True)
                    .only("id", "title", "url_path"))
        return render_to_string("staffroom/_module_siblings.html", {"page": self, "request": request,
                                                                    "siblings": siblings})

    def get_context(self, request, *args, **kwargs):
        from staffroom import progress
        from staffroom.pagecache import shared_fragments

        context = super().get_context(request, *args, **kwargs)
        renderers = {"body": self.render_body, "breadcrumb": self.render_breadcrumb, "siblings": self.render_siblings}
        fragments = shared_fragments(request, {f"module-{part}:{self.pk}": (lambda r=render: r(request))
                                               for part, render in renderers.items()})
        for part in renderers:
            context[f"{part}_html"] = fragments[f"module-{part}:{self.pk}"]
        context["module_progress"] = progress.module_progress(request, self)
        try:
            from forums.services import discussion_for_module

            context["discussion"] = discussion_for_module(self)
        except Exception:  # noqa: BLE001 - the forum beside the module is optional
            context["discussion"] = None
        return context


# --- drop-in progress ------------------------------------------------------------

from django.conf import settings as _settings  # noqa: E402
from django.utils import timezone  # noqa: E402


class ModuleVisit(models.Model):
    """A signed-in teacher opened a module; `parts` lists the block types seen."""

    user = models.ForeignKey(_settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="module_visits")
    module = models.ForeignKey(ModulePage, on_delete=models.CASCADE, related_name="visits")
    first_opened_at = models.DateTimeField(default=timezone.now)
    last_opened_at = models.DateTimeField(default=timezone.now)
    parts = models.JSONField(default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "module"], name="one_visit_row_per_module")]


class QuizAttempt(models.Model):
    user = models.ForeignKey(_settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts")
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="attempts")
    module = models.ForeignKey(ModulePage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    answers = models.JSONField(default=dict)
    score = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    passed = models.BooleanField(default=False)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-finished_at"]
