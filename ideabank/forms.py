from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community.models import GRADE_BANDS
from staffroom.models import SUBJECTS

from .models import LANGUAGES, LICENCES, CompetenceAim

MAX_IMAGE_BYTES = 5 * 1024 * 1024


class IdeaForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    title = forms.CharField(label=gettext_lazy("Tittel"), max_length=200)
    summary = forms.CharField(label=gettext_lazy("Kort sammendrag"), max_length=600, widget=forms.Textarea(attrs={"rows": 3}))
    steps = forms.CharField(label=gettext_lazy("Slik gjør du"), widget=forms.Textarea(attrs={"rows": 6}), max_length=10_000,
                            help_text=gettext_lazy("Ett steg per avsnitt (tom linje mellom stegene)."))
    materials = forms.CharField(label=gettext_lazy("Materiell"), required=False, max_length=2000,
                                widget=forms.Textarea(attrs={"rows": 3}), help_text=gettext_lazy("Ett per linje."))
    subject = forms.ChoiceField(label=gettext_lazy("Fag"), choices=SUBJECTS)
    grade_bands = forms.MultipleChoiceField(label=gettext_lazy("Trinn"), choices=GRADE_BANDS, widget=forms.CheckboxSelectMultiple)
    tags = forms.CharField(label=gettext_lazy("Emneord"), required=False, max_length=400,
                           help_text=gettext_lazy("Skill med komma, for eksempel: brøk, tallinje"),
                           widget=forms.TextInput(attrs={"list": "tag-suggestions", "autocomplete": "off"}))
    competence_aims = forms.ModelMultipleChoiceField(label=gettext_lazy("Kompetansemål (LK20)"), required=False,
                                                     queryset=CompetenceAim.objects.all(), to_field_name="code")
    time_minutes = forms.IntegerField(label=gettext_lazy("Tidsbruk (minutter)"), required=False, min_value=1, max_value=2000)
    digital_tools = forms.CharField(label=gettext_lazy("Digitale verktøy"), required=False, max_length=300)
    language = forms.ChoiceField(label=gettext_lazy("Språk"), choices=LANGUAGES)
    licence = forms.ChoiceField(label=gettext_lazy("Lisens"), choices=LICENCES, initial="CC-BY-4.0")
    school = forms.CharField(label=gettext_lazy("Skole (valgfritt)"), required=False, max_length=200)
    image = forms.ImageField(label=gettext_lazy("Bilde (valgfritt)"), required=False)
    image_alt = forms.CharField(label=gettext_lazy("Beskrivelse av bildet"), required=False, max_length=200)

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if image:
            if image.size > MAX_IMAGE_BYTES:
                raise forms.ValidationError(_("Bildet er for stort (høyst 5 MB)."))
            if getattr(image, "content_type", "") not in ("image/jpeg", "image/png", "image/webp"):
                raise forms.ValidationError(_("Bildet må være JPEG, PNG eller WebP."))
        return image

    def clean(self):
        data = super().clean()
        if data.get("image") and not data.get("image_alt"):
            self.add_error("image_alt", _("Beskriv bildet for dem som ikke ser det."))
        return data


class TriedForm(forms.Form):
    grade_band = forms.ChoiceField(label=gettext_lazy("Trinn"), choices=GRADE_BANDS)
    minutes_used = forms.IntegerField(label=gettext_lazy("Tidsbruk (minutter)"), min_value=1, max_value=2000)
    what_happened = forms.CharField(label=gettext_lazy("Hva skjedde?"), max_length=3000, widget=forms.Textarea(attrs={"rows": 4}))
    would_change = forms.CharField(label=gettext_lazy("Hva ville du endret?"), required=False, max_length=3000,
                                   widget=forms.Textarea(attrs={"rows": 3}))
