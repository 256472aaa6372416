// "Forhåndsvis" without leaving the form: the server renders the preview from the
// form as it stands (files included), so nothing typed or chosen is lost.
(function () {
  "use strict";
  const slot = document.getElementById("preview-slot");
  if (!slot) return;
  document.addEventListener("click", async function (event) {
    const button = event.target.closest("button[name=action][value=preview]");
    if (!button) return;
    event.preventDefault();
    const form = button.form;
    const data = new FormData(form);
    data.set("action", "preview");
    const url = new URL(form.getAttribute("action") || window.location.href, window.location.href);
    url.searchParams.set("fragment", "1");
    slot.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(url, {method: "POST", body: data, credentials: "same-origin"});
      if (response.status >= 500) throw new Error(String(response.status));
      slot.innerHTML = await response.text();
    } catch (err) {
      slot.innerHTML = '<p role="alert" class="error">Forhåndsvisningen kunne ikke lages akkurat nå. Prøv igjen.</p>';
    } finally {
      slot.removeAttribute("aria-busy");
    }
    const section = slot.querySelector("#idea-preview") || slot.firstElementChild;
    if (section) section.focus();
  });
})();
