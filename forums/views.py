from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from community import permissions as roles

from . import permissions, queries, services
from .forms import BanForm, EditForm, FlagForm, ReplyForm, ThreadForm
from .models import Category, FeedbackKind, ModerationLog, Post, Subscription, Thread

User = get_user_model()


def _errors(exc) -> str:
    return " ".join(getattr(exc, "messages", None) or [str(exc)])


def index(request):
    categories = queries.readable_categories(request.user)
    return render(request, "forums/index.html", {"categories": categories})


def _category(request, slug) -> Category:
    category = get_object_or_404(Category, slug=slug)
    if not permissions.can_read_category(request.user, category):
        raise Http404  # a private category is indistinguishable from a missing one
    return category


def category(request, slug):
    category = _category(request, slug)
    form = ThreadForm()
    status = 200
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"/accounts/login/?next={request.path}")
        form = ThreadForm(request.POST)
        if form.is_valid():
            try:
                thread = services.create_thread(request.user, category, form.cleaned_data["title"],
                                                form.cleaned_data["body"], form.cleaned_data["is_question"])
                return redirect(thread.get_absolute_url())
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(None, _errors(exc))
        status = 400
    return render(request, "forums/category.html", {"category": category, "form": form,
                                                    "threads": queries.thread_list(category, request.user)},
                  status=status)


def _thread(request, thread_id) -> Thread:
    thread = get_object_or_404(Thread.objects.select_related("category", "author", "module"), pk=thread_id)
    if not permissions.can_read_thread(request.user, thread):
        raise Http404
    return thread


def thread(request, thread_id):
    thread = _thread(request, thread_id)
    form = ReplyForm()
    quote_id = request.GET.get("quote", "")
    if quote_id.isdigit():
        quoted = thread.posts.filter(pk=int(quote_id), deleted_at__isnull=True, is_hidden=False).first()
        if quoted is not None:
            cited = "\n".join("> " + line for line in quoted.body.splitlines())
            form = ReplyForm(initial={"quote": quoted.pk, "body": f"{cited}\n\n"})
    status = 200
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"/accounts/login/?next={request.path}")
        form = ReplyForm(request.POST)
        if form.is_valid():
            try:
                post = services.reply(request.user, thread, form.cleaned_data["body"],
                                      form.cleaned_data["feedback_kind"], form.cleaned_data.get("quote"))
                if post.is_held:
                    messages.info(request, _("Innlegget ditt venter på godkjenning fra en moderator."))
                return redirect(f"{thread.get_absolute_url()}#post-{post.pk}")
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(None, _errors(exc))
        status = 400
    page, liked = queries.thread_page(thread, request.user, request.GET.get("page"))
    subscription = None
    if request.user.is_authenticated:
        subscription = Subscription.objects.filter(user=request.user, thread=thread).first()
    return render(request, "forums/thread.html", {
        "thread": thread, "posts": page, "liked": liked, "form": form, "subscription": subscription,
        "is_moderator": roles.is_moderator(request.user), "feedback_kinds": FeedbackKind.choices,
        "last_seq": thread.last_seq, "categories": Category.objects.all() if roles.is_moderator(request.user) else [],
    }, status=status)


