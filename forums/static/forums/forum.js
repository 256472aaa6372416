// Live forum pages: new posts, edits, deletions and likes appear without reloading.
// Without JavaScript the pages work as plain forms and links.
(function () {
  "use strict";
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  function live(path, onEvent) {
    let retry = 0;
    function open() {
      const ws = new WebSocket(scheme + location.host + path());
      ws.addEventListener("message", (m) => { try { onEvent(JSON.parse(m.data)); } catch (e) { /* ignore */ } });
      ws.addEventListener("close", (e) => {
        if (e.code >= 4400 && e.code < 4500) return;
        retry = Math.min(retry + 1, 6);
        setTimeout(open, 500 * Math.pow(2, retry - 1));
      });
    }
    open();
  }
  const thread = document.getElementById("thread");
  if (thread) {
    let lastSeq = Number(thread.dataset.lastSeq || 0);
    const list = document.getElementById("posts");
    const announcer = document.getElementById("thread-announcer");
    const readers = document.getElementById("readers");
    function render(post) {
      let li = document.getElementById("post-" + post.id);
      const fresh = !li;
      if (!li) { li = document.createElement("li"); li.className = "post"; li.id = "post-" + post.id; list.appendChild(li); }
      li.textContent = "";
      const meta = document.createElement("p");
      meta.className = "meta";
      const who = document.createElement("strong");
      who.textContent = post.author.name;
      meta.append(who, " · " + new Date(post.created_at).toLocaleString(document.documentElement.lang || "nb"));
      if (post.feedback_label) {
        const k = document.createElement("span"); k.className = "feedback-kind"; k.textContent = post.feedback_label;
        meta.append(" · ", k);
      }
      const body = document.createElement("div");
      body.className = "post-body";
      if (post.deleted) body.textContent = gettext("Innlegget er slettet.");
      else if (post.hidden) body.textContent = gettext("Innlegget er skjult av en moderator.");
      else body.innerHTML = post.html; // sanitised on the server with nh3
      const likes = document.createElement("p");
      likes.className = "meta likes";
      likes.textContent = interpolate(gettext("%s liker dette"), [post.likes]);
      li.append(meta, body, likes);
      if (fresh) announcer.textContent = interpolate(gettext("Nytt innlegg fra %s"), [post.author.name]);
    }
    live(() => "/ws/threads/" + thread.dataset.thread + "/?after=" + lastSeq, (ev) => {
      if (typeof ev.seq === "number" && ev.type !== "hello") lastSeq = Math.max(lastSeq, ev.seq);
      if (ev.type === "post.new" || ev.type === "post.edited") render(ev.post);
      else if (ev.type === "post.deleted") {
        const li = document.getElementById("post-" + ev.post.id);
        if (li) li.querySelector(".post-body").textContent = gettext("Innlegget er slettet.");
      } else if (ev.type === "post.liked") {
        const li = document.getElementById("post-" + ev.post.id);
        if (li) li.querySelector(".likes").textContent = ev.post.likes + " liker dette";
      } else if (ev.type === "readers") {
        readers.textContent = interpolate(gettext("%s leser nå"), [ev.count]);
      } else if (ev.type === "resync") { location.reload(); }
    });
  }
  const cat = document.getElementById("new-threads");
  if (cat) {
    live(() => "/ws/categories/" + cat.dataset.category + "/", (ev) => {
      if (ev.type !== "thread.new") return;
      const p = document.createElement("p");
      const a = document.createElement("a");
      a.href = ev.url; a.textContent = ev.title;
      p.append(interpolate(gettext("Ny tråd fra %s: "), [ev.author]), a);
      cat.appendChild(p);
    });
  }
})();
// @mention autocomplete on the reply box: suggestions are buttons that complete the name.
(function () {
  "use strict";
  const box = document.querySelector("#reply-form textarea");
  const list = document.getElementById("mention-suggestions");
  if (!box || !list) return;
  let timer = null;
  box.addEventListener("input", () => {
    clearTimeout(timer);
    const m = /@([\w.\-]{2,30})$/.exec(box.value.slice(0, box.selectionStart));
    if (!m) { list.textContent = ""; return; }
    timer = setTimeout(async () => {
      const r = await fetch("/forum/api/mentions?q=" + encodeURIComponent(m[1]), { credentials: "same-origin" });
      if (!r.ok) return;
      const data = await r.json();
      list.textContent = "";
      data.results.forEach((u) => {
        const li = document.createElement("li");
        const b = document.createElement("button");
        b.type = "button"; b.className = "link-button";
        b.textContent = "@" + u.username + " (" + u.name + ")";
        b.addEventListener("click", () => {
          const pos = box.selectionStart;
          box.value = box.value.slice(0, pos - m[1].length) + u.username + " " + box.value.slice(pos);
          list.textContent = ""; box.focus();
        });
        li.appendChild(b); list.appendChild(li);
      });
    }, 200);
  });
})();
