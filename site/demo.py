"""Demo content for `seed_demo`. All text is original, written for Staffroom."""

import functools
import shutil
import subprocess
import tempfile
from datetime import timedelta
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone

HOME_INTRO = (
    "<p>Staffroom er et åpent personalrom for lærere. Her finner du korte kurs du kan droppe inn i "
    "når det passer, idéer fra andres klasserom og kolleger å lære sammen med.</p>"
)
COURSES_INTRO = "<p>Alle kurs er åpne. Du trenger ikke melde deg på, og du kan begynne hvor du vil.</p>"
IDEABANK_INTRO = "Undervisningsidéer delt av lærere og kvalitetssikret av redaksjonen."

CAPTIONS = """WEBVTT

00:00.000 --> 00:04.000
Velkommen til modulen.

00:04.000 --> 00:09.000
Vi ser på hvordan elever møter brøk for første gang.
"""

AIMS = [
    ("LK20-MAT-4-02", "Utforske og beskrive deler av en helhet med konkreter, tegninger og ord.", "1-4"),
    ("LK20-MAT-7-03", "Sammenligne og ordne brøker, desimaltall og prosent og forklare sammenhengen mellom dem.",
     "5-7"),
    ("LK20-MAT-7-05", "Regne med brøk i praktiske situasjoner og vurdere om svaret er rimelig.", "5-7"),
    ("LK20-MAT-10-02", "Utforske og argumentere for regneregler for brøk og bruke dem i problemløsing.", "8-10"),
]

MODULES = [
    {
        "title": "Hva er en brøk?",
        "slug": "hva-er-en-brok",
        "lead": "Fra deling av pizza til tallinjen: hvordan elever bygger forståelse av brøk som tall.",
        "inspiration": "<p>Mange elever ser brøk som to tall oppå hverandre. Hva skjer når de i stedet "
                       "får plassere brøken på en tallinje?</p>",
        "goals": "<ul><li>Forklare brøk som et tall med en plass på tallinjen.</li>"
                 "<li>Kjenne igjen typiske misoppfatninger.</li></ul>",
        "case": "<p>I 5B får elevene en tau-tallinje fra 0 til 2 på gulvet. De plasserer lapper med 1/2, "
                "3/4 og 5/4. Diskusjonen om 5/4 er større enn 1 tar resten av timen.</p>",
        "tasks": ["Hvilke spørsmål stilte læreren som fikk elevene til å begrunne plasseringene?",
                  "Prøv en tau-tallinje med egne elever. Hva overrasket deg?"],
        "study_kind": "try_in_class",
        "study": "<p>Gjennomfør en tallinjeaktivitet i egen klasse. Ta bilde av tallinjen og del den med "
                 "gruppa di.</p>",
        "summary": "<p>Brøk er tall. Tallinjen hjelper elevene å se størrelsen på brøken, ikke bare "
                   "telleren og nevneren.</p>",
    },
    {
        "title": "Likeverdige brøker",
        "slug": "likeverdige-broker",
        "lead": "Hvorfor er 3/4 og 6/8 det samme tallet? Elevene utforsker med brøkstaver og tegninger.",
        "inspiration": "<p>Å forkorte og utvide er regler elevene ofte lærer utenat. Her lar vi dem oppdage "
                       "regelen selv.</p>",
        "goals": "<ul><li>Bruke konkreter til å vise likeverdige brøker.</li></ul>",
        "case": "<p>Elevene legger brøkstaver for 1/2 og leter etter andre kombinasjoner med samme lengde.</p>",
        "tasks": ["Hvilke representasjoner brukte elevene?", "Hvordan kan du vurdere om alle forstod?"],
        "study_kind": "collaborate",
        "study": "<p>Lag sammen med en kollega tre oppgaver om likeverdige brøker i et delt dokument.</p>",
        "summary": "<p>Likeverdige brøker er ulike navn på samme tall.</p>",
    },
    {
        "title": "Brøk i hverdagen",
        "slug": "brok-i-hverdagen",
        "lead": "Oppskrifter, målebånd og tidsplaner: brøk der elevene møter den.",
        "inspiration": "<p>Når skal vi doble en oppskrift med 3/4 dl melk? Hverdagsproblemer gir mening.</p>",
        "goals": "<ul><li>Knytte brøkregning til praktiske situasjoner.</li></ul>",
        "case": "<p>Klassen planlegger pannekakefest og må skalere oppskriften til 28 elever.</p>",
        "tasks": ["Hvilke strategier brukte elevene for å skalere?"],
        "study_kind": "assess",
        "study": "<p>Lag en kort digital quiz for elevene og se på svarene sammen med gruppa.</p>",
        "summary": "<p>Praktiske problemer gir elevene grunn til å regne med brøk.</p>",
    },
]


