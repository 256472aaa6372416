import base64
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .forms import IdeaForm, TriedForm
from .models import Collection, IdeaPage, IdeaPageTag


def _tag_suggestions():
    return IdeaPageTag.objects.filter(content_object__live=True).values_list("tag__name", flat=True).distinct()[:200]


@login_required
def submit(request, idea_id=None):
    idea = None
    if idea_id is not None:
        idea = get_object_or_404(IdeaPage, pk=idea_id)
        if idea.author_id != request.user.pk:
            raise Http404
        idea = idea.get_latest_revision_as_object()
    preview = None
    if request.method == "POST":
        form = IdeaForm(request.POST, request.FILES)
        wants_preview = request.POST.get("action") == "preview"
        if form.is_valid():
            try:
                if wants_preview:
                    preview = services.preview_idea(request.user, form.cleaned_data)
                else:
                    saved = services.submit_idea(request.user, form.cleaned_data, idea)
                    messages.success(request, _("Takk! «%(title)s» er sendt til redaksjonen.") % {"title": saved.title})
                    return redirect("ideabank:mine")
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(None, " ".join(getattr(exc, "messages", [str(exc)])))
        status = 200 if preview is not None else 400
        if wants_preview and request.GET.get("fragment"):
            return render(request, "ideabank/_preview.html", _preview_context(form, preview, fragment=True),
                          status=status)
    else:
        initial = {"token": uuid.uuid4().hex, "language": "nb", "licence": "CC-BY-4.0"}
        parent_id = request.GET.get("fra", "")
        if idea is None and parent_id.isdigit():
            parent = IdeaPage.objects.live().public().filter(pk=int(parent_id)).first()
            if parent is None:
                raise Http404
            initial.update(services.adaptation_initial(parent))
        if idea is not None:
            initial.update(services.form_initial(idea), school=idea.school)
        form = IdeaForm(initial=initial)
        status = 200
    context = {"form": form, "idea": idea, "suggestions": _tag_suggestions()}
    if preview is not None:
        context.update(_preview_context(form, preview))
    return render(request, "ideabank/submit.html", context, status=status)


def _preview_context(form, preview, fragment: bool = False) -> dict:
    image = form.cleaned_data.get("image") if preview is not None else None
    image_url = ""
    if image:
        # Shown from the upload itself (already checked for type and size): nothing is stored.
        image.seek(0)
        image_url = f"data:{image.content_type};base64,{base64.b64encode(image.read()).decode()}"
        image.seek(0)
    index_url = services.index_page().url if preview is not None else ""
    return {"form": form, "preview": preview, "image_url": image_url, "fragment": fragment, "index_url": index_url}


@login_required
def mine(request):
    ideas = IdeaPage.objects.filter(author=request.user).order_by("-latest_revision_created_at")
    rows = [{"idea": i, "status": services.idea_status(i)} for i in ideas]
    return render(request, "ideabank/mine.html", {"rows": rows})


@login_required
def tried(request, idea_id):
    idea = get_object_or_404(IdeaPage.objects.live().public(), pk=idea_id)
    form = TriedForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.report_tried(request.user, idea, **form.cleaned_data)
        messages.success(request, _("Takk for at du delte hvordan det gikk!"))
        return redirect(idea.url)
    return render(request, "ideabank/tried.html", {"idea": idea, "form": form},
                  status=400 if request.method == "POST" else 200)


@login_required
def collections(request):
    mine = Collection.objects.filter(owner=request.user).prefetch_related("ideas")
    return render(request, "ideabank/collections.html", {"collections": mine})


@login_required
@require_POST
def collection_save(request, idea_id: int):
    idea = get_object_or_404(IdeaPage.objects.live().public(), pk=idea_id)
    raw = request.POST.get("collection", "")
    try:
        collection = services.save_to_collection(request.user, idea, collection_id=int(raw) if raw.isdigit() else None,
                                                 new_name=request.POST.get("name", ""))
        messages.success(request, _("«%(title)s» er lagret i «%(collection)s».") % {"title": idea.title, "collection": collection.name})
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(idea.url)


@login_required
@require_POST
def collection_share(request, collection_id: int):
    collection = get_object_or_404(Collection, pk=collection_id, owner=request.user)
    services.set_collection_shared(request.user, collection, request.POST.get("shared") == "1")
    return redirect("ideabank:collections")


def collection_shared(request, token: str):
    """The read-only view of a shared collection; only published ideas are listed."""
    if len(token) < 20:
        raise Http404
    collection = get_object_or_404(Collection.objects.select_related("owner"), share_token=token)
    ideas = collection.ideas.live().public().order_by("title")
    return render(request, "ideabank/collection_shared.html", {"collection": collection, "ideas": ideas})
