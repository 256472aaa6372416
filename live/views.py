import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from community import permissions
from community.models import StudyGroup
from staffroom.realtime import FrameError, clean_text

from . import services


@login_required
def room(request, group_id: int):
    """The room page. Without JavaScript it shows the latest messages and a form."""
    group = get_object_or_404(StudyGroup, pk=group_id)
    permissions.check_can_chat(request.user, group)
    since = services.since_last_visit(request.user, group)
    page = services.history(group, max(0, group.last_seq - 50), limit=50)
    return render(request, "live/room.html", {
        "group": group, "since": since, "history": page["messages"], "last_seq": group.last_seq,
        "client_id": uuid.uuid4().hex, "max_length": settings.STAFFROOM_CHAT_MAX_LENGTH,
        "is_facilitator": permissions.is_facilitator(request.user, group),
    })


@login_required
@require_POST
def room_send(request, group_id: int):
    """The no-JavaScript path: same service, same idempotency by client_id."""
    group = get_object_or_404(StudyGroup, pk=group_id)
    permissions.check_can_chat(request.user, group)
    try:
        body = clean_text(request.POST.get("body"), field="body", max_length=settings.STAFFROOM_CHAT_MAX_LENGTH)
        client_id = (request.POST.get("client_id") or uuid.uuid4().hex)[:64]
        services.send_message(request.user, group.pk, client_id, body)
    except (FrameError, services.RoomError) as exc:
        messages.error(request, exc.message)
    return redirect("live:room", group_id=group.pk)


@require_GET
def history_api(request, group_id: int):
    """GET /api/rooms/<id>/messages?after=<seq>: history for members, paged."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": _("Du må logge inn først.")}, status=401)
    group = StudyGroup.objects.filter(pk=group_id).first()
    if group is None:
        return JsonResponse({"error": _("Gruppa finnes ikke.")}, status=404)
    if not permissions.is_member(request.user, group):
        return JsonResponse({"error": _("Bare medlemmer av gruppa kan lese meldingene.")}, status=403)
    try:
        after = int(request.GET.get("after", "0"))
        limit = int(request.GET.get("limit", "100"))
    except ValueError:
        return JsonResponse({"error": _("«after» og «limit» må være heltall.")}, status=400)
    if after < 0 or not 1 <= limit <= 500:
        return JsonResponse({"error": _("«after» må være 0 eller mer og «limit» mellom 1 og 500.")}, status=400)
    return JsonResponse(services.history(group, after, limit))
