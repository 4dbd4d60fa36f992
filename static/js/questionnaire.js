// The questionnaire's autosave (no inline script: strict CSP).
//
// Every answer and comment is queued the moment it is given, in memory and in
// localStorage, and sent to the page's save endpoint one at a time. A save that
// fails for a passing reason (network, server error) is retried with growing
// back-off while a warning stays visible; a reload or a lost connection loses
// nothing, because the queue survives in localStorage and is sent again on the
// next page of the same questionnaire. A refusal (409: submitted or closed)
// locks the page and drops the queue: nothing can be written any more. A personal
// link that no longer works (renewed, withdrawn, expired: 404/410) keeps the queue
// on the device for the respondent's next (new) link, and says so in the page's words.
(() => {
  "use strict";

  const form = document.getElementById("questionnaire");
  const submitForm = document.getElementById("qn-submit");
  const root = form || submitForm;
  if (!root) return;

  const messagesEl = document.getElementById("qn-i18n");
  const t = messagesEl ? JSON.parse(messagesEl.textContent) : {};
  const saveUrl = root.dataset.saveUrl;
  const storageKey = root.dataset.storageKey;
  const readonly = root.dataset.readonly === "true";
  const csrfInput = root.querySelector("input[name=csrfmiddlewaretoken]");
  const csrf = csrfInput ? csrfInput.value : "";
  const status = document.getElementById("qn-status");
  const warning = document.getElementById("qn-warning");
  const tabId = Math.random().toString(36).slice(2);
  const COMMENT_DELAY = 800;
  // Error codes of a personal link that no longer works -> the page's text for it.
  const LINK_GONE = {renewed: "linkRenewed", revoked: "linkRevoked",
                     expired: "linkExpired", unknown: "linkUnknown"};
  const MAX_BACKOFF = 30000;

  // ---------------------------------------------------------------- the queue
  // pending[questionKey] = {id, option?, comment?, ready}
  const pending = {};
  let seq = 0;
  let inFlight = false;
  let backoff = 0;
  let retryTimer = null;
  let stopped = false;  // a permanent refusal: nothing more is sent
  let storageWorks = true;

  function readStore() {
    try {
      return JSON.parse(window.localStorage.getItem(storageKey) || "{}") || {};
    } catch (error) {
      storageWorks = false;
      return {};
    }
  }

  function writeStore(data) {
    try {
      if (Object.keys(data).length) {
        window.localStorage.setItem(storageKey, JSON.stringify(data));
      } else {
        window.localStorage.removeItem(storageKey);
      }
    } catch (error) {
      storageWorks = false;
    }
  }

  // Merge one question's state into the stored queue: read-modify-write in one go,
  // so another tab's entries for other questions are kept.
  function persist(key, ackedId) {
    const stored = readStore();
    if (pending[key]) {
      stored[key] = {option: pending[key].option, comment: pending[key].comment,
                     id: pending[key].id};
    } else if (stored[key] && (ackedId === undefined || stored[key].id === ackedId)) {
      delete stored[key];
    }
    writeStore(stored);
  }

  function enqueue(key, change, ready) {
    const entry = pending[key] || {};
    seq += 1;
    entry.id = tabId + "-" + seq;
    if ("option" in change) entry.option = change.option;
    if ("comment" in change) entry.comment = change.comment;
    entry.ready = ready;
    pending[key] = entry;
    persist(key);
    setState(key, "saving");
    if (ready) flush();
  }

  function nextReady() {
    return Object.keys(pending).find((key) => pending[key].ready);
  }

  async function flush() {
    if (inFlight || stopped || retryTimer) return;
    const key = nextReady();
    if (key === undefined) {
      if (!Object.keys(pending).length) hideWarning();
      return;
    }
    const entry = Object.assign({}, pending[key]);
    const body = {question: key};
    if (entry.option !== undefined) body.option = entry.option;
    if (entry.comment !== undefined) body.comment = entry.comment;
    inFlight = true;
    let outcome;
    try {
      const response = await fetch(saveUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: {"Content-Type": "application/json", "Accept": "application/json",
                  "X-CSRFToken": csrf, "X-Requested-With": "XMLHttpRequest"},
        body: JSON.stringify(body),
      });
      let data = null;
      try { data = await response.json(); } catch (error) { data = null; }
      outcome = {status: response.status, data};
    } catch (error) {
      outcome = {status: 0, data: null};  // offline, DNS, connection reset…
    }
    inFlight = false;
    handle(key, entry, outcome);
  }

  function handle(key, entry, {status: code, data}) {
    if (code >= 200 && code < 300 && data && data.ok) {
      backoff = 0;
      commitDefaults(key, entry);
      if (pending[key] && pending[key].id === entry.id) {
        delete pending[key];
        persist(key, entry.id);
        setState(key, "saved");
      }
      announce(t.saved || "");  // the page's translated text (json_script "qn-i18n")
      if (!Object.keys(pending).length) hideWarning();
      flush();
      return;
    }
    if ((code === 404 || code === 410 || code === 409) && data && LINK_GONE[data.code]) {
      // The personal link was renewed, withdrawn or has expired: nothing can be sent
      // through it, but the answers are the person's. They stay on the page and in
      // localStorage (the key is the response's, which a renewed link shares), and
      // the page's own text (in its language) says what to do.
      stopped = true;
      for (const k of Object.keys(pending)) {
        pending[k].ready = true;
        persist(k);
        setState(k, "kept");
      }
      freeze();
      showWarning(t[LINK_GONE[data.code]] || t.failed, false);
      return;
    }
    if (code === 409 || code === 410 || (code === 404 && data && data.code)) {
      // Submitted or closed: nothing can be written any more.
      stopped = true;
      for (const k of Object.keys(pending)) { delete pending[k]; setState(k, "failed"); }
      writeStore({});
      lock();
      showWarning((data && data.error) || t.failed, false);
      return;
    }
    if (code === 400) {
      // This one answer is invalid (e.g. an option the model does not have): drop it.
      if (pending[key] && pending[key].id === entry.id) {
        delete pending[key];
        persist(key, entry.id);
      }
      revert(key);
      setState(key, "failed", data && data.error);
      updateProgress();
      flush();
      return;
    }
    if (code === 403 || code === 401 || (code >= 300 && code < 400)) {
      // The session ended or the CSRF token is stale: retrying cannot help; the
      // queue stays in localStorage for after the reload.
      stopped = true;
      setState(key, "retrying");
      showWarning(t.session, false);
      return;
    }
    // 0 (network), 429, 5xx: try again with growing back-off.
    setState(key, "retrying");
    showWarning(t.offline, true);
    backoff = Math.min(backoff ? backoff * 2 : 1000, MAX_BACKOFF);
    const delay = backoff / 2 + Math.random() * backoff / 2;
    retryTimer = window.setTimeout(() => { retryTimer = null; flush(); }, delay);
  }

  function retryNow() {
    if (retryTimer) { window.clearTimeout(retryTimer); retryTimer = null; }
    backoff = 0;
    flush();
  }

  // ----------------------------------------------------------------- the page
  function fieldsetFor(key) {
    return form ? form.querySelector(`fieldset[data-question="${CSS.escape(key)}"]`) : null;
  }

  function setState(key, state, detail) {
    const el = form && form.querySelector(`[data-state-for="${CSS.escape(key)}"]`);
    if (!el) return;
    el.dataset.state = state;
    el.textContent = detail || t[state] || "";
  }

  function announce(text) {
    if (!status) return;
    status.textContent = "";
    window.setTimeout(() => { status.textContent = text; }, 50);
  }

  function showWarning(text, canRetry) {
    if (!warning) return;
    warning.querySelector("[data-message]").textContent = text || "";
    const button = warning.querySelector("[data-retry]");
    if (button) button.hidden = !canRetry;
    warning.hidden = false;
  }

  function hideWarning() {
    if (warning) warning.hidden = true;
  }

  // What the server holds for each question on this page: as loaded, then as saved.
  const serverState = {};
  if (form) {
    form.querySelectorAll("fieldset[data-question]").forEach((fieldset) => {
      const checked = fieldset.querySelector("input[type=radio]:checked");
      const area = fieldset.querySelector("textarea");
      serverState[fieldset.dataset.question] = {
        option: checked ? checked.value : "", comment: area ? area.value : ""};
    });
  }

  function commitDefaults(key, entry) {
    const state = serverState[key];
    if (!state) return;
    if (entry.option !== undefined) state.option = entry.option;
    if (entry.comment !== undefined) state.comment = entry.comment;
  }

  // Show what the server holds for a question, not a refused answer.
  function revert(key, disable) {
    const fieldset = fieldsetFor(key);
    if (!fieldset) return;
    const state = serverState[key] || {option: "", comment: ""};
    fieldset.querySelectorAll("input[type=radio]").forEach((input) => {
      input.checked = input.value === state.option;
      if (disable) input.disabled = true;
    });
    const area = fieldset.querySelector("textarea");
    if (area) {
      area.value = state.comment;
      if (disable) area.readOnly = true;
    }
  }

  // Nothing can be sent from this page, but what it shows is kept: no more changes.
  function freeze() {
    if (!form) return;
    form.querySelectorAll("fieldset[data-question] input[type=radio]").forEach((input) => {
      input.disabled = true;
    });
    form.querySelectorAll("fieldset[data-question] textarea").forEach((area) => {
      area.readOnly = true;
    });
  }

  // Nothing more can be saved: the whole page shows what the server holds.
  function lock() {
    if (!form) return;
    form.querySelectorAll("fieldset[data-question]").forEach((fieldset) => {
      revert(fieldset.dataset.question, true);
    });
    updateProgress();
  }

  function updateProgress() {
    if (!form) return;
    const total = Number(form.dataset.total) || 0;
    const elsewhere = Number(form.dataset.answeredElsewhere) || 0;
    let here = 0;
    const fieldsets = form.querySelectorAll("fieldset[data-question]");
    fieldsets.forEach((fieldset) => {
      const answered = !!fieldset.querySelector("input[type=radio]:checked");
      fieldset.closest(".qn-question").classList.toggle("qn-answered", answered);
      if (answered) here += 1;
    });
    const answered = elsewhere + here;
    const percent = total ? Math.round(100 * answered / total) : 100;
    const bar = document.getElementById("qn-progressbar");
    if (bar) {
      bar.setAttribute("aria-valuenow", String(answered));
      bar.querySelector(".progress-bar").style.width = percent + "%";
    }
    const text = document.getElementById("qn-progress-text");
    if (text && t.answered) {
      text.textContent = t.answered.replace("%(answered)s", answered).replace("%(total)s", total);
    }
    const pct = document.getElementById("qn-progress-percent");
    if (pct) pct.textContent = percent + " %";
    const badge = document.querySelector(`[data-count-for="${CSS.escape(form.dataset.dimension)}"]`);
    if (badge) {
      const hidden = badge.querySelector(".visually-hidden");
      badge.textContent = `${here}/${fieldsets.length}`;
      if (hidden) badge.prepend(hidden);
      badge.classList.toggle("text-bg-success", here === fieldsets.length);
      badge.classList.toggle("text-bg-light", here !== fieldsets.length);
    }
  }

  // Put answers that were queued but not saved (a reload, a lost connection) back
  // on the page, and send them again.
  function restore() {
    const stored = readStore();
    for (const [key, entry] of Object.entries(stored)) {
      if (pending[key]) continue;
      pending[key] = {id: entry.id || `${tabId}-r${key}`, option: entry.option,
                      comment: entry.comment, ready: true};
      const fieldset = fieldsetFor(key);
      if (!fieldset) continue;
      if (entry.option !== undefined) {
        fieldset.querySelectorAll("input[type=radio]").forEach((input) => {
          input.checked = input.value === entry.option;
        });
      }
      if (entry.comment !== undefined) {
        const area = fieldset.querySelector("textarea");
        if (area) {
          area.value = entry.comment;
          const details = area.closest("details");
          if (details && entry.comment) details.open = true;
        }
      }
      setState(key, "saving");
    }
    return Object.keys(stored).length;
  }

  if (readonly) {
    writeStore({});  // a submitted or closed questionnaire cannot take them any more
    return;
  }

  // ------------------------------------------------------------------ events
  const commentTimers = {};

  if (form) {
    form.addEventListener("change", (event) => {
      const el = event.target;
      const fieldset = el.closest("fieldset[data-question]");
      if (!fieldset) return;
      const key = fieldset.dataset.question;
      if (el.type === "radio") {
        enqueue(key, {option: el.value}, true);
        updateProgress();
        // An answer replaces the one carried from last round (assessments/followup.py).
        const card = fieldset.closest(".qn-carried");
        if (card) {
          card.classList.remove("qn-carried");
          fieldset.querySelectorAll(".qn-carried-note").forEach((note) => { note.hidden = true; });
          fieldset.querySelectorAll(".qn-label-carried").forEach((label) => {
            label.classList.remove("qn-label-carried");
          });
        }
      } else if (el.tagName === "TEXTAREA") {
        window.clearTimeout(commentTimers[key]);
        enqueue(key, {comment: el.value}, true);
      }
    });
    form.addEventListener("input", (event) => {
      const el = event.target;
      if (el.tagName !== "TEXTAREA") return;
      const key = el.closest("fieldset[data-question]").dataset.question;
      // Kept at once (memory and localStorage), sent when typing pauses.
      enqueue(key, {comment: el.value}, false);
      window.clearTimeout(commentTimers[key]);
      commentTimers[key] = window.setTimeout(() => {
        if (pending[key]) { pending[key].ready = true; flush(); }
      }, COMMENT_DELAY);
    });
    form.addEventListener("focusout", (event) => {
      const el = event.target;
      if (el.tagName !== "TEXTAREA") return;
      const key = el.closest("fieldset[data-question]").dataset.question;
      if (pending[key] && !pending[key].ready) {
        window.clearTimeout(commentTimers[key]);
        pending[key].ready = true;
        flush();
      }
    });
    // With JavaScript the page needs no submit: everything is saved as it is given.
    form.addEventListener("submit", (event) => { event.preventDefault(); });
  }

  if (submitForm) {
    // Registered on document after app.js's confirm(), so a cancelled confirm wins.
    document.addEventListener("submit", (event) => {
      if (event.target !== submitForm || event.defaultPrevented) return;
      for (const key of Object.keys(pending)) pending[key].ready = true;
      if (!Object.keys(pending).length) return;
      event.preventDefault();
      announce(t.waitSubmit || "");
      const started = Date.now();
      const wait = () => {
        if (!Object.keys(pending).length) { submitForm.submit(); return; }
        if (stopped || Date.now() - started > 15000) {
          showWarning(t.offline, true);
          return;
        }
        retryNow();
        window.setTimeout(wait, 300);
      };
      wait();
    });
  }

  if (warning) {
    const button = warning.querySelector("[data-retry]");
    if (button) button.addEventListener("click", retryNow);
  }
  window.addEventListener("online", retryNow);
  window.addEventListener("beforeunload", (event) => {
    // Only when the browser cannot keep the queue for us.
    if (!storageWorks && Object.keys(pending).length) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  const restored = restore();
  if (restored) {
    updateProgress();
    if (submitForm && !form) {
      // The review page lists open statements as the server knew them: show it again
      // once the restored answers are saved.
      const reloadWhenSaved = () => {
        if (!Object.keys(pending).length) { window.location.reload(); return; }
        if (!stopped) window.setTimeout(reloadWhenSaved, 500);
      };
      window.setTimeout(reloadWhenSaved, 500);
    }
    flush();
  }
})();
