"""Every new account gets its profile (teacher role) when it signs up."""

from allauth.account.signals import user_signed_up
from django.dispatch import receiver


@receiver(user_signed_up)
def create_profile(sender, request, user, **kwargs):
    from .services import ensure_profile

    ensure_profile(user)
