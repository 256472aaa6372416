// Live room client (protocol: docs/protocol-rooms.md). Messages are shown once,
// in server order; unacknowledged sends are kept and resent after a reconnect.
(function () {
  "use strict";
  const log = document.getElementById("chat-log");
  if (!log) return;
  const group = log.dataset.group;
  const me = Number(log.dataset.me);
  const form = document.getElementById("chat-form");
  const input = document.getElementById("chat-input");
  const status = document.getElementById("connection-status");
  const announcer = document.getElementById("chat-announcer");
  const errorBox = document.getElementById("chat-error");
  const typingBox = document.getElementById("typing");
  const quizBox = document.getElementById("live-quiz");
  const presenceList = document.getElementById("presence-list");
  let lastSeq = Number(log.dataset.lastSeq || 0);
  let socket = null;
  let retry = 0;
  const pending = new Map(); // client_id -> body
  const typers = new Map();
  const presence = new Map();

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return String(Date.now()) + Math.random().toString(16).slice(2);
  }
  function announce(text) {
    const p = document.createElement("p");
    p.textContent = text;
    announcer.appendChild(p);
    while (announcer.childNodes.length > 5) announcer.removeChild(announcer.firstChild);
  }
  function messageItem(id) { return document.getElementById("msg-" + id); }
  function addMessage(ev) {
    if (ev.client_id) {
      const local = document.querySelector('[data-client-id="' + CSS.escape(ev.client_id) + '"]');
      if (local && ev.author.id === me) local.remove();
      pending.delete(ev.client_id);
    }
    if (messageItem(ev.id)) return;
    const li = document.createElement("li");
    li.id = "msg-" + ev.id;
    li.dataset.seq = ev.seq;
    const author = document.createElement("span");
    author.className = "author";
    author.textContent = ev.author.name;
    const body = document.createElement("span");
    body.className = "body";
    body.textContent = ev.body;
    li.append(author, ": ", body);
    log.appendChild(li);
    log.scrollTop = log.scrollHeight;
    if (ev.author.id !== me) announce(ev.author.name + " skriver: " + ev.body);
  }
  function showPending(clientId, body, failed) {
    let li = document.querySelector('[data-client-id="' + CSS.escape(clientId) + '"]');
    if (!li) {
      li = document.createElement("li");
      li.dataset.clientId = clientId;
      log.appendChild(li);
    }
    li.className = failed ? "failed" : "pending";
    li.textContent = body + (failed ? " – " + interpolate(gettext("ikke sendt: %s"), [failed]) : " – " + gettext("sender …"));
  }
  function renderPresence() {
    presenceList.textContent = "";
    presence.forEach((p) => {
      if (p.state === "offline") return;
      const li = document.createElement("li");
      li.textContent = p.name + (p.state === "idle" ? " (borte)" : "");
      presenceList.appendChild(li);
    });
  }
  function renderTyping() {
    const now = Date.now();
    const names = [];
    typers.forEach((until, name) => { if (until > now) names.push(name); else typers.delete(name); });
    typingBox.textContent = names.length ? interpolate(gettext("%s skriver …"), [names.join(", ")]) : "";
  }
  setInterval(renderTyping, 1000);
  function renderQuiz(ev) {
    quizBox.textContent = "";
    const h = document.createElement("h3");
    h.textContent = ev.title + " – " + interpolate(gettext("spørsmål %s av %s"), [ev.index + 1, ev.total]);
    const p = document.createElement("p");
    p.textContent = ev.prompt;
    const left = document.createElement("p");
    left.className = "meta";
    quizBox.append(h, p);
    ev.options.forEach((opt, i) => {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = opt;
      b.addEventListener("click", () => {
        send({ type: "quiz.answer", quiz_id: ev.quiz_id, index: ev.index, choice: i });
        quizBox.querySelectorAll("button.option").forEach((x) => (x.disabled = true));
      });
      b.className = "option";
      quizBox.appendChild(b);
    });
    quizBox.appendChild(left);
    const deadline = Date.parse(ev.deadline);
    const timer = setInterval(() => {
      const s = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      left.textContent = interpolate(gettext("%s sekunder igjen"), [s]);
      if (!s) clearInterval(timer);
    }, 1000);
  }
  function renderResult(ev) {
    quizBox.textContent = "";
    const h = document.createElement("h3");
    h.textContent = interpolate(gettext("Resultat: %s"), [ev.title]);
    const ol = document.createElement("ol");
    ev.scores.forEach((s) => {
      const li = document.createElement("li");
      li.textContent = s.name + ": " + interpolate(gettext("%s av %s"), [s.score, ev.total]);
      ol.appendChild(li);
    });
    quizBox.append(h, ol);
  }
  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }
  function flushPending() {
    pending.forEach((body, clientId) => send({ type: "message.send", client_id: clientId, body }));
  }
  function handle(ev) {
    if (typeof ev.seq === "number" && ev.seq > lastSeq) lastSeq = ev.seq;
    switch (ev.type) {
      case "hello":
        status.textContent = gettext("Tilkoblet.");
        retry = 0;
        Object.entries(ev.presence || {}).forEach(([id, state]) => {
          if (!presence.has(Number(id))) presence.set(Number(id), { name: interpolate(gettext("Medlem %s"), [id]), state });
        });
        presence.set(me, { name: ev.you.name, state: "online" });
        renderPresence();
        flushPending();
        break;
      case "message.new": addMessage(ev); break;
      case "message.ack": {
        const local = document.querySelector('[data-client-id="' + CSS.escape(ev.client_id) + '"]');
        if (local) local.className = "";
        pending.delete(ev.client_id);
        break;
      }
      case "message.edited": {
        const li = messageItem(ev.id);
        if (li) li.querySelector(".body").textContent = ev.body + " (endret)";
        break;
      }
      case "message.deleted": {
        const li = messageItem(ev.id);
        if (li) li.querySelector(".body").textContent = gettext("Meldingen er slettet.");
        break;
      }
      case "presence":
        presence.set(ev.user.id, { name: ev.user.name, state: ev.state });
        renderPresence();
        break;
      case "typing":
        typers.set(ev.user.name, Date.now() + ev.expires_in * 1000);
        renderTyping();
        break;
      case "quiz.question": case "quiz.state": renderQuiz(ev); break;
      case "quiz.result": renderResult(ev); break;
      case "resync":
        fetch(ev.history_url, { credentials: "same-origin" }).then((r) => r.json()).then((page) => {
          page.messages.forEach((m) => addMessage({ ...m, type: "message.new" }));
        });
        lastSeq = ev.seq;
        break;
      case "layer.down": status.textContent = gettext("Direktevisning er midlertidig borte. Meldinger lagres fortsatt."); break;
      case "layer.up": status.textContent = gettext("Tilkoblet."); break;
      case "error":
        if (ev.client_id && pending.has(ev.client_id)) {
          showPending(ev.client_id, pending.get(ev.client_id), ev.message);
          pending.delete(ev.client_id);
        }
        errorBox.textContent = ev.message;
        break;
      case "closed": status.textContent = ev.reason; break;
    }
  }
  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/rooms/" + group + "/?after=" + lastSeq);
    socket.addEventListener("message", (m) => {
      let ev;
      try { ev = JSON.parse(m.data); } catch (e) { return; }
      handle(ev);
    });
    socket.addEventListener("close", (e) => {
      if (e.code === 4401 || e.code === 4403 || e.code === 4404 || e.code === 4440) {
        status.textContent = e.code === 4440 ? gettext("Du er logget ut.") : gettext("Du har ikke tilgang til rommet.");
        return;
      }
      status.textContent = gettext("Frakoblet. Prøver igjen …");
      retry = Math.min(retry + 1, 6);
      setTimeout(connect, 500 * Math.pow(2, retry - 1));
    });
  }
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    errorBox.textContent = "";
    const body = input.value.trim();
    if (!body) { errorBox.textContent = gettext("Skriv en melding først."); return; }
    const clientId = uuid();
    pending.set(clientId, body);
    showPending(clientId, body, null);
    send({ type: "message.send", client_id: clientId, body });
    input.value = "";
    input.focus();
  });
  let lastTyping = 0;
  input.addEventListener("input", () => {
    if (Date.now() - lastTyping > 3000) { lastTyping = Date.now(); send({ type: "typing" }); }
  });
  document.addEventListener("visibilitychange", () => {
    send({ type: "presence", state: document.hidden ? "idle" : "online" });
    if (!document.hidden) send({ type: "read", seq: lastSeq });
  });
  window.addEventListener("focus", () => send({ type: "read", seq: lastSeq }));
  connect();
})();
