"""The idea bank: classroom practices teachers share and editors publish."""

import unicodedata

from django.conf import settings
from django.db import models
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.fields import StreamField
from wagtail.images.blocks import ImageChooserBlock
from wagtail.models import Page
from wagtail.snippets.models import register_snippet

from community.models import GRADE_BANDS
from staffroom.models import SUBJECTS

LANGUAGES = [("nb", _("Bokmål")), ("nn", _("Nynorsk")), ("en", _("English"))]
LICENCES = [("CC-BY-4.0", "CC BY 4.0"), ("CC-BY-SA-4.0", "CC BY-SA 4.0")]


def normalise_tag(name: str) -> str:
    """`Brøk`, `brøk` and ` brøk ` are one tag (taggit#308: collations differ)."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())[:100]


@register_snippet
class CompetenceAim(models.Model):
    """A competence aim from the LK20 curriculum; editors maintain the list."""

    code = models.CharField(_("kode"), max_length=40, unique=True)
    text = models.TextField(_("tekst"))
    subject = models.CharField(_("fag"), max_length=40, choices=SUBJECTS, default="matematikk")
    grade_band = models.CharField(_("trinn"), max_length=10, choices=GRADE_BANDS, blank=True)

    panels = [FieldPanel("code"), FieldPanel("text"), FieldPanel("subject"), FieldPanel("grade_band")]

    class Meta:
        verbose_name = _("kompetansemål")
        verbose_name_plural = _("kompetansemål")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} – {self.text[:80]}"


class IdeaBankIndexPage(RoutablePageMixin, Page):
    intro = models.TextField(_("ingress"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["staffroom.HomePage"]
    subpage_types = ["ideabank.IdeaPage"]
    max_count = 1

    class Meta:
        verbose_name = _("idébank")

    def get_context(self, request, *args, **kwargs):
        from .listing import listing_context

        tag = kwargs.pop("tag", None)
        context = super().get_context(request, *args, **kwargs)
        context.update(listing_context(request, self, tag=tag))
        return context

    @path("emne/<path:tag>/", name="tag")
    def tag_page(self, request, tag: str):
        """One tag's ideas, at an address of its own (linked from every tag on the site)."""
        name = normalise_tag(tag)
        if not name:
            raise Http404
        return self.render(request, tag=name)


class IdeaPageTag(TaggedItemBase):
    content_object = ParentalKey("ideabank.IdeaPage", on_delete=models.CASCADE, related_name="tagged_items")


class StepBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=120, label=_("steg"))
    text = blocks.TextBlock(label=_("beskrivelse"))

    class Meta:
        template = "ideabank/blocks/step.html"
        icon = "list-ol"


class IdeaPage(Page):
    summary = models.TextField(_("sammendrag"), max_length=600)
    body = StreamField(
        [
            ("step", StepBlock()),
            ("materials", blocks.ListBlock(blocks.CharBlock(max_length=200), label=_("materiell"),
                                           template="ideabank/blocks/materials.html")),
            ("text", blocks.RichTextBlock(features=["bold", "italic", "ul", "ol", "link"], label=_("tekst"))),
            ("image", blocks.StructBlock([("image", ImageChooserBlock()),
                                          ("alt", blocks.CharBlock(max_length=200, label=_("alternativ tekst")))],
                                         template="ideabank/blocks/image.html")),
            ("attachment", DocumentChooserBlock(label=_("vedlegg"), template="ideabank/blocks/attachment.html")),
        ],
        use_json_field=True, blank=True, verbose_name=_("innhold"),
    )
    subject = models.CharField(_("fag"), max_length=40, choices=SUBJECTS, default="matematikk")
    grade_bands = models.JSONField(_("trinn"), default=list, blank=True)
    tags = ClusterTaggableManager(through=IdeaPageTag, blank=True)
    competence_aims = ParentalManyToManyField(CompetenceAim, blank=True, verbose_name=_("kompetansemål"))
    time_minutes = models.PositiveIntegerField(_("tidsbruk (minutter)"), null=True, blank=True)
    digital_tools = models.CharField(_("digitale verktøy"), max_length=300, blank=True)
    language = models.CharField(_("språk"), max_length=2, choices=LANGUAGES, default="nb")
    licence = models.CharField(_("lisens"), max_length=20, choices=LICENCES, default="CC-BY-4.0")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="ideas")
    author_name = models.CharField(_("forfatter"), max_length=200, blank=True)
    school = models.CharField(_("skole"), max_length=200, blank=True)
    inspired_by = models.ForeignKey("staffroom.ModulePage", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="inspired_ideas", verbose_name=_("inspirert av modul"))
    parent_idea = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="adaptations", verbose_name=_("tilpasset fra"))
    parent_revision = models.ForeignKey("wagtailcore.Revision", null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+")
    parent_title = models.CharField(max_length=255, blank=True)
    parent_author = models.CharField(max_length=200, blank=True)
    external_id = models.CharField(_("ekstern id"), max_length=200, blank=True, db_index=True)
    source_repo = models.CharField(max_length=300, blank=True)
    source_path = models.CharField(max_length=500, blank=True)
    tried_count = models.PositiveIntegerField(default=0, editable=False)

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("body"),
        MultiFieldPanel([FieldPanel("subject"), FieldPanel("grade_bands"), FieldPanel("tags"),
                         FieldPanel("competence_aims"), FieldPanel("language")], heading=_("Klassifisering")),
        MultiFieldPanel([FieldPanel("time_minutes"), FieldPanel("digital_tools"), FieldPanel("school"),
                         FieldPanel("inspired_by")], heading=_("Praktisk")),
        MultiFieldPanel([FieldPanel("licence"), FieldPanel("author_name"), FieldPanel("external_id", read_only=True)],
                        heading=_("Kilde og lisens")),
    ]
    parent_page_types = ["ideabank.IdeaBankIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("idé")
        verbose_name_plural = _("idéer")

    @property
    def display_author(self) -> str:
        if self.author_id and self.author:
            return self.author.public_name
        return self.author_name or str(_("Ukjent"))

    def grade_band_labels(self) -> list[str]:
        labels = dict(GRADE_BANDS)
        return [str(labels.get(g, g)) for g in self.grade_bands]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["reports"] = self.tried_reports.select_related("user").order_by("-created_at")[:50]
        context["adaptation_list"] = IdeaPage.objects.live().public().filter(parent_idea=self)
        from search.queries import more_like_this

        context["similar"] = more_like_this(self, request.user) if self.live else []
        context["my_collections"] = (Collection.objects.filter(owner=request.user)
                                     if request.user.is_authenticated else [])
        return context


class TriedReport(models.Model):
    """«Jeg har prøvd dette»: a teacher's report from their classroom."""

    idea = models.ForeignKey(IdeaPage, on_delete=models.CASCADE, related_name="tried_reports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tried_reports")
    grade_band = models.CharField(_("trinn"), max_length=10, choices=GRADE_BANDS)
    minutes_used = models.PositiveIntegerField(_("tidsbruk (minutter)"))
    what_happened = models.TextField(_("hva skjedde"), max_length=3000)
    would_change = models.TextField(_("hva ville du endret"), max_length=3000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]


class Collection(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="collections")
    name = models.CharField(_("navn"), max_length=120)
    ideas = models.ManyToManyField(IdeaPage, blank=True, related_name="collections")
    share_token = models.CharField(max_length=40, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]


class SubmissionToken(models.Model):
    """One row per submission form token: a double submit creates one draft."""

    token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    idea = models.ForeignKey(IdeaPage, null=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
