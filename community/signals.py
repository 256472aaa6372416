"""Profiles for new accounts, and what a FEIDE sign-in tells us about the member."""

from allauth.account.signals import user_signed_up
from allauth.socialaccount.signals import social_account_added, social_account_updated
from django.dispatch import receiver

FEIDE = "feide"  # the provider_id of the OpenID Connect app in settings


def _claims(sociallogin) -> dict:
    data = sociallogin.account.extra_data or {}
    return data.get("userinfo") or data.get("id_token") or data


@receiver(user_signed_up)
def create_profile(sender, request, user, **kwargs):
    from . import services

    services.ensure_profile(user)
    sociallogin = kwargs.get("sociallogin")
    if sociallogin is not None and sociallogin.account.provider == FEIDE:
        services.apply_feide_claims(user, _claims(sociallogin))


@receiver(social_account_added)
@receiver(social_account_updated)
def feide_connected(sender, request, sociallogin, **kwargs):
    """A local account connected to FEIDE (same verified e-mail), or a later sign-in."""
    from . import services

    if sociallogin.account.provider == FEIDE and sociallogin.user.pk:
        services.apply_feide_claims(sociallogin.user, _claims(sociallogin))