@login_required
def edit_post(request, post_id):
    post = get_object_or_404(Post.objects.select_related("thread__category", "author"), pk=post_id)
    if not permissions.can_read_thread(request.user, post.thread):
        raise Http404
    permissions.check_can_edit_post(request.user, post)
    form = EditForm(request.POST or None, initial={"body": post.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_post(request.user, post, form.cleaned_data["body"])
            return redirect(f"{post.thread.get_absolute_url()}#post-{post.pk}")
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _errors(exc))
    return render(request, "forums/edit_post.html", {"post": post, "form": form,
                                                     "revisions": post.revisions.order_by("-edited_at")})


def _post_for(request, post_id) -> Post:
    post = get_object_or_404(Post.objects.select_related("thread__category", "author"), pk=post_id)
    if not permissions.can_read_thread(request.user, post.thread):
        raise Http404
    return post


@login_required
@require_POST
def delete_post(request, post_id):
    post = _post_for(request, post_id)
    services.delete_post(request.user, post)
    messages.success(request, _("Innlegget er slettet."))
    return redirect(post.thread.get_absolute_url())


@login_required
@require_POST
def like_post(request, post_id):
    post = _post_for(request, post_id)
    count = services.toggle_like(request.user, post)
    if request.headers.get("Accept") == "application/json":
        return JsonResponse({"likes": count})
    return redirect(f"{post.thread.get_absolute_url()}#post-{post.pk}")


@login_required
@require_POST
def flag_post(request, post_id):
    post = _post_for(request, post_id)
    form = FlagForm(request.POST)
    if form.is_valid():
        try:
            services.flag_post(request.user, post, form.cleaned_data["reason"])
            messages.success(request, _("Takk! En moderator ser på innlegget."))
        except ValidationError as exc:
            messages.error(request, _errors(exc))
    else:
        messages.error(request, _("Skriv hvorfor du melder innlegget."))
    return redirect(f"{post.thread.get_absolute_url()}#post-{post.pk}")


@login_required
@require_POST
def accept_post(request, post_id):
    post = _post_for(request, post_id)
    try:
        services.accept_answer(request.user, post.thread, post)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect(f"{post.thread.get_absolute_url()}#post-{post.pk}")


@login_required
@require_POST
def subscribe(request, thread_id):
    thread = _thread(request, thread_id)
    level = request.POST.get("level") or None
    try:
        services.set_subscription(request.user, thread=thread, level=level)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    return redirect(thread.get_absolute_url())


@login_required
@require_POST
def subscribe_category(request, slug):
    category = _category(request, slug)
    services.set_subscription(request.user, category=category, level=request.POST.get("level") or None)
    return redirect(category.get_absolute_url())


# --- moderation --------------------------------------------------------------------


@login_required
def moderation(request):
    roles.check_can_moderate(request.user)
    flagged, held = queries.moderation_queue()
    return render(request, "forums/moderation.html", {
        "flagged": flagged, "held": held, "log": ModerationLog.objects.select_related("moderator", "post",
                                                                                      "thread", "target_user")[:50],
        "feedback": queries.feedback_counts(), "kinds": FeedbackKind.choices,
    })


@login_required
@require_POST
def moderate_post(request, post_id):
    post = get_object_or_404(Post, pk=post_id)
    action = request.POST.get("action")
    if action == "hide":
        services.moderate_post(request.user, post, True)
    elif action == "restore":
        services.moderate_post(request.user, post, False)
    elif action == "approve":
        services.approve_held(request.user, post)
    else:
        return JsonResponse({"error": "Ukjent handling."}, status=400)
    return redirect(request.POST.get("next") or "forums:moderation")


@login_required
@require_POST
def moderate_thread(request, thread_id):
    thread = get_object_or_404(Thread, pk=thread_id)
    action = request.POST.get("action")
    kwargs = {}
    if action in ("lock", "unlock"):
        kwargs["locked"] = action == "lock"
    elif action in ("pin", "unpin"):
        kwargs["pinned"] = action == "pin"
    elif action == "move":
        kwargs["category"] = get_object_or_404(Category, pk=request.POST.get("category"))
    else:
        return JsonResponse({"error": "Ukjent handling."}, status=400)
    services.set_thread_state(request.user, thread, **kwargs)
    return redirect(thread.get_absolute_url())


@login_required
@require_POST
def ban(request, user_id):
    target = get_object_or_404(User, pk=user_id)
    form = BanForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Oppgi antall dager (1–365) og en begrunnelse."))
    else:
        try:
            services.ban_user(request.user, target, form.cleaned_data["days"], form.cleaned_data["reason"])
            messages.success(request, _("%(name)s kan ikke skrive i forumet på %(days)d dager.") % {"name": target.public_name, "days": form.cleaned_data["days"]})
        except ValidationError as exc:
            messages.error(request, _errors(exc))
    return redirect("forums:moderation")


@require_GET
def mention_autocomplete(request):
    if not request.user.is_authenticated:
        return JsonResponse({"error": _("Du må logge inn først.")}, status=401)
    q = request.GET.get("q", "").strip()[:50]
    if len(q) < 2:
        return JsonResponse({"results": []})
    users = User.objects.filter(username__istartswith=q, is_active=True, is_deleted=False).order_by("username")[:8]
    return JsonResponse({"results": [{"username": u.username, "name": u.public_name} for u in users]})
