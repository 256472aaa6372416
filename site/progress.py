"""Drop-in progress: signed-in teachers' progress lives in the database; an
anonymous visitor's lives in the session and is merged into the account at sign-in.

Module pages never write on GET (they stay cacheable); the page's script reports
what was opened through POST /api/progress/open/.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

SESSION_KEY = "staffroom_progress"


def _session_progress(request) -> dict:
    data = request.session.get(SESSION_KEY) or {}
    data.setdefault("modules", {})
    data.setdefault("quizzes", {})
    return data


@transaction.atomic
def _record_open_for_user(user, module, parts: list[str]) -> None:
    from .models import ModuleVisit

    visit, created = ModuleVisit.objects.select_for_update().get_or_create(
        user=user, module=module, defaults={"parts": sorted(set(parts))}
    )
    if not created:
        visit.parts = sorted(set(visit.parts) | set(parts))
        visit.last_opened_at = timezone.now()
        visit.save(update_fields=["parts", "last_opened_at"])


def record_open(request, module, parts: list[str]) -> None:
    """Remembers that the visitor opened these parts of a module."""
    valid = module.part_types()
    parts = [p for p in parts if p in valid]
    if request.user.is_authenticated:
        _record_open_for_user(request.user, module, parts)
        return
    data = _session_progress(request)
    seen = set(data["modules"].get(str(module.pk), [])) | set(parts)
    data["modules"][str(module.pk)] = sorted(seen)
    data["last_module"] = module.pk
    request.session[SESSION_KEY] = data


def record_quiz(request, quiz, module, answers: dict, score: int, total: int, passed: bool,
                started_at=None) -> None:
    """Stores a signed-in teacher's attempt; remembers an anonymous pass in the session."""
    from .models import QuizAttempt

    if request.user.is_authenticated:
        QuizAttempt.objects.create(
            user=request.user, quiz=quiz, module=module, answers=answers, score=score, total=total,
            passed=passed, started_at=started_at or timezone.now(),
        )
        return
    data = _session_progress(request)
    prev = data["quizzes"].get(str(quiz.pk), False)
    data["quizzes"][str(quiz.pk)] = bool(prev or passed)
    if module is not None:
        data["quiz_modules"] = {**data.get("quiz_modules", {}), str(quiz.pk): module.pk}
    request.session[SESSION_KEY] = data


@transaction.atomic
def merge_session_into_user(request, user) -> None:
    """At sign-in: the anonymous session's progress becomes the account's."""
    from .models import ModulePage, Quiz, QuizAttempt

    data = request.session.get(SESSION_KEY)
    if not data:
        return
    for module_id, parts in data.get("modules", {}).items():
        module = ModulePage.objects.filter(pk=int(module_id)).first()
        if module is not None:
            _record_open_for_user(user, module, parts)
    modules = data.get("quiz_modules", {})
    for quiz_id, passed in data.get("quizzes", {}).items():
        quiz = Quiz.objects.filter(pk=int(quiz_id)).first()
        if quiz is None:
            continue
        module = ModulePage.objects.filter(pk=modules.get(quiz_id)).first() if modules.get(quiz_id) else None
        QuizAttempt.objects.create(user=user, quiz=quiz, module=module, answers={"merged_from_session": True},
                                   score=0, total=0, passed=bool(passed))
    request.session.pop(SESSION_KEY, None)


def module_progress(request, module) -> dict:
    """Parts opened and quizzes passed for one module."""
    required = module.part_types()
    quiz_ids = module.quiz_ids()
    if request.user.is_authenticated:
        from .models import ModuleVisit, QuizAttempt

        visit = ModuleVisit.objects.filter(user=request.user, module=module).first()
        opened = set(visit.parts) if visit else set()
        passed = set(QuizAttempt.objects.filter(user=request.user, quiz_id__in=quiz_ids, passed=True)
                     .values_list("quiz_id", flat=True))
    else:
        if SESSION_KEY not in request.session:
            return {"opened": 0, "parts": len(required), "quizzes_passed": 0, "quizzes": len(quiz_ids)}
        data = _session_progress(request)
        opened = set(data["modules"].get(str(module.pk), []))
        passed = {int(q) for q, ok in data["quizzes"].items() if ok} & set(quiz_ids)
    return {"opened": len(opened & required), "parts": len(required),
            "quizzes_passed": len(passed), "quizzes": len(quiz_ids)}


def course_progress(request, course, modules) -> dict:
    per_module = {m.pk: module_progress(request, m) for m in modules} if modules else {}
    done = sum(1 for p in per_module.values() if p["parts"] and p["opened"] >= p["parts"]
               and p["quizzes_passed"] >= p["quizzes"])
    return {"modules": per_module, "done": done, "total": len(modules)}


def continue_where_left(request):
    """The module a signed-in teacher last opened, for "Fortsett der du slapp"."""
    if not request.user.is_authenticated:
        return None
    from .models import ModuleVisit

    visit = (ModuleVisit.objects.filter(user=request.user, module__live=True)
             .select_related("module").order_by("-last_opened_at").first())
    return visit.module if visit else None
