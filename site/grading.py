"""Server-side grading of quiz answers. Correct answers never leave the server."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.utils.translation import gettext as _

MAX_ANSWER_CHARS = 200

_MIXED = re.compile(r"^([+-]?)(\d+)\s+(\d+)\s*/\s*(\d+)$")
_FRACTION = re.compile(r"^([+-]?\d+)\s*/\s*(\d+)$")
_DECIMAL = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")


class AnswerError(ValueError):
    """An answer we cannot read; the message is shown to the teacher."""


def parse_number(raw: str) -> Fraction:
    """Reads `3/4`, `0,75`, `0.75`, `6/8`, `1 1/2`, `-2`, as exact values."""
    if not isinstance(raw, str):
        raise AnswerError(_("Svaret må være tekst."))
    text = unicodedata.normalize("NFKC", raw).strip().replace("\u2212", "-")
    if not text:
        raise AnswerError(_("Skriv et svar."))
    if len(text) > 40:
        raise AnswerError(_("Svaret er for langt til å være et tall."))
    text = re.sub(r"(?<=\d)[\s\u00a0](?=\d{3}\b)", "", text) if "/" not in text else text
    m = _MIXED.match(text)
    if m:
        sign, whole, num, den = m.groups()
        if int(den) == 0:
            raise AnswerError(_("Nevneren kan ikke være null."))
        value = int(whole) + Fraction(int(num), int(den))
        return -value if sign == "-" else value
    m = _FRACTION.match(text)
    if m:
        num, den = m.groups()
        if int(den) == 0:
            raise AnswerError(_("Nevneren kan ikke være null."))
        return Fraction(int(num), int(den))
    if _DECIMAL.match(text):
        return Fraction(Decimal(text.replace(",", ".")))
    raise AnswerError(_("Vi forstod ikke svaret. Skriv et tall, for eksempel 0,75, 3/4 eller 1 1/2."))


def normalise_text(value: str) -> str:
    return " ".join(unicodedata.normalize("NFC", value).casefold().split())


@dataclass
class Grade:
    correct: bool
    feedback: str


def grade(question, answer) -> Grade:
    """Grades one answer to a QuizQuestion. Raises AnswerError for unreadable answers."""
    kind = question.kind
    if kind in ("single", "multiple"):
        choices = question.parsed_choices()
        if kind == "single":
            if isinstance(answer, list) and len(answer) == 1:
                answer = answer[0]
            try:
                index = int(answer)
            except (TypeError, ValueError):
                raise AnswerError(_("Velg ett av alternativene.")) from None
            if not 0 <= index < len(choices):
                raise AnswerError(_("Velg ett av alternativene."))
            chosen = choices[index]
            ok = chosen["correct"]
            return Grade(ok, chosen["feedback"] or (question.feedback_correct if ok else question.feedback_wrong))
        if not isinstance(answer, list) or not answer:
            raise AnswerError(_("Velg ett eller flere alternativer."))
        try:
            picked = {int(a) for a in answer}
        except (TypeError, ValueError):
            raise AnswerError(_("Velg ett eller flere alternativer.")) from None
        if any(not 0 <= i < len(choices) for i in picked):
            raise AnswerError(_("Velg blant alternativene."))
        right = {c["index"] for c in choices if c["correct"]}
        ok = picked == right
        return Grade(ok, question.feedback_correct if ok else question.feedback_wrong)
    if not isinstance(answer, str):
        raise AnswerError(_("Skriv et svar."))
    if len(answer) > MAX_ANSWER_CHARS:
        raise AnswerError(_("Svaret er for langt."))
    if kind in ("numeric", "rational"):
        value = parse_number(answer)
        target = parse_number(question.answer)
        tolerance = Fraction(Decimal(question.tolerance or 0)) if kind == "numeric" else Fraction(0)
        ok = abs(value - target) <= tolerance
        return Grade(ok, question.feedback_correct if ok else question.feedback_wrong)
    # short text with accepted variants
    if not answer.strip():
        raise AnswerError(_("Skriv et svar."))
    accepted = {normalise_text(v) for v in question.answer.split(";") if v.strip()}
    ok = normalise_text(answer) in accepted
    return Grade(ok, question.feedback_correct if ok else question.feedback_wrong)
