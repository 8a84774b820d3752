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

    // ---- a Map's iterations or a Parallel's branches, as a table filtered by status ----
    const ITERATION_PAGE = 50;
    let iterState = null; // the Map or Parallel whose table is shown
    let iterOpen = null; // the iteration whose steps are shown
    let iterRows = 0;

    function fmtDuration(ms) {
      if (ms === undefined || ms === null) return "";
      return ms < 1000 ? ms + " ms" : (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + " s";
    }

    async function loadIterations(append) {
      const name = iterState;
      const q = new URLSearchParams({ limit: String(ITERATION_PAGE), offset: String(append ? iterRows : 0) });
      if ($("iteration-status").value) q.set("status", $("iteration-status").value);
      let data;
      try {
        data = await api("GET", url + "/iterations/" + encodeURIComponent(name) + "?" + q);
      } catch (err) {
        $("iterations-note").textContent = String(err.message || err);
        return;
      }
      if (name !== iterState) return; // another state was picked meanwhile
      const branch = data.kind === "Parallel";
      $("iterations-title").textContent = (branch ? "Branches of " : "Iterations of ") + name;
      $("iteration-index-head").textContent = branch ? "Branch" : "Index";
      $("iterations-counts").textContent = Object.entries(data.counts).map(([k, v]) => v + " " + k.toLowerCase()).join(" · ") +
        (data.runs > 1 ? " (its latest of " + data.runs + " runs)" : "");
      let note = "";
      if (data.kind === "DistributedMap") {
        const r = data.mapRun;
        note = "Each iteration is a child execution, newest first: open one to see its states. " + (r ? "Items " +
          ["Succeeded", "Failed", "TimedOut", "Aborted", "Running", "Pending"].map((k) => r.Items[k] + " " + k.toLowerCase()).join(", ") +
          " of " + r.Items.Total + " (map run " + r.Status + ")" : "");
      }
      $("iterations-note").textContent = note;
      const tbody = $("iteration-table").querySelector("tbody");
      if (!append) { tbody.replaceChildren(); iterRows = 0; }
      for (const it of data.iterations) {
        const tr = el("tr", { "data-index": String(it.index), "data-status": it.status, class: "clickable" + (it.index === iterOpen ? " selected" : "") },
          el("td", {}, it.executionArn
            ? el("a", { href: "/ui/executions/" + encodeURIComponent(it.executionArn), class: "child-execution", text: String(it.index) })
            : String(it.index)),
          el("td", {}, el("span", { class: "status status-" + it.status, text: it.status })),
          el("td", { text: fmtTime(it.startDate) }),
          el("td", { text: fmtDuration(it.durationMs) }),
          el("td", { text: it.error ? it.error + (it.cause ? ": " + it.cause : "") : "" }));
        if (it.executionArn) {
          // A child execution has a page of its own: its ItemProcessor's graph and states.
          tr.dataset.execution = it.executionArn;
          tr.addEventListener("click", (e) => { if (e.target.tagName !== "A") location.href = "/ui/executions/" + encodeURIComponent(it.executionArn); });
        } else {
          tr.addEventListener("click", () => openIteration(it.index));
        }
        tbody.append(tr);
      }
      iterRows += data.iterations.length;
      $("iterations-more").hidden = data.nextOffset === undefined;
    }

    async function openIteration(index) {
      iterOpen = index;
      document.querySelectorAll("#iteration-table tr.selected").forEach((r) => r.classList.remove("selected"));
      const row = document.querySelector('#iteration-table tr[data-index="' + index + '"]');
      if (row) row.classList.add("selected");
      let data;
      try {
        data = await api("GET", url + "/iterations/" + encodeURIComponent(iterState) + "?index=" + index);
      } catch (err) {
        $("iterations-note").textContent = String(err.message || err);
        return;
      }
      $("iteration-detail").hidden = false;
      $("iteration-detail-title").textContent = ($("iteration-index-head").textContent === "Branch" ? "Branch " : "Iteration ") +
        index + " · " + data.iteration.status;
      const tbody = $("iteration-steps").querySelector("tbody");
      tbody.replaceChildren();
      for (const st of data.steps) {
        tbody.append(el("tr", { "data-state": st.name, "data-status": st.status },
          el("td", { text: st.name }),
          el("td", { text: st.status }),
          el("td", {}, el("pre", { text: pretty(st.input) })),
          el("td", {}, el("pre", { text: pretty(st.output) })),
          el("td", { text: st.error ? st.error + (st.cause ? ": " + st.cause : "") : "" })));
      }
    }

    function showIterations() {
      const p = selected && view.states[selected];
      const fan = p && (p.type === "Map" || p.type === "Parallel");
      $("iterations").hidden = !fan;
      if (!fan) { iterState = null; return; }
      if (iterState !== selected) {
        iterState = selected;
        iterOpen = null;
        $("iteration-detail").hidden = true;
        $("iteration-status").value = "";
      }
      loadIterations(false);
      if (iterOpen !== null && view.execution.status === "RUNNING") openIteration(iterOpen);
    }
    $("iteration-status").addEventListener("change", () => { iterOpen = null; $("iteration-detail").hidden = true; loadIterations(false); });
    $("iterations-more").addEventListener("click", () => loadIterations(true));

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
      // A Distributed Map's child execution is redriven with its parent, not on its own.
      $("redrive").hidden = !["FAILED", "TIMED_OUT", "ABORTED"].includes(ex.status) || main.dataset.child === "1";
      $("stop-date-wrap").hidden = !ex.stopDate;
      $("stop-date").textContent = fmtTime(ex.stopDate);
      main.dataset.status = ex.status;
      paintGraph();
      renderSide();
      renderEvents();
      renderWaiting();
      if (iterState) showIterations();
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
      if (view) { renderSide(); showIterations(); }
    });
    poll();
  }

  // ---- editor: definition text beside its live graph, problems at their lines, deploy ----
  const VALIDATE_PAUSE_MS = 400;

  // lineDiff compares two texts line by line: the common head and tail are kept whole, the
  // middle is compared by longest common subsequence when small enough, else shown replaced.
  function lineDiff(before, after) {
    const a = before === "" ? [] : before.split("\n");
    const b = after === "" ? [] : after.split("\n");
    let head = 0;
    while (head < a.length && head < b.length && a[head] === b[head]) head++;
    let tail = 0;
    while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
    const out = [];
    for (let i = 0; i < head; i++) out.push([" ", a[i]]);
    const ma = a.slice(head, a.length - tail), mb = b.slice(head, b.length - tail);
    if (ma.length * mb.length > 4000000) {
      for (const l of ma) out.push(["-", l]);
      for (const l of mb) out.push(["+", l]);
    } else {
      const n = ma.length, m = mb.length;
      const lcs = Array.from({ length: n + 1 }, () => new Int32Array(m + 1));
      for (let i = n - 1; i >= 0; i--) {
        for (let j = m - 1; j >= 0; j--) {
          lcs[i][j] = ma[i] === mb[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
        }
      }
      let i = 0, j = 0;
      while (i < n || j < m) {
        if (i < n && j < m && ma[i] === mb[j]) { out.push([" ", ma[i]]); i++; j++; }
        else if (j < m && (i === n || lcs[i][j + 1] >= lcs[i + 1][j])) { out.push(["+", mb[j]]); j++; }
        else { out.push(["-", ma[i]]); i++; }
      }
    }
    for (let i = a.length - tail; i < a.length; i++) out.push([" ", a[i]]);
    return out;
  }

  // renderDiff shows changed lines with three lines of context around them.
  function renderDiff(pre, diff) {
    pre.replaceChildren();
    const changed = diff.map((d) => d[0] !== " ");
    const near = (i) => { for (let k = Math.max(0, i - 3); k <= Math.min(diff.length - 1, i + 3); k++) if (changed[k]) return true; return false; };
    let skipped = false;
    for (let i = 0; i < diff.length; i++) {
      if (!near(i)) { skipped = true; continue; }
      if (skipped) { pre.append(el("span", { class: "diff-skip", text: "…\n" })); skipped = false; }
      const [op, line] = diff[i];
      pre.append(el("span", { class: op === "+" ? "diff-add" : op === "-" ? "diff-del" : "diff-same", text: op + " " + line + "\n" }));
    }
    if (!changed.includes(true)) pre.append(el("span", { class: "diff-same", text: "(no changes)\n" }));
  }

  function editorPage(main) {
    const text = $("definition");
    const gutter = $("gutter");
    const status = $("validation-status");
    let arn = main.dataset.arn;
    let revision = main.dataset.revision;
    let lineCount = 0;
    let timer = null;
    let sequence = 0; // answers to older validations are dropped
    let lastResult = null;
    let drawnGraph = null; // the SVG text the graph shows

    function renderGutter() {
      const lines = text.value.split("\n").length;
      if (lines === lineCount) return;
      lineCount = lines;
      const frag = document.createDocumentFragment();
      for (let i = 1; i <= lines; i++) frag.append(el("div", { "data-line": String(i), text: String(i) }));
      gutter.replaceChildren(frag);
    }
    text.addEventListener("scroll", () => { gutter.scrollTop = text.scrollTop; });

    // goToLine puts the caret at the start of a line (and column) and scrolls it into view.
    function goToLine(line, column) {
      const lines = text.value.split("\n");
      let offset = 0;
      for (let i = 0; i < line - 1 && i < lines.length; i++) offset += lines[i].length + 1;
      offset += Math.max(0, (column || 1) - 1);
      text.focus();
      text.setSelectionRange(offset, offset);
      const lineHeight = parseFloat(getComputedStyle(text).lineHeight) || 16;
      text.scrollTop = Math.max(0, (line - 5) * lineHeight);
    }

    function showProblems(result) {
      gutter.querySelectorAll(".problem").forEach((n) => { n.classList.remove("problem", "warning"); n.removeAttribute("title"); });
      document.querySelectorAll("#graph .sf-problem").forEach((n) => n.classList.remove("sf-problem"));
      const list = $("problems");
      list.replaceChildren();
      for (const d of result.diagnostics) {
        const where = d.line ? "line " + d.line : "";
        const item = el("li", { class: d.severity === "ERROR" ? "error" : "warning", "data-line": String(d.line || ""), "data-state": d.state || "", "data-code": d.code },
          el("span", { class: "where", text: where }), " ",
          el("code", { text: d.code }), " ",
          document.createTextNode(d.message + (d.state ? " (state " + d.state + ")" : "")));
        item.addEventListener("click", () => goToLine(d.line, d.column));
        list.append(item);
        const mark = gutter.querySelector('[data-line="' + d.line + '"]');
        if (mark) {
          mark.classList.add("problem");
          if (d.severity !== "ERROR" && !mark.title) mark.classList.add("warning");
          else mark.classList.remove("warning");
          mark.title = (mark.title ? mark.title + "\n" : "") + d.code + ": " + d.message;
        }
        if (d.state) {
          document.querySelectorAll('#graph .sf-node[data-state="' + CSS.escape(d.state) + '"]').forEach((n) => n.classList.add("sf-problem"));
        }
      }
      if (result.truncated) list.append(el("li", { class: "hint", text: "More problems are not shown." }));
      const errors = result.diagnostics.filter((d) => d.severity === "ERROR").length;
      status.textContent = result.result === "OK" ? (result.diagnostics.length ? "valid, with warnings" : "valid") : errors + (errors === 1 ? " error" : " errors");
      status.className = "validation " + (result.result === "OK" ? "valid" : "invalid");
      main.dataset.validation = result.result;
    }

    // validate sends the text to the server's checks and draws the answer. How long that
    // took is kept on the page (data-validate-ms: the round trip with the checks and the
    // layout; data-draw-ms: putting the graph and the problems on the page, up to the next
    // frame), which is what the editor's responsiveness is measured by.
    async function validate() {
      const mine = ++sequence;
      main.dataset.validation = "pending";
      const t0 = performance.now();
      try {
        const result = await api("POST", "/ui/api/validate", { definition: text.value, type: $("sm-type").value, expand: $("expand-graph").checked });
        if (mine !== sequence) return;
        const t1 = performance.now();
        lastResult = result;
        // A definition whose shape cannot be read keeps the last graph, marked stale.
        if (result.graph) {
          // An edit that leaves the drawing as it was (a value, a comment) keeps the graph on
          // the page: replacing thousands of boxes costs more than the checks.
          if (result.graph !== drawnGraph || $("graph").classList.contains("stale")) {
            $("graph").innerHTML = result.graph; // drawn by our own renderer, which escapes every name
            drawnGraph = result.graph;
          }
          $("graph").classList.remove("stale");
          $("graph-note").textContent = result.collapsed ? result.states + " states: branches collapsed" : "";
          $("expand-wrap").hidden = !result.collapsed && !$("expand-graph").checked;
        } else {
          $("graph").classList.add("stale");
        }
        showProblems(result);
        // A problem of a state inside a collapsed branch marks the box that holds it.
        for (const d of result.diagnostics) {
          const owner = d.state && result.collapsedInto && result.collapsedInto[d.state];
          if (owner) document.querySelectorAll('#graph .sf-node[data-state="' + CSS.escape(owner) + '"]').forEach((n) => n.classList.add("sf-problem"));
        }
        $("graph").getBoundingClientRect(); // lay the page out now, inside the measurement
        requestAnimationFrame(() => {
          const t2 = performance.now();
          main.dataset.validateMs = (t1 - t0).toFixed(1);
          main.dataset.drawMs = (t2 - t1).toFixed(1);
          main.dataset.measured = String(mine);
          $("timing").textContent = "checked in " + Math.round(t1 - t0) + " ms, drawn in " + Math.round(t2 - t1) + " ms";
        });
        // The visual editor (studio.js) re-marks its selection on the new graph and re-reads its form.
        main.dispatchEvent(new CustomEvent("sf-validated", { detail: result }));
      } catch (err) {
        if (mine !== sequence) return;
        status.textContent = String(err.message || err);
        status.className = "validation invalid";
        main.dataset.validation = "error";
      }
    }

    $("expand-graph").addEventListener("change", () => validate());
    text.addEventListener("input", () => {
      renderGutter();
      clearTimeout(timer);
      main.dataset.validation = "pending"; // the graph shown is the text's before this change
      timer = setTimeout(validate, VALIDATE_PAUSE_MS);
    });
    // Tab indents instead of leaving the text.
    text.addEventListener("keydown", (e) => {
      if (e.key !== "Tab" || e.shiftKey) return;
      e.preventDefault();
      text.setRangeText("  ", text.selectionStart, text.selectionEnd, "end");
      text.dispatchEvent(new Event("input"));
    });
    // Clicking a state in the graph finds its definition in the text.
    $("graph").addEventListener("click", (e) => {
      const node = e.target.closest(".sf-node[data-state]");
      if (!node) return;
      const key = JSON.stringify(node.dataset.state);
      const re = new RegExp(key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "\\s*:\\s*\\{");
      const m = re.exec(text.value);
      if (!m) return;
      const line = text.value.slice(0, m.index).split("\n").length;
      goToLine(line, m.index - text.value.lastIndexOf("\n", m.index - 1));
      document.querySelectorAll("#graph .sf-selected").forEach((n) => n.classList.remove("sf-selected"));
      node.classList.add("sf-selected");
    });

    renderGutter();
    validate();

    if (main.dataset.canDeploy !== "true") return;
    const deployError = $("deploy-error");
    const deployResult = $("deploy-result");
    function done(message) {
      showError(deployError, null);
      deployResult.hidden = false;
      deployResult.replaceChildren(...message);
    }
    $("review").addEventListener("click", async () => {
      showError(deployError, null);
      deployResult.hidden = true;
      await validate();
      if (lastResult && lastResult.result !== "OK") {
        showError(deployError, new Error("Fix the definition's errors before deploying."));
        return;
      }
      if (!arn && !$("sm-name").value.trim()) {
        showError(deployError, new Error("Give the state machine a name."));
        return;
      }
      renderDiff($("diff"), lineDiff($("deployed").value, text.value));
      $("diff-title").textContent = arn ? "Changes to the deployed definition" : "The new definition";
      $("review-pane").hidden = false;
    });
    $("cancel-review").addEventListener("click", () => { $("review-pane").hidden = true; });
    $("deploy").addEventListener("click", async () => {
      const button = $("deploy");
      button.disabled = true;
      const publish = $("publish").checked;
      const body = {
        action: arn ? "update" : "create", stateMachineArn: arn, revisionId: revision,
        definition: text.value, roleArn: $("sm-role").value.trim(), type: $("sm-type").value,
        publish, versionDescription: publish ? $("version-description").value : "",
      };
      if (!arn) body.name = $("sm-name").value.trim();
      try {
        const out = await api("POST", "/ui/api/deploy", body);
        const created = !arn;
        arn = out.stateMachineArn;
        revision = out.revisionId;
        main.dataset.arn = arn;
        main.dataset.revision = revision;
        $("deployed").value = text.value;
        $("review-pane").hidden = true;
        done([document.createTextNode((created ? "Created " : "Updated ")),
          el("a", { href: "/ui/state-machines/" + encodeURIComponent(arn), id: "deployed-link", text: arn }),
          document.createTextNode(out.stateMachineVersionArn ? " and published " + out.stateMachineVersionArn : "")]);
        if (created) {
          // The page becomes the editor of the machine it created.
          history.replaceState(null, "", "/ui/state-machines/" + encodeURIComponent(arn) + "/edit");
          $("review").textContent = "Review and update";
          $("deploy").textContent = "Update";
        }
        main.dataset.deployed = out.stateMachineVersionArn ? "published" : (created ? "created" : "updated");
      } catch (err) {
        showError(deployError, err);
        if (arn && /changed by someone else/.test(String(err.message))) await showConflict();
      }
      button.disabled = false;
    });

    // showConflict puts, where the review diff was, what differs between the definition
    // someone else deployed meanwhile and this page's text. Nothing was saved; the person
    // may take their revision as the base of their own update, after seeing it.
    async function showConflict() {
      let theirs;
      try {
        theirs = await api("POST", "/ui/api/call/DescribeStateMachine", { stateMachineArn: arn });
      } catch (e) {
        return; // the refusal is shown; the diff is a help
      }
      $("diff-title").textContent = "Nothing was saved. Someone else's definition (revision " + theirs.revisionId +
        ", −) against your text (+):";
      renderDiff($("diff"), lineDiff(theirs.definition, text.value));
      $("review-pane").hidden = false;
      main.dataset.conflict = theirs.revisionId;
      $("deploy").hidden = true;
      let rebase = $("rebase");
      if (!rebase) {
        rebase = el("button", { type: "button", id: "rebase", class: "secondary", text: "Update over their revision…" });
        $("deploy").after(rebase);
        rebase.addEventListener("click", () => {
          // From now on the page edits their revision: the next review shows what this
          // text changes in theirs, and Update saves it unless someone changes it again.
          revision = main.dataset.conflict;
          main.dataset.revision = revision;
          $("deployed").value = rebase.dataset.definition;
          delete main.dataset.conflict;
          rebase.remove();
          $("deploy").hidden = false;
          showError(deployError, null);
          $("review").click();
        });
      }
      rebase.dataset.definition = theirs.definition;
    }
    const publishOnly = $("publish-only");
    if (publishOnly) publishOnly.addEventListener("click", async () => {
      publishOnly.disabled = true;
      try {
        const out = await api("POST", "/ui/api/deploy", { action: "publish", stateMachineArn: arn, versionDescription: $("version-description").value });
        done([document.createTextNode("Published " + out.stateMachineVersionArn)]);
        main.dataset.deployed = "published";
      } catch (err) {
        showError(deployError, err);
      }
      publishOnly.disabled = false;
    });
  }

  // ---- performance: counts and duration percentiles per interval, slowest states, errors ----
  const SVG_NS = "http://www.w3.org/2000/svg";

  function svgEl(tag, attrs, text) {
    const e = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function fmtMs(ms) {
    if (ms === null || ms === undefined) return "–";
    if (ms < 1000) return ms.toFixed(ms < 10 ? 1 : 0) + " ms";
    if (ms < 60000) return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + " s";
    if (ms < 3600000) return (ms / 60000).toFixed(1) + " min";
    return (ms / 3600000).toFixed(1) + " h";
  }

  // niceMax rounds a chart's top value up to 1, 2 or 5 times a power of ten.
  function niceMax(v) {
    if (v <= 0) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
    return 10 * p;
  }

  function bucketLabel(start, bucketSeconds) {
    const d = new Date(start);
    const iso = d.toISOString();
    return bucketSeconds >= 86400 ? iso.slice(5, 10) : iso.slice(11, 16);
  }

  // chartFrame draws the axes of a chart of n buckets and returns the plotting helpers.
  function chartFrame(svg, n, top, format, data) {
    const W = 900, H = 220, L = 64, R = 12, T = 10, B = 28;
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    svg.setAttribute("class", "sf-chart");
    const pw = (W - L - R) / n;
    const y = (v) => T + (H - T - B) * (1 - v / top);
    for (let k = 0; k <= 4; k++) {
      const v = top * k / 4;
      svg.append(svgEl("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), class: "grid" }));
      svg.append(svgEl("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end", class: "axis" }, format(v)));
    }
    const every = Math.ceil(n / 12);
    for (let i = 0; i < n; i += every) {
      svg.append(svgEl("text", { x: L + pw * (i + 0.5), y: H - 8, "text-anchor": "middle", class: "axis" }, bucketLabel(data.buckets[i].start, data.bucketSeconds)));
    }
    return { pw, y, L, base: y(0) };
  }

  const COUNT_SERIES = [["succeeded", "c-succeeded"], ["failed", "c-failed"], ["timedOut", "c-timedout"], ["aborted", "c-aborted"]];

  function countChart(node, data) {
    const svg = svgEl("svg", {});
    const n = data.buckets.length;
    const ended = (b) => b.succeeded + b.failed + b.timedOut + b.aborted;
    const top = niceMax(Math.max(...data.buckets.map((b) => Math.max(b.started, ended(b)))));
    const f = chartFrame(svg, n, top, (v) => String(Math.round(v * 100) / 100), data);
    // Bars stack the outcomes of the executions that ended in each interval; a line joins
    // the counts of those that started in it.
    let started = "";
    data.buckets.forEach((b, i) => {
      let acc = 0;
      const g = svgEl("g", { class: "bar", "data-bucket": String(i), "data-started": String(b.started), "data-ended": String(ended(b)) });
      for (const [key, cls] of COUNT_SERIES) {
        if (!b[key]) continue;
        const y0 = f.y(acc), y1 = f.y(acc + b[key]);
        g.append(svgEl("rect", { x: f.L + f.pw * i + f.pw * 0.15, width: f.pw * 0.7, y: y1, height: y0 - y1, class: cls, "data-series": key }));
        acc += b[key];
      }
      const x = f.L + f.pw * (i + 0.5);
      started += (i ? "L" : "M") + x.toFixed(1) + " " + f.y(b.started).toFixed(1) + " ";
      g.append(svgEl("circle", { cx: x, cy: f.y(b.started), r: 3, class: "c-started", "data-series": "started" }));
      g.append(svgEl("title", {}, bucketLabel(b.start, data.bucketSeconds) + ": " + b.started + " started; ended: " + b.succeeded + " succeeded, " +
        b.failed + " failed, " + b.timedOut + " timed out, " + b.aborted + " aborted"));
      svg.append(g);
    });
    svg.insertBefore(svgEl("path", { d: started, class: "line c-started", "data-series": "started" }), svg.querySelector("g.bar"));
    node.replaceChildren(svg);
  }

  function durationChart(node, data) {
    const svg = svgEl("svg", {});
    const n = data.buckets.length;
    const top = niceMax(Math.max(0, ...data.buckets.map((b) => b.p99Ms || 0)));
    const f = chartFrame(svg, n, top, fmtMs, data);
    for (const [key, cls] of [["p50Ms", "c-p50"], ["p90Ms", "c-p90"], ["p99Ms", "c-p99"]]) {
      // A bucket without ended executions breaks the line rather than dropping it to zero.
      let d = "", pen = "M";
      data.buckets.forEach((b, i) => {
        if (b[key] === null || b[key] === undefined) { pen = "M"; return; }
        const x = f.L + f.pw * (i + 0.5), y = f.y(b[key]);
        d += pen + x.toFixed(1) + " " + y.toFixed(1) + " ";
        pen = "L";
        const dot = svgEl("circle", { cx: x, cy: y, r: 3, class: cls, "data-series": key, "data-bucket": String(i) });
        dot.append(svgEl("title", {}, key.slice(0, 3) + " " + fmtMs(b[key])));
        svg.append(dot);
      });
      if (d) svg.insertBefore(svgEl("path", { d, class: "line " + cls, "data-series": key }), svg.querySelector("circle"));
    }
    node.replaceChildren(svg);
  }

  function performancePage(main) {
    const url = "/ui/api/state-machines/" + encodeURIComponent(main.dataset.arn) + "/performance";

    async function load() {
      showError($("perf-error"), null);
      main.dataset.loaded = "";
      try {
        const data = await api("GET", url + "?range=" + encodeURIComponent($("range").value));
        const t = data.totals;
        for (const td of document.querySelectorAll("#totals [data-count]")) {
          const k = td.dataset.count;
          td.textContent = k.endsWith("Ms") ? fmtMs(t[k]) : String(t[k]);
        }
        $("range-text").textContent = fmtTime(data.from) + " – " + fmtTime(data.to);
        $("duration-error").textContent = String(data.durationErrorPercent);
        countChart($("count-chart"), data);
        durationChart($("duration-chart"), data);
        const states = $("slowest-states").querySelector("tbody");
        states.replaceChildren();
        const longest = Math.max(1, ...data.slowestStates.map((s) => s.averageMs));
        for (const s of data.slowestStates) {
          states.append(el("tr", { "data-state": s.state },
            el("td", { text: s.state }), el("td", { text: String(s.runs) }), el("td", { text: fmtMs(s.averageMs) }),
            el("td", { text: fmtMs(s.totalMs) }), el("td", { text: fmtMs(s.maxMs) }),
            el("td", { class: "bar-cell" }, el("span", { class: "hbar", style: "width:" + Math.max(2, 100 * s.averageMs / longest).toFixed(0) + "%" }))));
        }
        $("states-empty").hidden = data.slowestStates.length > 0;
        const errors = $("errors").querySelector("tbody");
        errors.replaceChildren();
        for (const e of data.errors) {
          errors.append(el("tr", { "data-error": e.error },
            el("td", {}, el("code", { text: e.error })), el("td", { text: String(e.count) }),
            el("td", {}, el("a", { href: executionURL(e.exampleExecutionArn), text: e.exampleExecutionArn.split(":").pop() }))));
        }
        $("errors-empty").hidden = data.errors.length > 0;
        main.dataset.loaded = data.range;
      } catch (err) {
        showError($("perf-error"), err);
      }
    }
    $("range").addEventListener("change", load);
    $("refresh").addEventListener("click", load);
    load();
  }

  // call runs one API action through the UI (POST /ui/api/call/ACTION), as the API would.
  const call = (action, input) => api("POST", "/ui/api/call/" + action, input);

  // ---- state machine page: aliases routing to one or two versions ----
  function versionLabel(arn) { return "version " + arn.slice(arn.lastIndexOf(":") + 1); }

  function aliasPanel(main) {
    const arn = main.dataset.arn;
    const tbody = $("aliases").querySelector("tbody");
    let aliases = {}; // name -> DescribeStateMachineAlias

    function fillVersions(node, versions, withNone) {
      node.replaceChildren();
      if (withNone) node.append(el("option", { value: "", text: "(none)" }));
      for (const v of versions) node.append(el("option", { value: v.stateMachineVersionArn, text: versionLabel(v.stateMachineVersionArn) }));
    }

    function syncButton() {
      $("alias-save").textContent = aliases[$("alias-name").value.trim()] ? "Update alias" : "Create alias";
    }

    function edit(alias) {
      $("alias-name").value = alias.name;
      const routes = alias.routingConfiguration || [];
      $("alias-version-1").value = routes[0] ? routes[0].stateMachineVersionArn : "";
      $("alias-weight-1").value = routes[0] ? routes[0].weight : 100;
      $("alias-version-2").value = routes[1] ? routes[1].stateMachineVersionArn : "";
      $("alias-weight-2").value = routes[1] ? routes[1].weight : 0;
      $("alias-description").value = alias.description || "";
      syncButton();
    }

    async function load() {
      try {
        const [versions, list] = await Promise.all([
          call("ListStateMachineVersions", { stateMachineArn: arn }),
          call("ListStateMachineAliases", { stateMachineArn: arn })]);
        fillVersions($("alias-version-1"), versions.stateMachineVersions, false);
        fillVersions($("alias-version-2"), versions.stateMachineVersions, true);
        $("versions-empty").hidden = versions.stateMachineVersions.length > 0;
        const described = await Promise.all(list.stateMachineAliases.map((a) =>
          call("DescribeStateMachineAlias", { stateMachineAliasArn: a.stateMachineAliasArn })));
        aliases = {};
        tbody.replaceChildren();
        for (const a of described) {
          aliases[a.name] = a;
          const routes = (a.routingConfiguration || []).map((r) => versionLabel(r.stateMachineVersionArn) + " " + r.weight + "%").join(", ");
          const link = el("a", { href: "#", text: a.name });
          link.addEventListener("click", (e) => { e.preventDefault(); edit(a); });
          tbody.append(el("tr", { "data-alias": a.name },
            el("td", {}, link, el("div", { class: "arn", text: a.stateMachineAliasArn })),
            el("td", { class: "routes", text: routes }),
            el("td", { text: a.description || "" })));
        }
        $("aliases-empty").hidden = described.length > 0;
        syncButton();
        main.dataset.aliasesLoaded = String(described.length);
      } catch (err) {
        showError($("alias-error"), err);
      }
    }

    $("alias-name").addEventListener("input", syncButton);
    $("alias-form").addEventListener("submit", async (e) => {
      e.preventDefault();
      $("alias-result").hidden = true;
      const name = $("alias-name").value.trim();
      const routing = [{ stateMachineVersionArn: $("alias-version-1").value, weight: Number($("alias-weight-1").value) }];
      if ($("alias-version-2").value) {
        routing.push({ stateMachineVersionArn: $("alias-version-2").value, weight: Number($("alias-weight-2").value) });
      }
      const description = $("alias-description").value;
      try {
        const existing = aliases[name];
        if (existing) {
          await call("UpdateStateMachineAlias", { stateMachineAliasArn: existing.stateMachineAliasArn, routingConfiguration: routing, description });
        } else {
          const input = { name, routingConfiguration: routing };
          if (description) input.description = description;
          await call("CreateStateMachineAlias", input);
        }
        showError($("alias-error"), null);
        await load();
        $("alias-result").textContent = (existing ? "Updated" : "Created") + " alias " + name + ".";
        $("alias-result").hidden = false;
      } catch (err) {
        showError($("alias-error"), err);
      }
    });
    load();
  }

  // ---- editor: test one state of the definition with TestState ----
  // The order data flows through a state, as AWS's console shows it.
  const INSPECTION_STEPS = [
    ["input", "Input"], ["afterInputPath", "After InputPath"], ["afterParameters", "After Parameters"],
    ["afterArguments", "After Arguments"], ["afterItemsPath", "After ItemsPath"],
    ["afterItemSelector", "After ItemSelector"], ["afterItemBatcher", "After ItemBatcher"],
    ["result", "Result"], ["afterResultSelector", "After ResultSelector"],
    ["afterResultPath", "After ResultPath"], ["variables", "Variables"]];

  function testStatePanel(main) {
    const select = $("test-state-name");
    function refreshStates() {
      let names = [];
      try { names = Object.keys(JSON.parse($("definition").value).States || {}); } catch (e) { /* keep the last list */ return; }
      const want = main.dataset.selected && names.includes(main.dataset.selected) ? main.dataset.selected : select.value;
      select.replaceChildren(...names.map((n) => el("option", { value: n, text: n })));
      if (names.includes(want)) select.value = want;
    }
    function optionalJSON(id, what) {
      const text = $(id).value.trim();
      if (!text) return undefined;
      try { JSON.parse(text); } catch (err) { throw new Error(what + " is not JSON: " + err.message); }
      return text;
    }
    async function runTest() {
      const tbody = $("test-inspection-data").querySelector("tbody");
      try {
        const input = {
          definition: $("definition").value, stateName: select.value, roleArn: $("test-role").value,
          input: optionalJSON("test-input", "The input") || "{}", inspectionLevel: $("test-inspection").value,
        };
        const variables = optionalJSON("test-variables", "Variables");
        if (variables) input.variables = variables;
        const context = optionalJSON("test-context", "The context");
        if (context) input.context = context;
        const mock = optionalJSON("test-mock", "The mocked result");
        if (mock) input.mock = { result: mock };
        const out = await call("TestState", input);
        showError($("test-error"), null);
        $("test-status").textContent = out.status;
        $("test-status").className = "status status-" + (out.status === "SUCCEEDED" ? "SUCCEEDED" : out.status === "FAILED" ? "FAILED" : "RUNNING");
        $("test-next").textContent = out.nextState ? "next state: " + out.nextState : "";
        const rows = [];
        const data = out.inspectionData || {};
        for (const [key, label] of INSPECTION_STEPS) {
          if (data[key] !== undefined) rows.push([key, label, pretty(data[key])]);
        }
        if (data.errorDetails) rows.push(["errorDetails", "Error details", pretty(data.errorDetails)]);
        if (data.request) rows.push(["request", "HTTP request", pretty(data.request)]);
        if (data.response) rows.push(["response", "HTTP response", pretty(data.response)]);
        if (out.output !== undefined) rows.push(["output", "Output", pretty(out.output)]);
        if (out.error) rows.push(["error", "Error", out.error + (out.cause ? ": " + out.cause : "")]);
        tbody.replaceChildren(...rows.map(([key, label, text]) =>
          el("tr", { "data-step": key }, el("th", { text: label }), el("td", {}, el("pre", { class: "json", text })))));
        $("test-result").hidden = false;
        main.dataset.tested = out.status;
      } catch (err) {
        $("test-result").hidden = true;
        showError($("test-error"), err);
      }
    }
    // After the validation pause, not on every keystroke: reading a large text is not free.
    main.addEventListener("sf-validated", refreshStates);
    select.addEventListener("focus", refreshStates);
    document.getElementById("graph").addEventListener("click", () => setTimeout(refreshStates, 0));
    $("test-run").addEventListener("click", runTest);
    refreshStates();
  }

  // ---- activity inbox: claim a task, answer it, heartbeat while holding it ----
  const HEARTBEAT_SECONDS = 10;
  function activitiesPage(main) {
    const tbody = $("activities").querySelector("tbody");
    let held = null; // {token, activity, timer, beats}

    async function load() {
      try {
        const data = await api("GET", "/ui/api/activities");
        tbody.replaceChildren();
        for (const a of data.activities) {
          const claim = el("button", { type: "button", class: "claim", text: "Claim next task" });
          claim.disabled = a.waiting === 0 || held !== null || main.dataset.canAct !== "true";
          claim.addEventListener("click", () => claimTask(a, claim));
          tbody.append(el("tr", { "data-arn": a.activityArn },
            el("td", {}, document.createTextNode(a.name), el("div", { class: "arn", text: a.activityArn })),
            el("td", { class: "waiting", text: String(a.waiting) }),
            el("td", {}, claim)));
        }
        $("activities-empty").hidden = data.activities.length > 0;
        main.dataset.loaded = String(Date.now());
        showError($("inbox-error"), null);
      } catch (err) {
        showError($("inbox-error"), err);
      }
    }

    async function claimTask(a, button) {
      button.disabled = true;
      $("task-result").hidden = true;
      showError($("task-lost"), null);
      const worker = $("worker-name").value.trim() || "ui";
      try {
        const task = await api("POST", "/ui/api/activities/claim", { activityArn: a.activityArn, workerName: worker });
        if (!task.taskToken) throw new Error("No task was waiting: another worker took it.");
        held = { token: task.taskToken, worker, activity: a.name, beats: 0 };
        held.timer = setInterval(heartbeat, HEARTBEAT_SECONDS * 1000);
        main.dataset.held = "true";
        $("task-activity").textContent = a.name;
        $("task-worker").textContent = worker;
        $("heartbeat-every").textContent = String(HEARTBEAT_SECONDS);
        $("hold-seconds").textContent = String(task.holdSeconds);
        $("heartbeats").textContent = "0";
        $("task-input").textContent = pretty(task.input);
        $("task-panel").hidden = false;
        showError($("task-error-text"), null);
      } catch (err) {
        showError($("inbox-error"), err);
      }
      load();
    }

    // drop forgets the held task: answered, given back, or lost.
    function drop(message, isError) {
      if (!held) return;
      clearInterval(held.timer);
      held = null;
      delete main.dataset.held;
      $("task-panel").hidden = true;
      showError($("task-lost"), isError ? new Error(message) : null);
      $("task-result").textContent = isError ? "" : message;
      $("task-result").hidden = isError;
      load();
    }

    // heartbeat renews the page's hold on the task (and the task's HeartbeatSeconds); it
    // answers false when the task is no longer the page's.
    async function heartbeat() {
      if (!held) return false;
      try {
        await api("POST", "/ui/api/activities/heartbeat", { taskToken: held.token, workerName: held.worker });
        held.beats++;
        $("heartbeats").textContent = String(held.beats);
        return true;
      } catch (err) {
        if (/no longer yours/.test(String(err.message))) drop("The " + held.activity + " task " + err.message + ".", true);
        else showError($("task-error-text"), err);
        return false;
      }
    }

    async function finish(action, input, message) {
      if (!held) return;
      // Answer only a task the page still holds: one that went back to the queue may be
      // someone else's by now.
      if (!await heartbeat()) return;
      try {
        await call(action, Object.assign({ taskToken: held.token }, input));
        drop(message, false);
      } catch (err) {
        showError($("task-error-text"), err);
      }
    }

    // Closing or leaving the page gives the task back at once. A page only hidden (another
    // tab) keeps it: its heartbeats go on, slowed, and a tab the browser freezes or discards
    // stops them, so the hold runs out and the server returns the task.
    window.addEventListener("pagehide", () => {
      // A keepalive fetch rather than sendBeacon: it outlives the page as a beacon does, and it
      // can carry the session's CSRF header when people sign in.
      if (held) fetch("/ui/api/activities/release", { method: "POST", keepalive: true, headers: { "Content-Type": "application/json" }, body: JSON.stringify({ taskToken: held.token, workerName: held.worker }) }).catch(() => {});
    });
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && held) heartbeat(); // still ours?
    });

    $("task-success").addEventListener("click", () => {
      const output = $("task-output").value;
      try { JSON.parse(output); } catch (err) {
        showError($("task-error-text"), new Error("The output is not JSON: " + err.message));
        return;
      }
      finish("SendTaskSuccess", { output }, "Sent the output of the " + held.activity + " task.");
    });
    $("task-failure").addEventListener("click", () => {
      const input = {};
      if ($("task-error").value) input.error = $("task-error").value;
      if ($("task-cause").value) input.cause = $("task-cause").value;
      finish("SendTaskFailure", input, "Failed the " + held.activity + " task.");
    });
    $("task-heartbeat").addEventListener("click", heartbeat);
    $("refresh").addEventListener("click", load);
    load();
  }

  document.addEventListener("DOMContentLoaded", () => {
    const main = document.querySelector("main[data-page]");
    if (!main) return;
    if (main.dataset.page === "state-machine") { stateMachinePage(main); aliasPanel(main); }
    if (main.dataset.page === "execution") executionPage(main);
    if (main.dataset.page === "editor") { editorPage(main); testStatePanel(main); }
    if (main.dataset.page === "performance") performancePage(main);
    if (main.dataset.page === "activities") activitiesPage(main);
  });
})();
