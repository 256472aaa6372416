// Module page: progress reporting, quiz checking and interactive video.
// Correct answers never reach the browser: every check is a POST to the server.
(function () {
  "use strict";
  let csrf = null;
  async function token() {
    if (csrf) return csrf;
    const r = await fetch("/api/csrf/", { credentials: "same-origin" });
    csrf = (await r.json()).token;
    return csrf;
  }
  async function post(url, body) {
    const r = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": await token() },
      body: JSON.stringify(body),
    });
    let data = {};
    try { data = await r.json(); } catch (e) { data = { error: gettext("Svaret fra serveren kunne ikke leses.") }; }
    return { ok: r.ok, data };
  }
  function answerOf(fieldset) {
    const kind = fieldset.dataset.kind;
    if (kind === "single") {
      const c = fieldset.querySelector("input:checked");
      return c ? Number(c.value) : null;
    }
    if (kind === "multiple") {
      return Array.from(fieldset.querySelectorAll("input:checked")).map((c) => Number(c.value));
    }
    const input = fieldset.querySelector("input[type=text]");
    return input ? input.value : "";
  }
  async function check(fieldset) {
    const out = fieldset.querySelector(".quiz-feedback");
    const answer = answerOf(fieldset);
    if (answer === null || (Array.isArray(answer) && answer.length === 0)) {
      out.textContent = gettext("Velg et svar først.");
      return null;
    }
    const res = await post("/api/quiz/" + fieldset.dataset.questionId + "/check/", { answer });
    if (!res.ok) { out.textContent = res.data.error || gettext("Noe gikk galt. Prøv igjen."); return null; }
    out.textContent = (res.data.correct ? gettext("Riktig!") : gettext("Ikke riktig.")) + " " + (res.data.feedback || "");
    fieldset.dataset.correct = res.data.correct ? "yes" : "no";
    return res.data.correct;
  }
  const module = document.getElementById("module");
  if (!module) return;
  const moduleId = Number(module.dataset.moduleId);
  const parts = Array.from(document.querySelectorAll(".module-part")).map((s) => s.dataset.part);
  post("/api/progress/open/", { module: moduleId, parts }).then((res) => {
    const p = document.getElementById("module-progress");
    if (p && res.ok) {
      const g = res.data.progress;
      p.textContent = interpolate(gettext("Du har åpnet %(opened)s av %(parts)s deler og bestått %(quizzes_passed)s av %(quizzes)s quizer."), g, true);
    }
  });
  document.querySelectorAll(".question .check-answer").forEach((button) => {
    if (button.closest(".video-question")) return;
    button.addEventListener("click", () => check(button.closest(".question")));
  });
  document.querySelectorAll(".quiz").forEach((quiz) => {
    const started = Date.now() / 1000;
    quiz.querySelector(".submit-quiz").addEventListener("click", async () => {
      const answers = {};
      quiz.querySelectorAll(".question").forEach((fs) => {
        const a = answerOf(fs);
        if (a !== null && !(Array.isArray(a) && a.length === 0) && a !== "") answers[fs.dataset.questionId] = a;
      });
      const out = quiz.querySelector(".quiz-result");
      const res = await post("/api/quiz/" + quiz.dataset.quizId + "/submit/", { answers, module: moduleId, started_at: started });
      if (!res.ok) { out.textContent = res.data.error || gettext("Noe gikk galt. Prøv igjen."); return; }
      Object.entries(res.data.results).forEach(([qid, r]) => {
        const fs = quiz.querySelector('.question[data-question-id="' + qid + '"] .quiz-feedback');
        if (fs) fs.textContent = (r.correct ? gettext("Riktig!") : gettext("Ikke riktig.")) + " " + (r.feedback || "");
      });
      out.textContent = interpolate(gettext("Du fikk %(score)s av %(total)s riktige."), res.data, true) + " " +
        (res.data.passed ? gettext("Bestått!") : gettext("Prøv gjerne igjen."));
    });
  });
  // Interactive video: pause at each question, check it, then continue.
  document.querySelectorAll("video.video-player").forEach((video) => {
    const figure = video.closest(".video");
    let questions = [];
    try { questions = JSON.parse(video.dataset.questions || "[]"); } catch (e) { questions = []; }
    const done = new Set();
    video.addEventListener("timeupdate", () => {
      for (const q of questions) {
        if (!done.has(q.question) && video.currentTime >= q.at) {
          done.add(q.question);
          video.pause();
          const box = figure.querySelector('.video-question[data-question="' + q.question + '"]');
          if (!box) continue;
          box.hidden = false;
          const first = box.querySelector("input");
          if (first) first.focus();
          const btn = box.querySelector(".check-answer");
          btn.addEventListener("click", async () => {
            const ok = await check(box.querySelector(".question"));
            if (ok) {
              const cont = document.createElement("button");
              cont.type = "button"; cont.textContent = gettext("Fortsett videoen");
              cont.addEventListener("click", () => { box.hidden = true; video.focus(); video.play(); });
              box.appendChild(cont); cont.focus();
            }
          });
          break;
        }
      }
    });
    figure.querySelectorAll(".chapter").forEach((b) => b.addEventListener("click", () => {
      video.currentTime = Number(b.dataset.start); video.focus();
    }));
    // Keyboard: space/k play-pause, arrows seek, when the player has focus.
    video.addEventListener("keydown", (e) => {
      if (e.key === "k" || e.key === " ") { e.preventDefault(); video.paused ? video.play() : video.pause(); }
      if (e.key === "ArrowRight") video.currentTime += 5;
      if (e.key === "ArrowLeft") video.currentTime -= 5;
    });
  });
})();
