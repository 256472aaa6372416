from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Profile, StudyGroup

MAX_AVATAR_BYTES = 2 * 1024 * 1024


class GroupForm(forms.ModelForm):
    class Meta:
        model = StudyGroup
        fields = ["name", "description", "kind", "school", "is_open"]


class MeetingForm(forms.ModelForm):
    next_meeting_at = forms.DateTimeField(
        label=_("Neste møte"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
    )

    class Meta:
        model = StudyGroup
        fields = ["next_meeting_at", "meeting_url", "agenda"]


class JoinCodeForm(forms.Form):
    code = forms.CharField(label=_("Invitasjonskode"), max_length=32)


class ProfileForm(forms.ModelForm):
    display_name = forms.CharField(label=_("Visningsnavn"), max_length=80, required=False)

    class Meta:
        model = Profile
        fields = ["school", "municipality", "subjects", "grade_bands", "bio", "avatar", "weekly_recap"]

    def clean_avatar(self):
        avatar = self.cleaned_data.get("avatar")
        if avatar and hasattr(avatar, "size"):
            if avatar.size > MAX_AVATAR_BYTES:
                raise forms.ValidationError(_("Bildet er for stort (høyst 2 MB)."))
            content_type = getattr(avatar, "content_type", "")
            if content_type and content_type not in ("image/jpeg", "image/png", "image/webp"):
                raise forms.ValidationError(_("Bildet må være JPEG, PNG eller WebP."))
        return avatar


