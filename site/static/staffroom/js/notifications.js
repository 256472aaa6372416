// The header's unread count, kept live over /ws/notifications/.
(function () {
  "use strict";
  const out = document.getElementById("unread-count");
  if (!out || !window.WebSocket) return;
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  let retry = 0;
  function open() {
    const ws = new WebSocket(scheme + location.host + "/ws/notifications/");
    ws.addEventListener("message", (m) => {
      try {
        const ev = JSON.parse(m.data);
        if (ev.type === "notifications.unread") out.textContent = String(ev.count);
      } catch (e) { /* ignore */ }
    });
    ws.addEventListener("close", (e) => {
      if (e.code >= 4400 && e.code < 4500) return;
      retry = Math.min(retry + 1, 6);
      setTimeout(open, 1000 * Math.pow(2, retry - 1));
    });
  }
  open();
})();
