"""Password rules with messages in the interface's language (Django 5.2's bokmål
catalogue lacks the new wording of the length message, so teachers saw English)."""

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return ngettext("Passordet er for kort: det må ha minst %d tegn.",
                        "Passordet er for kort: det må ha minst %d tegn.", self.min_length) % self.min_length

    def get_help_text(self) -> str:
        return ngettext("Passordet må ha minst %(min_length)d tegn.",
                        "Passordet må ha minst %(min_length)d tegn.", self.min_length) % {
            "min_length": self.min_length}
