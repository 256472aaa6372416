from fractions import Fraction

import pytest

from staffroom.grading import AnswerError, grade, parse_number


@pytest.mark.parametrize("raw, value", [
    ("3/4", Fraction(3, 4)), ("0,75", Fraction(3, 4)), ("0.75", Fraction(3, 4)), ("6/8", Fraction(3, 4)),
    ("1 1/2", Fraction(3, 2)), (" 1  1 / 2 ", Fraction(3, 2)), ("-1 1/2", Fraction(-3, 2)), ("−2", Fraction(-2)),
    (",5", Fraction(1, 2)), ("12", Fraction(12)), ("1 000", Fraction(1000)),
])
def test_numbers_teachers_write_are_read_as_the_values_they_are(raw, value):
    assert parse_number(raw) == value


@pytest.mark.parametrize("raw", ["", "   ", "abc", "1//2", "3/0", "1,2,3", "1/2/3", "x" * 10_000, "0,7 5"])
def test_garbage_answers_get_a_norwegian_message(raw):
    with pytest.raises(AnswerError) as exc:
        parse_number(raw)
    assert str(exc.value)


class Q:
    def __init__(self, kind, answer="", choices="", tolerance=0):
        self.kind, self.answer, self.choices, self.tolerance = kind, answer, choices, tolerance
        self.feedback_correct, self.feedback_wrong = "Riktig", "Feil"

    def parsed_choices(self):
        from staffroom.models import QuizQuestion

        return QuizQuestion.parsed_choices(self)


def test_rational_question_accepts_every_equal_form():
    q = Q("rational", answer="3/4")
    for answer in ("3/4", "0,75", "0.75", "6/8", "9/12"):
        assert grade(q, answer).correct, answer
    assert not grade(q, "0,7").correct


@pytest.mark.parametrize("answer, ok", [("0,33", True), ("0,338", True), ("0,329", True), ("0,339", False),
                                        ("1/3", True), ("0,328", False)])
def test_numeric_tolerance_edges(answer, ok):
    assert grade(Q("numeric", answer="1/3", tolerance="0.005"), answer).correct is ok


def test_choices_give_feedback_per_option_and_text_accepts_variants():
    single = Q("single", choices="1/3 | For lite\n* 1/2 | Riktig, en halv\n1/4")
    assert grade(single, 1).correct and grade(single, 1).feedback == "Riktig, en halv"
    assert grade(single, 0).feedback == "For lite"
    with pytest.raises(AnswerError):
        grade(single, 7)
    multiple = Q("multiple", choices="* 2/4\n* 1/2\n1/3")
    assert grade(multiple, [0, 1]).correct and not grade(multiple, [0]).correct
    text = Q("text", answer="nevner; nevneren")
    assert grade(text, "  Nevneren ").correct and not grade(text, "teller").correct