@functools.lru_cache(maxsize=1)
def demo_webm() -> bytes | None:
    """Twelve seconds of WebM drawn by ffmpeg's test source (no downloaded media);
    None when ffmpeg is not installed, and the demo videos stay embeds."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "demo.webm"
        subprocess.run([ffmpeg, "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=duration=12:size=320x180:rate=10",
                        "-c:v", "libvpx", "-b:v", "150k", "-an", str(out)], check=True, timeout=120)
        return out.read_bytes()


def _video(title: str, questions=None):
    from staffroom.models import Quiz, QuizQuestion, Video, VideoQuestion

    video = Video.objects.filter(title=title).first()
    if video is None:
        video = Video(title=title, embed_url="https://www.youtube-nocookie.com/embed/staffroom-demo",
                      transcript="Velkommen til modulen. Vi ser på hvordan elever møter brøk for første gang.",
                      chapters="00:00 Velkommen\n00:04 Elevenes første møte med brøk", duration_seconds=12)
        video.captions.save(f"{title[:20]}.vtt", ContentFile(CAPTIONS.encode()), save=False)
        video.save()
    if not video.file and (webm := demo_webm()) is not None:
        video.file.save(f"demo-{video.pk}.webm", ContentFile(webm), save=False)
        video.embed_url = ""
        video.save()
    if questions and not video.questions.exists():
        quiz, _ = Quiz.objects.get_or_create(title=f"Spørsmål i video: {title}"[:200])
        q = QuizQuestion.objects.create(quiz=quiz, kind="rational", prompt="Hvor stor del av pizzaen er spist "
                                        "når to av fire biter er borte?", answer="1/2",
                                        feedback_correct="Riktig: 2/4 er det samme som 1/2.",
                                        feedback_wrong="Tenk på hvor mange biter det var til sammen.")
        VideoQuestion.objects.create(video=video, at_seconds=5, question=q)
    return video


def _quiz():
    from staffroom.models import Quiz, QuizQuestion

    quiz = Quiz.objects.filter(title="Sjekk forståelsen: brøk som tall").first()
    if quiz is not None:
        return quiz
    quiz = Quiz.objects.create(title="Sjekk forståelsen: brøk som tall",
                               intro="Fire korte spørsmål. Du kan prøve så mange ganger du vil.", pass_mark=75)
    QuizQuestion.objects.create(quiz=quiz, sort_order=0, kind="single", prompt="Hvilken brøk er størst?",
                                choices="1/3 | Nei, en tredjedel er mindre enn en halv.\n"
                                        "* 1/2 | Riktig! En halv er større enn en tredjedel.\n"
                                        "1/4 | Nei, en fjerdedel er minst av disse.")
    QuizQuestion.objects.create(quiz=quiz, sort_order=1, kind="rational", prompt="Skriv 6/8 på en annen måte.",
                                answer="3/4", feedback_correct="Riktig, 6/8 = 3/4 = 0,75.",
                                feedback_wrong="Prøv å forkorte brøken.")
    QuizQuestion.objects.create(quiz=quiz, sort_order=2, kind="numeric", prompt="Hva er 1/3 som desimaltall "
                                "(to desimaler)?", answer="0,33", tolerance="0.005",
                                feedback_correct="Riktig!", feedback_wrong="Del 1 på 3.")
    QuizQuestion.objects.create(quiz=quiz, sort_order=3, kind="text", prompt="Hva kalles tallet under brøkstreken?",
                                answer="nevner; nevneren", feedback_correct="Riktig!",
                                feedback_wrong="Tallet over streken er telleren.")
    return quiz


def build_course():
    from staffroom.models import (
        CourseIndexPage,
        CoursePage,
        LiteratureReference,
        ModulePage,
    )

    index = CourseIndexPage.objects.first()
    ref, _ = LiteratureReference.objects.get_or_create(
        authors="Staffroom-redaksjonen", title="Brøk i praksis: notater fra klasserommet", year=2026,
        defaults={"publisher": "Staffroom"},
    )
    course = CoursePage.objects.filter(slug="fra-heltall-til-brok").first()
    if course is None:
        course = CoursePage(
            title="Fra heltall til brøk", slug="fra-heltall-til-brok", subject="matematikk", grade_bands="5-7, 8-10",
            goals="<ul><li>Forstå hvorfor brøk er vanskelig for mange elever.</li>"
                  "<li>Prøve ut aktiviteter som gjør brøk synlig.</li></ul>",
            estimated_hours=8, search_description="Et kort kurs om hvordan elever går fra heltall til brøk.",
            introduction="<p>Kurset har tre moduler. Hver modul har en introvideo, en veiledningsvideo, "
                         "et eksempel fra klasserommet, en studieoppgave og en oppsummering.</p>",
        )
        index.add_child(instance=course)
        course.literature_refs.add(ref)
        course.save_revision().publish()
    quiz = _quiz()
    for n, spec in enumerate(MODULES):
        if ModulePage.objects.filter(slug=spec["slug"]).exists():
            continue
        intro = _video(f"Intro: {spec['title']}", questions=(n == 0))
        guidance = _video(f"Veiledning: {spec['title']}")
        body = [
            ("intro_video", {"video": intro, "inspiration": spec["inspiration"], "goals": spec["goals"],
                             "literature": [ref], "minutes": 45}),
            ("guidance_video", {"video": guidance, "literature": [ref]}),
            ("classroom_case", {"video": None, "text": spec["case"], "follow_up": spec["tasks"]}),
            ("study_task", {"kind": spec["study_kind"], "instructions": spec["study"]}),
        ]
        if n == 0:
            body.append(("quiz", {"quiz": quiz}))
        body.append(("summary", {"text": spec["summary"]}))
        module = ModulePage(title=spec["title"], slug=spec["slug"], lead=spec["lead"], body=body)
        course.add_child(instance=module)
        module.save_revision().publish()


IDEAS = [
    {
        "title": "Brøkstafett med tallinje i gymsalen",
        "summary": "Lagene løper med brøkkort og plasserer dem på en lang tallinje. Diskusjonen etterpå er gull.",
        "grades": ["5-7"], "tags": ["brøk", "tallinje", "fysisk aktivitet"], "aims": ["LK20-MAT-7-03"],
        "minutes": 45, "tools": "", "licence": "CC-BY-4.0", "author": "kari",
        "steps": [("Forbered", "Lag 30 brøkkort og en tallinje fra 0 til 3 med maskeringstape."),
                  ("Stafett", "Hvert lag henter ett kort om gangen og plasserer det."),
                  ("Samtale", "Gå gjennom plasseringene sammen. Hvilke var vanskelige?")],
        "materials": ["Maskeringstape", "Brøkkort", "Tusj"],
    },
    {
        "title": "Oppskrift for hele klassen",
        "summary": "Elevene skalerer en oppskrift fra fire til tjueåtte personer og regner med brøk underveis.",
        "grades": ["5-7", "8-10"], "tags": ["brøk", "hverdagsmatematikk", "proporsjonalitet"],
        "aims": ["LK20-MAT-7-05"], "minutes": 60, "tools": "Regneark", "licence": "CC-BY-SA-4.0", "author": "ola",
        "steps": [("Velg oppskrift", "Finn en enkel oppskrift med brøker i mengdene."),
                  ("Skaler", "Elevene regner ut mengdene for hele klassen i par."),
                  ("Sjekk", "Sammenlign svarene i et felles regneark.")],
        "materials": ["Oppskrift", "Regneark"],
    },
    {
        "title": "Gange med brøk med arealmodell",
        "summary": "Rutearkmodell som gjør multiplikasjon av brøker synlig for ungdomstrinnet.",
        "grades": ["8-10"], "tags": ["brøk", "multiplikasjon", "arealmodell"], "aims": ["LK20-MAT-10-02"],
        "minutes": 40, "tools": "GeoGebra", "licence": "CC-BY-4.0", "author": "kari",
        "steps": [("Tegn", "Tegn et rektangel og del det i tredjedeler den ene veien."),
                  ("Del igjen", "Del i fjerdedeler den andre veien og skraver overlappet.")],
        "materials": ["Ruteark", "Fargeblyanter"],
    },
    {
        "title": "Brøkvenner på småtrinnet",
        "summary": "Elevene bretter papirstrimler og finner brøker som er like store.",
        "grades": ["1-4"], "tags": ["brøk", "konkreter"], "aims": ["LK20-MAT-4-02"], "minutes": 30, "tools": "",
        "licence": "CC-BY-4.0", "author": "ola",
        "steps": [("Brett", "Brett strimler i to, fire og åtte deler."),
                  ("Sammenlign", "Legg strimlene ved siden av hverandre og finn like lange deler.")],
        "materials": ["Papirstrimler"],
    },
]


def build_ideas():
    from ideabank import services as idea_services
    from ideabank.models import CompetenceAim, IdeaPage

    for code, text, grade in AIMS:
        CompetenceAim.objects.update_or_create(code=code, defaults={"text": text, "grade_band": grade})
    User = get_user_model()
    for spec in IDEAS:
        if IdeaPage.objects.filter(title=spec["title"]).exists():
            continue
        author = User.objects.get(username=spec["author"])
        body = [("step", {"title": t, "text": x}) for t, x in spec["steps"]]
        body.append(("materials", spec["materials"]))
        idea_services.publish_idea_directly(
            title=spec["title"], summary=spec["summary"], body=body, subject="matematikk",
            grade_bands=spec["grades"], tags=spec["tags"], aim_codes=spec["aims"], time_minutes=spec["minutes"],
            digital_tools=spec["tools"], language="nb", licence=spec["licence"], author=author,
            school="Solbakken skole",
        )


def build_forum():
    from forums import services as forum_services
    from forums.models import Category
    from staffroom.models import CoursePage, ModulePage

    User = get_user_model()
    kari, ola = User.objects.get(username="kari"), User.objects.get(username="ola")
    general, _ = Category.objects.get_or_create(
        slug="generelt", defaults={"name": "Generelt", "description": "Alt om undervisning som ikke passer andre steder.",
                                   "position": 0})
    course = CoursePage.objects.filter(slug="fra-heltall-til-brok").first()
    if course is not None:
        forum_services.category_for_course(course)
        for module in ModulePage.objects.child_of(course):
            forum_services.discussion_for_module(module, create=True)
    if not general.threads.exists():
        thread = forum_services.create_thread(kari, general, "Hvordan starter dere brøkundervisningen?",
                                              "Jeg pleier å starte med pizza, men vil prøve tallinjen. "
                                              "Hva gjør dere?", is_question=True)
        forum_services.reply(ola, thread, "Vi starter med å brette papirstrimler. Det gir et felles "
                             "språk før vi skriver brøker med tall.", feedback_kind="will_try")


def build_group():
    from community import services as community_services
    from community.models import MemberRole, StudyGroup
    from live import services as live_services
    from staffroom.models import ModulePage

    User = get_user_model()
    kari, ola = User.objects.get(username="kari"), User.objects.get(username="ola")
    group = StudyGroup.objects.filter(name="Brøkgruppa").first()
    if group is None:
        group = community_services.create_group(
            kari, name="Brøkgruppa", kind="school_team", school="Solbakken skole",
            description="Matematikklærerne på Solbakken tar kurset «Fra heltall til brøk» sammen.",
        )
    community_services.add_member(group, ola, MemberRole.MEMBER)
    module = ModulePage.objects.filter(slug="hva-er-en-brok").first()
    if not group.agenda:
        community_services.update_meeting(
            kari, group, next_meeting_at=timezone.now() + timedelta(days=7),
            meeting_url="https://meet.example.org/brokgruppa",
            agenda="1. Hvordan gikk tallinjeaktiviteten?\n2. Studieoppgaven i modul 1: del bilder av tallinjene.\n"
                   "3. Planlegg neste modul.",
            agenda_module=module,
        )
    if not group.messages.exists():
        live_services.send_message(kari, group.pk, "demo-1", "Hei alle! Husk å ta bilde av tallinjene deres.")
        live_services.send_message(ola, group.pk, "demo-2", "Gjør det! 5B plasserte 5/4 feil først, "
                                   "men fant ut av det selv.")
        live_services.send_message(kari, group.pk, "demo-3", "Så bra. Det tar vi opp på møtet.")
