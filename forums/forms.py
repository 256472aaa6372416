from django import forms

from .models import FeedbackKind


class ThreadForm(forms.Form):
    title = forms.CharField(label="Tittel", max_length=200)
    body = forms.CharField(label="Innlegg", widget=forms.Textarea(attrs={"rows": 6}), max_length=20_000,
                           help_text="Du kan bruke Markdown: **fet**, *kursiv*, lister, > sitat og @brukernavn.")
    is_question = forms.BooleanField(label="Dette er et spørsmål", required=False)


class ReplyForm(forms.Form):
    body = forms.CharField(label="Svar", widget=forms.Textarea(attrs={"rows": 5}), max_length=20_000,
                           help_text="Markdown er lov. Nevn noen med @brukernavn.")
    feedback_kind = forms.ChoiceField(label="Type tilbakemelding (valgfritt)", required=False,
                                      choices=[("", "Ingen")] + list(FeedbackKind.choices))
    quote = forms.IntegerField(required=False, widget=forms.HiddenInput)


class EditForm(forms.Form):
    body = forms.CharField(label="Innlegg", widget=forms.Textarea(attrs={"rows": 6}), max_length=20_000)


class FlagForm(forms.Form):
    reason = forms.CharField(label="Hvorfor melder du innlegget?", max_length=300)


class BanForm(forms.Form):
    days = forms.IntegerField(label="Antall dager", min_value=1, max_value=365)
    reason = forms.CharField(label="Begrunnelse", max_length=300)
