// Stepflow UI: the live parts of the pages. Vanilla JavaScript, no build step, no libraries.
"use strict";

(function () {
  const POLL_MS = 1000;

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) if (c != null) e.append(c);
    return e;
  }

  async function api(method, url, body) {
    const opts = { method, headers: {} };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    const resp = await fetch(url, opts);
    const data = await resp.json().catch(() => ({}));
    if (!resp.ok) throw new Error(data.error || resp.status + " " + resp.statusText);
    return data;
  }

  function fmtTime(s) {
    if (!s) return "";
    const d = new Date(s);
    return d.toISOString().replace("T", " ").replace("Z", " UTC");
  }

  function pretty(v) {
    if (v === undefined || v === null) return "";
    if (typeof v === "string") {
      try { return JSON.stringify(JSON.parse(v), null, 2); } catch (e) { return v; }
    }
    return JSON.stringify(v, null, 2);
  }

  function showError(node, err) {
    node.hidden = !err;
    node.textContent = err ? String(err.message || err) : "";
  }

  const executionURL = (arn) => "/ui/executions/" + encodeURIComponent(arn);

  // ---- state machine page: start form and executions list ----
  function stateMachinePage(main) {
    const arn = main.dataset.arn;
    const base = "/ui/api/state-machines/" + encodeURIComponent(arn) + "/executions";
    const tbody = $("executions").querySelector("tbody");
    let nextToken = "";

    async function load(append) {
      const q = new URLSearchParams();
      if ($("status-filter").value) q.set("status", $("status-filter").value);
      if ($("search").value.trim()) q.set("q", $("search").value.trim());
      if (append && nextToken) q.set("nextToken", nextToken);
      const data = await api("GET", base + "?" + q.toString());
      if (!append) tbody.replaceChildren();
      for (const ex of data.executions) {
        tbody.append(el("tr", { "data-arn": ex.executionArn },
          el("td", {}, el("a", { href: executionURL(ex.executionArn), text: ex.name })),
          el("td", {}, el("span", { class: "status status-" + ex.status, text: ex.status })),
          el("td", { text: fmtTime(ex.startDate) }),
          el("td", { text: fmtTime(ex.stopDate) })));
      }
      nextToken = data.nextToken || "";
      $("more").hidden = !nextToken;
      $("executions-empty").hidden = tbody.children.length > 0;
    }

    let timer = null;
    $("search").addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => load(false), 250); });
    $("status-filter").addEventListener("change", () => load(false));
    $("refresh").addEventListener("click", () => load(false));
    $("more").addEventListener("click", () => load(true));
    $("start-form").addEventListener("submit", async (e) => {
      e.preventDefault();
      const button = $("start-button");
      button.disabled = true;
      showError($("start-error"), null);
      try {
        const input = $("start-input").value;
        JSON.parse(input || "{}");
        const data = await api("POST", base, { name: $("start-name").value.trim(), input });
        window.location.href = executionURL(data.executionArn);
      } catch (err) {
        showError($("start-error"), err);
        button.disabled = false;
      }
    });
    load(false).catch((err) => showError($("start-error"), err));
  }

  // ---- execution page: live graph, state details, events, actions ----
  const STATUS_CLASSES = ["running", "succeeded", "failed", "caught", "aborted"].map((s) => "sf-status-" + s);

  function executionPage(main) {
    const arn = main.dataset.arn;
    const url = "/ui/api/executions/" + encodeURIComponent(arn);
    let view = null;
    let selected = null;
    let lastEvent = 0;
    let shownWaiting = "";

    function nodesOf(name) {
      return document.querySelectorAll('#graph .sf-node[data-state="' + CSS.escape(name) + '"]');
    }

    function paintGraph() {
      document.querySelectorAll("#graph .sf-node").forEach((n) => n.classList.remove(...STATUS_CLASSES));
      for (const [name, p] of Object.entries(view.states)) {
        nodesOf(name).forEach((n) => n.classList.add("sf-status-" + p.status));
      }
    }

    function detail(dl, label, value, asJSON) {
      if (value === undefined || value === null || value === "") return;
      dl.append(el("dt", { text: label }), el("dd", {}, asJSON ? el("pre", { text: pretty(value) }) : document.createTextNode(String(value))));
    }

    function renderSide() {
      const dl = $("state-details");
      dl.replaceChildren();
      document.querySelectorAll("#graph .sf-selected").forEach((n) => n.classList.remove("sf-selected"));
      if (!selected) {
        const ex = view.execution;
        $("state-title").textContent = "Execution";
        $("state-hint").hidden = false;
        detail(dl, "Status", ex.status);
        detail(dl, "Error", ex.error);
        detail(dl, "Cause", ex.cause);
        detail(dl, "Input", ex.input, true);
        detail(dl, "Output", ex.output, true);
        if (ex.redriveCount) detail(dl, "Redrives", ex.redriveCount);
        return;
      }
      nodesOf(selected).forEach((n) => n.classList.add("sf-selected"));
      $("state-title").textContent = selected;
      $("state-hint").hidden = true;
      const p = view.states[selected];
      if (!p) {
        dl.append(el("dd", { class: "hint", text: "This state has not run." }));
        return;
      }
      detail(dl, "Status", p.status);
      if (p.runs > 1) detail(dl, "Runs", p.runs + " (the last one is shown)");
      detail(dl, "Entered", fmtTime(p.enteredAt));
      detail(dl, "Exited", fmtTime(p.exitedAt));
      detail(dl, "Error", p.error);
      detail(dl, "Cause", p.cause);
      detail(dl, "Input", p.input, true);
      detail(dl, "Output", p.output, true);
    }

    // An event's details, with the JSON text of payloads (input, output, parameters) decoded
    // so they read as JSON rather than as escaped strings.
    function eventDetails(ev) {
      for (const [k, v] of Object.entries(ev)) {
        if (!k.endsWith("EventDetails") || !v) continue;
        const d = Object.assign({}, v);
        for (const field of ["input", "output", "parameters"]) {
          if (typeof d[field] === "string") {
            try { d[field] = JSON.parse(d[field]); } catch (e) { /* keep the text */ }
          }
        }
        return d;
      }
      return null;
    }

    // Polls fetch only the events after the last one shown; rows are appended.
    function renderEvents() {
      const tbody = $("events").querySelector("tbody");
      for (const ev of view.events) {
        if (ev.id <= lastEvent) continue;
        lastEvent = ev.id;
        const d = eventDetails(ev);
        const failure = /Failed$|TimedOut$|Aborted$/.test(ev.type);
        tbody.append(el("tr", { class: failure ? "failure" : "", "data-type": ev.type },
          el("td", { text: String(ev.id) }),
          el("td", { text: ev.type }),
          el("td", { text: ev.stateName || "" }),
          el("td", { text: fmtTime(ev.timestamp) }),
          el("td", { class: "details" }, d ? el("pre", { text: pretty(d) }) : null)));
      }
    }

    function renderWaiting() {
      const key = JSON.stringify(view.waitingTasks);
      if (key === shownWaiting) return;
      shownWaiting = key;
      const list = $("waiting-list");
      list.replaceChildren();
      $("waiting").hidden = view.waitingTasks.length === 0;
      for (const t of view.waitingTasks) {
        const output = el("textarea", { rows: "3", "aria-label": "Output for " + t.state, spellcheck: "false" });
        output.value = "{}";
        const errName = el("input", { type: "text", placeholder: "Error (e.g. Rejected)", "aria-label": "Error" });
        errName.value = "Rejected";
        const cause = el("input", { type: "text", placeholder: "Cause", "aria-label": "Cause" });
        const approve = el("button", { type: "button", class: "approve", "data-action": "approve", text: "Approve" });
        const reject = el("button", { type: "button", class: "danger", "data-action": "reject", text: "Reject" });
        const problem = el("p", { class: "error-text", hidden: "" });
        approve.addEventListener("click", () => act(problem, approve, () =>
          api("POST", "/ui/api/tasks/success", { taskToken: t.taskToken, output: output.value })));
        reject.addEventListener("click", () => act(problem, reject, () =>
          api("POST", "/ui/api/tasks/failure", { taskToken: t.taskToken, error: errName.value, cause: cause.value })));
        list.append(el("div", { class: "waiting-task", "data-state": t.state },
          el("div", { class: "what" }, el("strong", { text: t.state }), el("div", { class: "hint", text: t.resource }),
            el("div", { class: "arn", text: "token " + t.taskToken.slice(0, 24) + "…" })),
          el("label", {}, "Output (JSON)", output),
          el("div", {}, el("label", {}, "Error", errName), el("label", {}, "Cause", cause)),
          el("div", { class: "buttons" }, approve, reject), problem));
      }
    }

    function render() {
      const ex = view.execution;
      const badge = $("execution-status");
      badge.textContent = ex.status;
      badge.className = "status status-" + ex.status;
      $("stop").hidden = ex.status !== "RUNNING";
      $("redrive").hidden = !["FAILED", "TIMED_OUT", "ABORTED"].includes(ex.status);
      $("stop-date-wrap").hidden = !ex.stopDate;
      $("stop-date").textContent = fmtTime(ex.stopDate);
      main.dataset.status = ex.status;
      paintGraph();
      renderSide();
      renderEvents();
      renderWaiting();
    }

    let polling = null;
    let pollFailed = false; // the error shown is the poll's own, not an action's
    async function poll() {
      try {
        view = await api("GET", url + "?since=" + lastEvent);
        render();
        if (pollFailed) showError($("action-error"), null);
        pollFailed = false;
      } catch (err) {
        showError($("action-error"), err);
        pollFailed = true;
      }
      clearTimeout(polling);
      if (!view || view.execution.status === "RUNNING") polling = setTimeout(poll, POLL_MS);
    }

    async function act(problemNode, button, call) {
      button.disabled = true;
      showError(problemNode, null);
      try {
        await call();
      } catch (err) {
        showError(problemNode, err);
      }
      button.disabled = false;
      poll();
    }

    $("stop").addEventListener("click", () => act($("action-error"), $("stop"), () =>
      api("POST", url + "/stop", { error: "", cause: "Stopped from the Stepflow UI" })));
    $("redrive").addEventListener("click", () => act($("action-error"), $("redrive"), () => api("POST", url + "/redrive", {})));
    $("graph").addEventListener("click", (e) => {
      const node = e.target.closest(".sf-node[data-state]");
      selected = node && node.dataset.state !== selected ? node.dataset.state : null;
      if (view) renderSide();
    });
    poll();
  }

  document.addEventListener("DOMContentLoaded", () => {
    const main = document.querySelector("main[data-page]");
    if (!main) return;
    if (main.dataset.page === "state-machine") stateMachinePage(main);
    if (main.dataset.page === "execution") executionPage(main);
  });
})();
