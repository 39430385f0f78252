// The report form saves a draft on the server as the clinician types: a few seconds after typing
// stops, and when the page is left (a beacon, which the browser sends even as the page goes).
// Each save returns a fresh CSRF token for the form, so a form kept open and typed in does not
// expire. The draft is removed by the server when the form is filed.
//
// It also keeps the form's one-time key with this page's history entry: after a submission,
// Back loads the page again from the server, which gives it a new key, while the browser puts
// back what was typed; with the entry's own key, sending it again shows the report already
// filed instead of filing a second one.
(function () {
  "use strict";
  const form = document.getElementById("report-form");
  if (!form || !form.dataset.draftUrl) return;
  const key = form.querySelector("input[name=form_token]");
  const owner = form.querySelector("input[name=form_owner]");
  const kept = window.history.state;
  if (kept && kept.formToken && key) {
    key.value = kept.formToken;
    if (owner && kept.formOwner) owner.value = kept.formOwner;
  } else if (key) {
    window.history.replaceState(
      Object.assign({}, kept || {}, {formToken: key.value, formOwner: owner ? owner.value : ""}), "");
  }
  const url = form.dataset.draftUrl;
  const delay = Number(form.dataset.draftDelay) || 2000;
  const status = document.getElementById("draft-status");
  const csrf = form.querySelector("input[name=csrf_token]");
  let timer = null;
  let unsaved = false;
  let filing = false;

  async function save() {
    clearTimeout(timer);
    if (!unsaved || filing) return;
    unsaved = false;
    let response;
    try {
      response = await fetch(url, {method: "POST", body: new FormData(form), credentials: "same-origin", keepalive: true});
    } catch (error) {
      unsaved = true;  // offline: the next change, or leaving the page, tries again
      return;
    }
    if (response.redirected) { unsaved = true; return; }  // signed out: kept for the next try
    const body = await response.json().catch(function () { return {}; });
    if (!response.ok) {
      unsaved = true;
      // Refused (a social security number typed, say): said at once, beside the save status.
      const problems = Object.values(body.errors || {});
      if (status && problems.length) status.textContent = problems[0][0];
      return;
    }
    if (body.csrf_token && csrf) csrf.value = body.csrf_token;
    if (status && status.dataset.saved) status.textContent = status.dataset.saved;
  }

  function changed() {
    if (filing) return;
    unsaved = true;
    clearTimeout(timer);
    timer = setTimeout(save, delay);
  }

  function leave() {
    if (!unsaved || filing) return;
    unsaved = false;
    const data = new FormData(form);
    if (!(navigator.sendBeacon && navigator.sendBeacon(url, data))) {
      fetch(url, {method: "POST", body: data, credentials: "same-origin", keepalive: true}).catch(function () {});
    }
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", function () { filing = true; clearTimeout(timer); });
  window.addEventListener("pagehide", leave);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") leave();
  });
  // Back to a page kept in the browser's memory: the form can be sent again (the server answers
  // with the report already filed, never a second one).
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    filing = false;
    const button = form.querySelector("#submit-report") || form.querySelector("button[type=submit]");
    if (button) button.disabled = false;
  });
})();
