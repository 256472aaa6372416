from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import permissions, services
from .forms import GroupForm, JoinCodeForm, MeetingForm
from .models import JoinRequest, Membership, StudyGroup


@login_required
def group_list(request):
    mine = StudyGroup.objects.filter(memberships__user=request.user).annotate(n=Count("memberships"))
    open_groups = (StudyGroup.objects.filter(is_open=True).exclude(memberships__user=request.user)
                   .annotate(n=Count("memberships")))
    return render(request, "community/group_list.html", {
        "mine": mine, "open_groups": open_groups, "join_form": JoinCodeForm(), "create_form": GroupForm(),
    })


@login_required
@require_POST
def group_create(request):
    form = GroupForm(request.POST)
    if not form.is_valid():
        return render(request, "community/group_list.html", {
            "mine": StudyGroup.objects.filter(memberships__user=request.user), "open_groups": [],
            "join_form": JoinCodeForm(), "create_form": form}, status=400)
    group = services.create_group(request.user, **{k: form.cleaned_data[k] for k in
                                                   ("name", "description", "kind", "school", "is_open")})
    messages.success(request, _("Gruppa er opprettet. Du er veileder."))
    return redirect(group.get_absolute_url())


@login_required
def group_detail(request, group_id: int):
    group = get_object_or_404(StudyGroup, pk=group_id)
    membership = permissions.membership(request.user, group)
    if not permissions.can_see_group_page(group, membership):
        raise Http404
    context = {
        "group": group, "membership": membership,
        "members": Membership.objects.filter(group=group).select_related("user"),
        "is_facilitator": bool(membership and membership.role == "facilitator"),
        "pending": (JoinRequest.objects.filter(group=group, status="pending").select_related("user")
                    if membership and membership.role == "facilitator" else []),
        "meeting_form": MeetingForm(instance=group),
        "invites": group.invites.filter(created_by=request.user) if membership else [],
    }
    return render(request, "community/group_detail.html", context)


@login_required
@require_POST
def group_join(request):
    form = JoinCodeForm(request.POST)
    if form.is_valid():
        try:
            membership = services.join_with_invite(request.user, form.cleaned_data["code"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("community:group_list")
        messages.success(request, _("Velkommen til %(group)s!") % {"group": membership.group.name})
        return redirect(membership.group.get_absolute_url())
    messages.error(request, _("Skriv inn invitasjonskoden."))
    return redirect("community:group_list")


@login_required
@require_POST
def group_request(request, group_id: int):
    group = get_object_or_404(StudyGroup, pk=group_id)
    try:
        services.request_to_join(request.user, group, request.POST.get("message", ""))
        messages.success(request, _("Forespørselen er sendt til veilederen."))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect(group.get_absolute_url())


@login_required
@require_POST
def group_decide(request, group_id: int, request_id: int):
    req = get_object_or_404(JoinRequest, pk=request_id, group_id=group_id)
    try:
        services.decide_join_request(request.user, req, request.POST.get("decision") == "approve")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(req.group.get_absolute_url())


@login_required
@require_POST
def group_invite(request, group_id: int):
    group = get_object_or_404(StudyGroup, pk=group_id)
    invite = services.create_invite(request.user, group)
    messages.success(request, _("Invitasjonskode: %(code)s") % {"code": invite.code})
    return redirect(group.get_absolute_url())


@login_required
@require_POST
def group_leave(request, group_id: int):
    group = get_object_or_404(StudyGroup, pk=group_id)
    services.remove_member(request.user, group, request.user)
    messages.success(request, _("Du har forlatt %(group)s.") % {"group": group.name})
    return redirect("community:group_list")


@login_required
@require_POST
def group_remove(request, group_id: int, user_id: int):
    group = get_object_or_404(StudyGroup, pk=group_id)
    member = get_object_or_404(Membership, group=group, user_id=user_id)
    services.remove_member(request.user, group, member.user)
    messages.success(request, _("%(name)s er fjernet fra gruppa.") % {"name": member.user.public_name})
    return redirect(group.get_absolute_url())


@login_required
@require_POST
def group_meeting(request, group_id: int):
    group = get_object_or_404(StudyGroup, pk=group_id)
    permissions.check_can_manage_group(request.user, group)
    form = MeetingForm(request.POST, instance=StudyGroup.objects.get(pk=group.pk))
    if form.is_valid():
        services.update_meeting(request.user, group, next_meeting_at=form.cleaned_data["next_meeting_at"],
                                meeting_url=form.cleaned_data["meeting_url"], agenda=form.cleaned_data["agenda"],
                                agenda_module=group.agenda_module)
        messages.success(request, _("Møtet er lagret."))
    else:
        messages.error(request, _("Sjekk feltene for møtet."))
    return redirect(group.get_absolute_url())


@login_required
def profile_me(request):
    profile = services.ensure_profile(request.user)
    from .forms import ProfileForm

    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES, instance=profile)
        if form.is_valid():
            services.update_profile(request.user, form)
            messages.success(request, _("Profilen er lagret."))
            return redirect("community:profile_me")
    else:
        form = ProfileForm(instance=profile, initial={"display_name": request.user.display_name})
    return render(request, "community/profile_me.html", {"form": form, "profile": profile})


@login_required
def profile_view(request, user_id: int):
    """Another member's profile: for signed-in members only; deleted accounts are gone."""
    from .models import User

    member = get_object_or_404(User.objects.select_related("profile"), pk=user_id, is_active=True,
                               is_deleted=False)
    return render(request, "community/profile_view.html", {"member": member,
                                                           "profile": getattr(member, "profile", None)})


@login_required
def notifications(request):
    items = request.user.notifications.all()[:100]
    unread = [n.pk for n in items if n.read_at is None]
    response = render(request, "community/notifications.html", {"items": items})
    services.mark_notifications_read(request.user, unread)
    return response


@login_required
def profile_export(request):
    """The member's own data as a JSON download."""
    import json

    from django.http import HttpResponse

    data = services.export_member_data(request.user)
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json")
    response["Content-Disposition"] = 'attachment; filename="staffroom-mine-data.json"'
    return response


@login_required
def profile_delete(request):
    error = ""
    if request.method == "POST":
        if request.POST.get("confirm", "").strip().upper() == "SLETT":
            from django.contrib.auth import logout

            services.delete_account(request.user)
            logout(request)
            messages.success(request, _("Kontoen din er slettet. Takk for at du delte med oss."))
            return redirect("/")
        error = _("Skriv SLETT i feltet for å bekrefte at kontoen skal slettes.")
    return render(request, "community/profile_delete.html", {"error": error}, status=400 if error else 200)


def oidc_login(request, provider_id: str):
    """allauth's OpenID Connect sign-in, with a clear answer when the provider
    (FEIDE) cannot be reached: local sign-in keeps working."""
    return _oidc(request, provider_id, "login")


def oidc_callback(request, provider_id: str):
    return _oidc(request, provider_id, "callback")


def _oidc(request, provider_id: str, step: str):
    import logging

    import requests
    from allauth.socialaccount.providers.openid_connect import views as oidc_views

    try:
        return getattr(oidc_views, step)(request, provider_id)
    except requests.RequestException:
        logging.getLogger("staffroom.auth").warning("OpenID Connect provider %s unreachable", provider_id)
        return render(request, "community/feide_unavailable.html", status=503)
