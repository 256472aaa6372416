from django import forms
from django.utils.translation import gettext_lazy

from .models import FeedbackKind


class ThreadForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Tittel"), max_length=200)
    body = forms.CharField(label=gettext_lazy("Innlegg"), widget=forms.Textarea(attrs={"rows": 6}), max_length=20_000,
                           help_text=gettext_lazy("Du kan bruke Markdown: **fet**, *kursiv*, lister, > sitat og @brukernavn."))
    is_question = forms.BooleanField(label=gettext_lazy("Dette er et spørsmål"), required=False)


class ReplyForm(forms.Form):
    body = forms.CharField(label=gettext_lazy("Svar"), widget=forms.Textarea(attrs={"rows": 5}), max_length=20_000,
                           help_text=gettext_lazy("Markdown er lov. Nevn noen med @brukernavn."))
    feedback_kind = forms.ChoiceField(label=gettext_lazy("Type tilbakemelding (valgfritt)"), required=False,
                                      choices=[("", gettext_lazy("Ingen"))] + list(FeedbackKind.choices))
    quote = forms.IntegerField(required=False, widget=forms.HiddenInput)


class EditForm(forms.Form):
    body = forms.CharField(label=gettext_lazy("Innlegg"), widget=forms.Textarea(attrs={"rows": 6}), max_length=20_000)


class FlagForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Hvorfor melder du innlegget?"), max_length=300)


class BanForm(forms.Form):
    days = forms.IntegerField(label=gettext_lazy("Antall dager"), min_value=1, max_value=365)
    reason = forms.CharField(label=gettext_lazy("Begrunnelse"), max_length=300)
