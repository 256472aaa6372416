// Search box autocomplete: titles from /api/search/suggest fill the native datalist,
// which keyboards and screen readers already know how to use.
(function () {
  "use strict";
  const input = document.getElementById("q");
  const list = document.getElementById("search-suggestions");
  if (!input || !list) return;
  let timer = null;
  let last = "";
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = input.value.trim();
      if (q.length < 2 || q === last) return;
      last = q;
      try {
        const r = await fetch("/api/search/suggest?q=" + encodeURIComponent(q), { credentials: "same-origin" });
        const data = await r.json();
        list.replaceChildren(...data.suggestions.map((s) => {
          const o = document.createElement("option");
          o.value = s.title;
          return o;
        }));
      } catch (e) { /* suggestions are a help, not a requirement */ }
    }, 150);
  });
})();
