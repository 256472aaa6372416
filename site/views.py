import json
import time
from datetime import UTC

from django.http import JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import grading, progress
from .models import ModulePage, Quiz, QuizQuestion

MAX_BODY = 64 * 1024


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)


def permission_denied(request, exception=None):
    return render(request, "403.html", {"exception": exception}, status=403)


def bad_request(request, exception=None):
    return render(request, "400.html", status=400)


@require_GET
def csrf_token_view(request):
    """Cached pages carry no token; their scripts fetch one here."""
    return JsonResponse({"token": get_token(request)})


def _json_body(request) -> dict:
    if len(request.body) > MAX_BODY:
        raise grading.AnswerError(_("Svaret er for stort."))
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        raise grading.AnswerError(_("Forespørselen er ikke gyldig JSON.")) from None
    if not isinstance(data, dict):
        raise grading.AnswerError(_("Forespørselen har feil form."))
    return data


def _bad(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _published_question(question_id: int) -> QuizQuestion | None:
    question = QuizQuestion.objects.select_related("quiz").filter(pk=question_id).first()
    if question is None or not question.quiz.is_published:
        return None
    return question


@require_POST
def check_answer(request, question_id: int):
    """Grades one answer (quizzes and interactive-video questions); stores nothing
    but the session's progress marker."""
    question = _published_question(question_id)
    if question is None:
        return _bad(_("Spørsmålet finnes ikke."), 404)
    try:
        data = _json_body(request)
        result = grading.grade(question, data.get("answer"))
    except grading.AnswerError as exc:
        return _bad(str(exc))
    return JsonResponse({"question": question.pk, "correct": result.correct, "feedback": result.feedback})


@require_POST
def submit_quiz(request, quiz_id: int):
    """Grades a whole quiz. Signed-in teachers' attempts are stored; anyone may retry."""
    quiz = get_object_or_404(Quiz, pk=quiz_id, is_published=True)
    try:
        data = _json_body(request)
        answers = data.get("answers")
        if not isinstance(answers, dict) or not answers:
            raise grading.AnswerError(_("Svar på minst ett spørsmål."))
        questions = {str(q.pk): q for q in quiz.questions.all()}
        unknown = [k for k in answers if k not in questions]
        if unknown:
            raise grading.AnswerError(_("Svaret gjelder et spørsmål som ikke finnes i denne quizen."))
        results = {}
        for key, question in questions.items():
            if key in answers:
                grade = grading.grade(question, answers[key])
                results[key] = {"correct": grade.correct, "feedback": grade.feedback}
            else:
                results[key] = {"correct": False, "feedback": "Ikke besvart."}
    except grading.AnswerError as exc:
        return _bad(str(exc))
    module = None
    module_id = data.get("module")
    if isinstance(module_id, int):
        module = ModulePage.objects.live().public().filter(pk=module_id).first()
    score = sum(1 for r in results.values() if r["correct"])
    total = len(questions)
    passed = total > 0 and score * 100 >= quiz.pass_mark * total
    started = data.get("started_at")
    started_at = None
    if isinstance(started, (int, float)) and 0 < time.time() - started < 86400:
        from datetime import datetime

        started_at = datetime.fromtimestamp(started, tz=UTC)
    progress.record_quiz(request, quiz, module, {k: answers.get(k) for k in questions}, score, total, passed,
                         started_at)
    return JsonResponse({"quiz": quiz.pk, "score": score, "total": total, "passed": passed, "results": results})


@require_POST
def progress_open(request):
    """The module page's script reports which parts the visitor opened."""
    try:
        data = _json_body(request)
    except grading.AnswerError as exc:
        return _bad(str(exc))
    module_id, parts = data.get("module"), data.get("parts", [])
    if not isinstance(module_id, int) or not isinstance(parts, list) or len(parts) > 50:
        return _bad(_("Forespørselen har feil form."))
    module = ModulePage.objects.live().public().filter(pk=module_id).first()
    if module is None:
        return _bad(_("Modulen finnes ikke."), 404)
    progress.record_open(request, module, [p for p in parts if isinstance(p, str)])
    return JsonResponse({"ok": True, "progress": progress.module_progress(request, module)})
