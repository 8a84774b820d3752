// Stepflow UI: building a state machine visually in the editor. A palette adds states, a
// form edits the selected state's fields, and both work by rewriting the definition text, so
// the text stays the one source of truth: validation, the graph, undo and deploy all read it.
// Vanilla JavaScript, no build step, no libraries.
"use strict";

(function () {
  const main = document.querySelector('main[data-page="editor"]');
  if (!main) return;
  const text = document.getElementById("definition");
  const form = document.getElementById("state-form");
  const errorNode = document.getElementById("studio-error");
  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else e.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children) if (c != null) e.append(c);
    return e;
  }

  function showError(message) {
    errorNode.hidden = !message;
    errorNode.textContent = message || "";
  }

  // ---- undo and redo over states of the text ----
  // Typing is recorded after the same pause that validates it; an edit by the form or the
  // palette is recorded at once. The browser's own undo is replaced: it does not see text the
  // form wrote.
  const RECORD_PAUSE_MS = 400;
  const MAX_HISTORY = 200;
  const undoStack = [];
  const redoStack = [];
  let current = text.value;
  let recordTimer = null;

  function record() {
    clearTimeout(recordTimer);
    if (text.value === current) return;
    undoStack.push(current);
    if (undoStack.length > MAX_HISTORY) undoStack.shift();
    redoStack.length = 0;
    current = text.value;
    updateHistoryButtons();
  }

  function updateHistoryButtons() {
    $("undo").disabled = undoStack.length === 0;
    $("redo").disabled = redoStack.length === 0;
  }

  function restore(from, to) {
    record(); // typing not yet recorded becomes a state of its own
    if (from.length === 0) return;
    to.push(current);
    current = from.pop();
    text.value = current;
    text.dispatchEvent(new Event("input"));
    updateHistoryButtons();
    renderForm();
  }
  const undo = () => restore(undoStack, redoStack);
  const redo = () => restore(redoStack, undoStack);

  text.addEventListener("input", () => {
    clearTimeout(recordTimer);
    recordTimer = setTimeout(record, RECORD_PAUSE_MS);
  });
  $("undo").addEventListener("click", undo);
  $("redo").addEventListener("click", redo);
  document.addEventListener("keydown", (e) => {
    if (!(e.ctrlKey || e.metaKey) || e.altKey) return;
    // Other fields (the name, a form field being typed in) keep the browser's own undo.
    const t = e.target;
    if (t !== text && t instanceof HTMLElement && t.matches("input, textarea, select")) return;
    const key = e.key.toLowerCase();
    if (key === "z" && !e.shiftKey) { e.preventDefault(); undo(); }
    else if ((key === "z" && e.shiftKey) || key === "y") { e.preventDefault(); redo(); }
  }, true);

  // ---- reading and writing the definition ----
  // A number whose text JavaScript would print differently (1.0, 1e3, an integer beyond
  // 2^53) is kept as its text, so that an edit of another field leaves it as it was written
  // rather than rounding it.
  const rawNumber = (v) => typeof JSON.isRawJSON === "function" && JSON.isRawJSON(v);
  const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v) && !rawNumber(v);
  function keepNumberText(key, value, context) {
    if (typeof value !== "number" || !context || typeof context.source !== "string" || typeof JSON.rawJSON !== "function") return value;
    return JSON.stringify(value) === context.source ? value : JSON.rawJSON(context.source);
  }

  // jsonArrayOr reads a field that holds either a JSON array or an expression (a JSONata
  // Map's Items): text that parses as an array is written as one.
  function jsonArrayOr(v) {
    if (!v.trim().startsWith("[")) return v;
    try {
      const parsed = JSON.parse(v, keepNumberText);
      return Array.isArray(parsed) ? parsed : v;
    } catch (e) {
      return v;
    }
  }

  // plain is a value as a form field shows it.
  function plain(v) {
    if (v === undefined || v === null) return "";
    if (rawNumber(v)) return v.rawJSON;
    return typeof v === "object" ? JSON.stringify(v) : String(v);
  }

  // JavaScript puts an object's keys that are array indexes ("1", "42") before the others,
  // whatever the order they were written in. For an object with such keys (a state named "1")
  // the written order is kept beside it, here, and the text is written back in that order.
  const INDEX_KEY = /^(0|[1-9][0-9]*)$/;
  const isIndexKey = (k) => INDEX_KEY.test(k) && Number(k) < 4294967295;
  const HAS_INDEX_KEY = /"(0|[1-9][0-9]*)"\s*:/;
  const keyOrder = new WeakMap();

  function setOrder(obj, keys) {
    if (keys.some(isIndexKey)) keyOrder.set(obj, keys);
    else keyOrder.delete(obj);
  }

  // keysOf lists an object's keys in the order the text has (or will have) them.
  function keysOf(obj) {
    const recorded = keyOrder.get(obj);
    if (!recorded) return Object.keys(obj);
    const own = recorded.filter((k) => Object.prototype.hasOwnProperty.call(obj, k));
    return [...own, ...Object.keys(obj).filter((k) => !own.includes(k))];
  }
  const entriesOf = (obj) => keysOf(obj).map((k) => [k, obj[k]]);

  // recordKeyOrder reads the order of each object's keys from the text and keeps it for the
  // objects that have index keys. The objects of the text come in the same order as a walk of
  // the parsed value that follows the text's key order; a text with a repeated key (whose
  // first value JSON.parse drops) is left to JavaScript's order.
  function recordKeyOrder(src, value) {
    const lists = [];
    const stack = [];
    for (let i = 0; i < src.length; i++) {
      const c = src[i];
      const top = stack[stack.length - 1];
      if (c === '"') {
        let j = i + 1;
        while (j < src.length && src[j] !== '"') j += src[j] === "\\" ? 2 : 1;
        if (top && top.expectKey) { top.keys.push(JSON.parse(src.slice(i, j + 1))); top.expectKey = false; }
        i = j;
      } else if (c === "{") {
        const keys = [];
        lists.push(keys);
        stack.push({ keys, expectKey: true });
      } else if (c === "[") stack.push(null);
      else if (c === "}" || c === "]") stack.pop();
      else if (c === "," && top) top.expectKey = true;
    }
    if (lists.some((keys) => new Set(keys).size !== keys.length)) return;
    let next = 0;
    (function visit(v) {
      if (Array.isArray(v)) { v.forEach(visit); return; }
      if (!isObject(v)) return;
      const keys = lists[next++] || [];
      setOrder(v, keys);
      for (const k of keys) visit(v[k]);
    })(value);
  }

  // parse reads the text for an edit (numbers kept as written, the order of index keys
  // recorded); a reader that only looks (lists of states, handles) asks for a quick read,
  // which is several times faster on a large definition.
  function parse(quick) {
    try {
      const def = quick ? JSON.parse(text.value) : JSON.parse(text.value, keepNumberText);
      if (!def || typeof def !== "object" || Array.isArray(def)) return null;
      if (!quick && HAS_INDEX_KEY.test(text.value)) recordKeyOrder(text.value, def);
      return def;
    } catch (e) {
      return null;
    }
  }

  // stringify writes as JSON.stringify(v, null, 2) does, with each object's keys in keysOf's
  // order.
  function stringify(v, indent) {
    if (rawNumber(v)) return v.rawJSON;
    if (v === null || typeof v !== "object") return JSON.stringify(v);
    const inner = indent + "  ";
    const absent = (x) => x === undefined || typeof x === "function" || typeof x === "symbol";
    if (Array.isArray(v)) {
      if (!v.length) return "[]";
      return "[\n" + v.map((x) => inner + (absent(x) ? "null" : stringify(x, inner))).join(",\n") + "\n" + indent + "]";
    }
    const keys = keysOf(v).filter((k) => !absent(v[k]));
    if (!keys.length) return "{}";
    return "{\n" + keys.map((k) => inner + JSON.stringify(k) + ": " + stringify(v[k], inner)).join(",\n") + "\n" + indent + "}";
  }

  // write replaces the text with the edited definition, records it and validates it. A text
  // without index keys is written by the browser's own (faster) JSON.stringify.
  function write(def) {
    text.value = (HAS_INDEX_KEY.test(text.value) ? stringify(def, "") : JSON.stringify(def, null, 2)) + "\n";
    record();
    text.dispatchEvent(new Event("input"));
  }

  // scopes lists every States object of the machine (the top level, each Parallel branch,
  // each Map processor) with the state that owns it.
  function scopes(def) {
    const out = [];
    function walk(scope, owner, label) {
      if (!scope || typeof scope.States !== "object" || scope.States === null) return;
      out.push({ scope, owner, label });
      for (const [name, st] of Object.entries(scope.States)) {
        if (!st || typeof st !== "object") continue;
        if (Array.isArray(st.Branches)) st.Branches.forEach((b, i) => walk(b, name, name + " branch " + (i + 1)));
        if (st.ItemProcessor) walk(st.ItemProcessor, name, name + " processor");
        else if (st.Iterator) walk(st.Iterator, name, name + " iterator");
      }
    }
    walk(def, null, "top level");
    return out;
  }

  // find returns the scope that holds a state (names are unique across a whole machine).
  function find(def, name) {
    for (const s of scopes(def)) {
      if (Object.prototype.hasOwnProperty.call(s.scope.States, name)) return { scope: s.scope, state: s.scope.States[name] };
    }
    return null;
  }

  function allNames(def) {
    const names = new Set();
    for (const s of scopes(def)) for (const n of Object.keys(s.scope.States)) names.add(n);
    return names;
  }

  function uniqueName(def, base) {
    const names = allNames(def);
    if (!names.has(base)) return base;
    for (let i = 2; ; i++) if (!names.has(base + " " + i)) return base + " " + i;
  }

  // withKey rebuilds an object with a key inserted after another (or renamed), keeping the
  // order of the rest, as the text shows states in the order they were written.
  function insertAfter(obj, afterKey, key, value) {
    const entries = [];
    let placed = false;
    for (const [k, v] of entriesOf(obj)) {
      entries.push([k, v]);
      if (k === afterKey) { entries.push([key, value]); placed = true; }
    }
    if (!placed) entries.push([key, value]);
    return fromEntries(entries);
  }

  function renameKey(obj, from, to) {
    return fromEntries(entriesOf(obj).map(([k, v]) => [k === from ? to : k, v]));
  }

  // fromEntries makes an object whose keys the text will show in the entries' order.
  function fromEntries(entries) {
    const out = Object.fromEntries(entries);
    setOrder(out, entries.map(([k]) => k));
    return out;
  }

  function queryLanguage(def, state) {
    return (state && state.QueryLanguage) || def.QueryLanguage || "JSONPath";
  }

  const TERMINAL = new Set(["Succeed", "Fail"]);
  const takesNext = (st) => st && !TERMINAL.has(st.Type) && st.Type !== "Choice";

  // ---- selection ----
  let selected = null;

  function markSelection() {
    document.querySelectorAll("#graph .sf-selected").forEach((n) => n.classList.remove("sf-selected"));
    if (!selected) return;
    document.querySelectorAll('#graph .sf-node[data-state="' + CSS.escape(selected) + '"]').forEach((n) => n.classList.add("sf-selected"));
  }

  function select(name) {
    selected = name;
    main.dataset.selected = name || "";
    markSelection();
    renderForm();
  }

  $("graph").addEventListener("click", (e) => {
    const node = e.target.closest(".sf-node[data-state]");
    if (node) select(node.dataset.state);
  });

  // The text is the source: after each validation the selection is re-marked on the new
  // graph, and the form re-read unless the change came from the form itself.
  let formText = null;
  main.addEventListener("sf-validated", () => {
    markSelection();
    updateTargets();
    if (text.value !== formText) renderForm();
  });

  // ---- editing the selected state ----
  // edit applies a change to the selected state of a fresh parse of the text and writes it
  // back. rerender redraws the form (rows added or removed); otherwise the form, which already
  // shows the change, keeps its focus.
  function edit(change, rerender) {
    const def = parse();
    if (!def) return;
    const found = selected && find(def, selected);
    if (!found) return;
    const err = change(found.state, found.scope, def);
    if (typeof err === "string") { showError(err); return; }
    showError(null);
    write(def);
    formText = text.value;
    if (rerender) renderForm();
  }

  function setOrDelete(obj, key, value) {
    if (value === undefined || value === "" || (typeof value === "number" && isNaN(value))) delete obj[key];
    else obj[key] = value;
  }

  // Form controls. Each carries data-field so a test (or a person with dev tools) finds it.
  function row(grid, label, control) {
    grid.append(el("label", { text: label }), control);
    return control;
  }

  function textField(grid, label, field, value, onChange, attrs) {
    // The value is also the attribute, so the form's state can be read from its markup.
    const shown = plain(value);
    const input = el("input", Object.assign({ type: "text", "data-field": field, "aria-label": label, spellcheck: "false", value: shown }, attrs || {}));
    input.addEventListener("change", () => onChange(input.value));
    return row(grid, label, input);
  }

  function numberField(grid, label, field, value, onChange) {
    return textField(grid, label, field, value, (v) => onChange(v.trim() === "" ? undefined : Number(v)), { type: "number", step: "any", min: "0" });
  }

  // jsonField edits a JSON value; text that does not parse is marked and not applied.
  function jsonField(grid, label, field, value, onChange) {
    const area = el("textarea", { "data-field": field, "aria-label": label, spellcheck: "false", rows: "3" });
    area.value = value === undefined ? "" : JSON.stringify(value, null, 2);
    area.rows = Math.min(8, Math.max(3, area.value.split("\n").length)); // small objects shown whole
    area.addEventListener("change", () => {
      if (area.value.trim() === "") { area.classList.remove("invalid"); onChange(undefined); return; }
      let v;
      try { v = JSON.parse(area.value, keepNumberText); } catch (e) { area.classList.add("invalid"); area.title = String(e.message); return; }
      area.classList.remove("invalid");
      area.removeAttribute("title");
      onChange(v);
    });
    return row(grid, label, area);
  }

  function selectControl(field, label, options, value, onChange) {
    const sel = el("select", { "data-field": field, "aria-label": label });
    for (const [v, l] of options) sel.append(el("option", { value: v, text: l }));
    if (value !== undefined && value !== null && !options.some(([v]) => v === value)) sel.append(el("option", { value, text: value + " (missing)" }));
    sel.value = value === undefined || value === null ? "" : value;
    sel.addEventListener("change", () => onChange(sel.value));
    return sel;
  }

  // targets are the states a transition from a state may name: those of its own scope.
  function targetOptions(scope, self, none) {
    const out = none ? [["", none]] : [];
    for (const n of Object.keys(scope.States)) if (n !== self) out.push([n, n]);
    return out;
  }

  const errorList = (v) => v.split(",").map((s) => s.trim()).filter((s) => s !== "");

  function renderForm() {
    formText = text.value;
    form.replaceChildren();
    const def = parse();
    const found = def && selected && find(def, selected);
    form.hidden = !selected;
    if (!selected) return;
    if (!def) {
      form.append(el("p", { class: "hint", text: "The text is not valid JSON: fix it to edit " + selected + " here." }));
      return;
    }
    if (!found) {
      form.append(el("p", { class: "hint", text: "There is no state " + selected + " in the definition." }));
      return;
    }
    const { state, scope } = found;
    if (!state || typeof state !== "object" || Array.isArray(state)) {
      form.append(el("p", { class: "hint", text: selected + " is not a JSON object: edit it in the text." }));
      return;
    }
    const ql = queryLanguage(def, state);
    form.dataset.state = selected;
    form.dataset.queryLanguage = ql;

    const del = el("button", { type: "button", class: "danger", id: "delete-state", text: "Delete" });
    del.addEventListener("click", () => deleteSelected());
    form.append(el("h3", {}, document.createTextNode(selected), el("span", { class: "tag", text: state.Type || "?" }), del));

    const grid = el("div", { class: "grid" });
    form.append(grid);
    textField(grid, "Name", "Name", selected, (v) => rename(v));
    textField(grid, "Comment", "Comment", state.Comment, (v) => edit((st) => setOrDelete(st, "Comment", v)));
    row(grid, "Query language", selectControl("QueryLanguage", "Query language",
      [["", "inherit (" + (def.QueryLanguage || "JSONPath") + ")"], ["JSONPath", "JSONPath"], ["JSONata", "JSONata"]],
      state.QueryLanguage || "", (v) => edit((st) => setOrDelete(st, "QueryLanguage", v), true)));

    if (takesNext(state)) {
      row(grid, "Next", selectControl("Next", "Next", targetOptions(scope, selected, "(End)"), state.End ? "" : state.Next,
        (v) => edit((st) => {
          if (v === "") { delete st.Next; st.End = true; } else { delete st.End; st.Next = v; }
        })));
    }

    const jsonPath = ql === "JSONPath";
    const type = state.Type;
    if (type === "Task") {
      textField(grid, "Resource", "Resource", state.Resource, (v) => edit((st) => { st.Resource = v; }));
      numberField(grid, "TimeoutSeconds", "TimeoutSeconds", state.TimeoutSeconds, (v) => edit((st) => setOrDelete(st, "TimeoutSeconds", v)));
      numberField(grid, "HeartbeatSeconds", "HeartbeatSeconds", state.HeartbeatSeconds, (v) => edit((st) => setOrDelete(st, "HeartbeatSeconds", v)));
    }
    if (type === "Pass" && jsonPath) {
      jsonField(grid, "Result", "Result", state.Result, (v) => edit((st) => setOrDelete(st, "Result", v)));
    }
    if (type === "Wait") waitFields(grid, state, jsonPath);
    if (type === "Fail") {
      textField(grid, "Error", "Error", state.Error, (v) => edit((st) => setOrDelete(st, "Error", v)));
      textField(grid, "Cause", "Cause", state.Cause, (v) => edit((st) => setOrDelete(st, "Cause", v)));
      if (jsonPath) {
        textField(grid, "ErrorPath", "ErrorPath", state.ErrorPath, (v) => edit((st) => setOrDelete(st, "ErrorPath", v)));
        textField(grid, "CausePath", "CausePath", state.CausePath, (v) => edit((st) => setOrDelete(st, "CausePath", v)));
      }
    }
    if (type === "Map") {
      if (jsonPath) textField(grid, "ItemsPath", "ItemsPath", state.ItemsPath, (v) => edit((st) => setOrDelete(st, "ItemsPath", v)));
      else textField(grid, "Items", "Items", typeof state.Items === "string" ? state.Items : plain(state.Items), (v) => edit((st) => setOrDelete(st, "Items", jsonArrayOr(v))));
      countOrPath(grid, [], "MaxConcurrency", state, jsonPath);
    }

    // Data fields, as the state's query language has them.
    const dataFields = jsonPath ? {
      Pass: ["InputPath", "Parameters", "ResultPath", "OutputPath"],
      Task: ["InputPath", "Parameters", "ResultSelector", "ResultPath", "OutputPath"],
      Parallel: ["InputPath", "Parameters", "ResultSelector", "ResultPath", "OutputPath"],
      Map: ["InputPath", "ItemSelector", "ResultSelector", "ResultPath", "OutputPath"],
      Choice: ["InputPath", "OutputPath"], Wait: ["InputPath", "OutputPath"], Succeed: ["InputPath", "OutputPath"],
    } : {
      Pass: ["Output", "Assign"], Task: ["Arguments", "Output", "Assign"], Parallel: ["Arguments", "Output", "Assign"],
      Map: ["ItemSelector", "Output", "Assign"], Choice: ["Output", "Assign"], Wait: ["Output", "Assign"], Succeed: ["Output"],
    };
    const jsonValued = new Set(["Parameters", "ResultSelector", "ItemSelector", "Arguments", "Output", "Assign"]);
    for (const f of dataFields[type] || []) {
      if (jsonValued.has(f)) jsonField(grid, f, f, state[f], (v) => edit((st) => setOrDelete(st, f, v)));
      else textField(grid, f, f, state[f], (v) => edit((st) => setOrDelete(st, f, v)));
    }

    if (type === "Choice") choiceRules(state, scope, jsonPath);
    if (type === "Parallel") branches(state);
    if (type === "Map") processor(state, jsonPath);
    if (["Task", "Parallel", "Map"].includes(type)) {
      retriers(state);
      catchers(state, scope, jsonPath);
    }
  }

  const WAIT_FIELDS_JSONPATH = ["Seconds", "Timestamp", "SecondsPath", "TimestampPath"];
  const WAIT_FIELDS_JSONATA = ["Seconds", "Timestamp"];

  function waitFields(grid, state, jsonPath) {
    const kinds = jsonPath ? WAIT_FIELDS_JSONPATH : WAIT_FIELDS_JSONATA;
    const kind = kinds.find((k) => state[k] !== undefined) || "Seconds";
    const value = el("input", { type: "text", "data-field": "WaitValue", "aria-label": "Wait value", spellcheck: "false" });
    value.value = plain(state[kind]);
    const apply = () => edit((st) => {
      const k = kindSelect.value;
      for (const other of WAIT_FIELDS_JSONPATH) delete st[other];
      // Seconds is a number unless it is a JSONata expression; the rest are strings.
      st[k] = k === "Seconds" && value.value.trim() !== "" && !isNaN(Number(value.value)) ? Number(value.value) : value.value;
    });
    const kindSelect = selectControl("WaitKind", "Wait for", kinds.map((k) => [k, k]), kind, apply);
    value.addEventListener("change", apply);
    row(grid, "Wait", el("div", { class: "row" }, kindSelect, value));
  }

  // ---- Choice rules (JSONPath): comparisons nested in And, Or and Not ----
  // The comparison operators of AWS's Choice state page, grouped as the operator list shows
  // them. Each has an operand of one kind: a number, a boolean, a string, or (the ...Path
  // operators) a reference path to compare with.
  const RELATIONS = ["Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals"];
  const OPERATOR_GROUPS = [
    ["String", [...RELATIONS.map((r) => "String" + r), "StringMatches", ...RELATIONS.map((r) => "String" + r + "Path")]],
    ["Numeric", [...RELATIONS.map((r) => "Numeric" + r), ...RELATIONS.map((r) => "Numeric" + r + "Path")]],
    ["Boolean", ["BooleanEquals", "BooleanEqualsPath"]],
    ["Timestamp", [...RELATIONS.map((r) => "Timestamp" + r), ...RELATIONS.map((r) => "Timestamp" + r + "Path")]],
    ["Type tests", ["IsPresent", "IsNull", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"]],
  ];
  const OPERATORS = OPERATOR_GROUPS.flatMap(([, ops]) => ops);
  const COMPOUNDS = ["And", "Or", "Not"];
  // The keys that make up a rule's condition; the rest (Next, Comment, Assign) are the rule's own.
  const CONDITION_KEYS = new Set(["Variable", ...COMPOUNDS, ...OPERATORS]);

  function operandKind(op) {
    if (op.endsWith("Path")) return "path";
    if (op.startsWith("Numeric")) return "number";
    if (op.startsWith("Is") || op === "BooleanEquals") return "boolean";
    return "string"; // String*, StringMatches, Timestamp*
  }

  // convertOperand keeps what it can of a value when the operator asks for another kind.
  function convertOperand(value, kind) {
    if (rawNumber(value)) {
      if (kind === "number") return value;
      value = Number(value.rawJSON);
    }
    switch (kind) {
      case "number": {
        const n = typeof value === "number" ? value : Number(value);
        return typeof value !== "boolean" && value !== "" && isFinite(n) ? n : 0;
      }
      case "boolean": return typeof value === "boolean" ? value : value !== "false";
      case "path": return typeof value === "string" && value.startsWith("$") ? value : "$.value";
      default: return typeof value === "string" ? value : value === undefined || typeof value === "boolean" ? "" : String(value);
    }
  }

  function ruleKind(rule) {
    if (!isObject(rule)) return "comparison";
    return COMPOUNDS.find((k) => rule[k] !== undefined) || "comparison";
  }

  // replaceEntries rewrites an object in place with new entries, so that the arrays and
  // objects holding it keep holding it.
  function replaceEntries(obj, entries) {
    for (const k of Object.keys(obj)) delete obj[k];
    for (const [k, v] of entries) obj[k] = v;
    setOrder(obj, entries.map(([k]) => k));
  }

  // setCondition replaces a rule's condition keys with others, where the first of them stood
  // (before the rest when there was none), and keeps Next, Comment and Assign as they were.
  function setCondition(rule, condition) {
    const entries = [];
    let placed = false;
    for (const [k, v] of entriesOf(rule)) {
      if (CONDITION_KEYS.has(k)) {
        if (!placed) { entries.push(...Object.entries(condition)); placed = true; }
      } else entries.push([k, v]);
    }
    if (!placed) entries.unshift(...Object.entries(condition));
    replaceEntries(rule, entries);
  }

  // The condition of a rule, without its own keys: what a nested rule holds.
  const conditionOf = (rule) => Object.fromEntries(Object.entries(isObject(rule) ? rule : {}).filter(([k]) => CONDITION_KEYS.has(k)));
  const newComparison = () => ({ Variable: "$.value", StringEquals: "" });

  // convertRule turns a rule into another kind, keeping its condition inside the new one:
  // a comparison wrapped in And becomes its first condition; an And or Or unwrapped to a
  // comparison keeps its first condition if that is one.
  function convertRule(rule, to) {
    const from = ruleKind(rule);
    if (from === to) return;
    const inner = conditionOf(rule);
    let children;
    if (from === "comparison") children = [inner];
    else if (from === "Not") children = isObject(rule.Not) ? [rule.Not] : [];
    else children = Array.isArray(rule[from]) ? rule[from] : [];
    let condition;
    if (to === "And" || to === "Or") condition = { [to]: children.length ? children : [newComparison()] };
    else if (to === "Not") condition = { Not: children.length === 1 ? children[0] : children.length ? { [from]: children } : newComparison() };
    else {
      const first = children.find((c) => ruleKind(c) === "comparison" && isObject(c));
      condition = first ? conditionOf(first) : newComparison();
    }
    setCondition(rule, condition);
  }

  // A rule's place: the index of a top-level rule, then "And"/"Or" with an index, or "Not".
  function ruleAt(choices, path) {
    let r = choices[path[0]];
    for (let i = 1; i < path.length; i++) {
      if (!isObject(r)) return null;
      if (path[i] === "Not") r = r.Not;
      else { r = Array.isArray(r[path[i]]) ? r[path[i]][path[i + 1]] : undefined; i++; }
    }
    return isObject(r) ? r : null;
  }

  // editRule changes the rule at path in a fresh parse of the text.
  function editRule(path, change, rerender) {
    edit((st) => {
      const r = Array.isArray(st.Choices) ? ruleAt(st.Choices, path) : null;
      if (!r) return "That rule is gone from the text; the form is re-read.";
      return change(r, st);
    }, rerender);
  }

  function operatorSelect(op, label, onChange) {
    const sel = el("select", { "data-field": "Operator", "aria-label": label });
    for (const [group, ops] of OPERATOR_GROUPS) sel.append(el("optgroup", { label: group }, ...ops.map((o) => el("option", { value: o, text: o }))));
    sel.value = op;
    sel.addEventListener("change", () => onChange(sel.value));
    return sel;
  }

  // operandControl edits a comparison's value as its operator types it: a number field, a
  // true/false list, or text (a string, a timestamp, a pattern or a path).
  function operandControl(op, value, label, onChange) {
    const kind = operandKind(op);
    if (kind === "boolean") {
      const sel = el("select", { "data-field": "Value", "data-kind": kind, "aria-label": label },
        el("option", { value: "true", text: "true" }), el("option", { value: "false", text: "false" }));
      sel.value = value === false ? "false" : "true";
      sel.addEventListener("change", () => onChange(sel.value === "true"));
      return sel;
    }
    const attrs = { type: kind === "number" ? "number" : "text", step: kind === "number" ? "any" : null, "data-field": "Value", "data-kind": kind, "aria-label": label, spellcheck: "false" };
    if (kind === "path") attrs.placeholder = "$.other";
    else if (op.startsWith("Timestamp")) attrs.placeholder = "2026-01-01T00:00:00Z";
    else if (op === "StringMatches") attrs.placeholder = "log-*.txt";
    const input = el("input", attrs);
    input.value = plain(value);
    input.addEventListener("change", () => {
      if (kind === "number") {
        const n = Number(input.value);
        if (input.value.trim() === "" || !isFinite(n)) { input.classList.add("invalid"); return; }
        input.classList.remove("invalid");
        onChange(n);
      } else onChange(input.value);
    });
    return input;
  }

  // ruleNode draws one rule and, for And, Or and Not, the rules inside it, to any depth.
  function ruleNode(rule, path, scope, top) {
    const kind = ruleKind(rule);
    const where = top ? "rule " + (path[0] + 1) : "condition " + path.join(" ");
    const node = el("div", { class: "rule-node" + (top ? " choice-rule" : ""), "data-path": path.join("/"), "data-kind": kind, "data-index": top ? String(path[0]) : null });
    const head = el("div", { class: "row rule-head" });
    node.append(head);
    head.append(selectControl("RuleKind", "Kind of " + where, [["comparison", "compare"], ["And", "And (all of)"], ["Or", "Or (any of)"], ["Not", "Not"]], kind,
      (v) => editRule(path, (r) => convertRule(r, v), true)));
    if (kind === "comparison") {
      const op = OPERATORS.find((o) => rule[o] !== undefined) || "StringEquals";
      const variable = el("input", { type: "text", "data-field": "Variable", "aria-label": "Variable of " + where, spellcheck: "false", placeholder: "$.value" });
      variable.value = typeof rule.Variable === "string" ? rule.Variable : "";
      variable.addEventListener("change", () => editRule(path, (r) => {
        if (r.Variable === undefined) setCondition(r, Object.assign({ Variable: variable.value }, conditionOf(r)));
        else r.Variable = variable.value;
      }));
      const opSelect = operatorSelect(op, "Operator of " + where, (to) => editRule(path, (r) => {
        // The operator is renamed where it stood; its value is converted to the new kind.
        const was = OPERATORS.find((o) => r[o] !== undefined);
        const value = convertOperand(was === undefined ? undefined : r[was], operandKind(to));
        if (was === undefined) setCondition(r, Object.assign(conditionOf(r), { [to]: value }));
        else replaceEntries(r, entriesOf(r).filter(([k]) => k === was || !OPERATORS.includes(k)).map(([k, v]) => (k === was ? [to, value] : [k, v])));
      }, true));
      const value = operandControl(op, rule[op], "Value of " + where, (v) => editRule(path, (r) => {
        const at = OPERATORS.find((o) => r[o] !== undefined) || op;
        if (r[at] === undefined) setCondition(r, Object.assign(conditionOf(r), { [at]: v }));
        else r[at] = v;
      }));
      head.append(variable, opSelect, value);
    }
    if (top) {
      head.append(el("span", { text: "→" }), selectControl("Next", "Next of rule " + (path[0] + 1), targetOptions(scope, selected, "(choose)"), rule.Next,
        (v) => editRule(path, (r) => { r.Next = v; })));
      const remove = el("button", { type: "button", class: "secondary", "data-action": "remove-rule", text: "Remove" });
      remove.addEventListener("click", () => edit((st) => { st.Choices.splice(path[0], 1); }, true));
      head.append(remove);
    } else if (path[path.length - 1] !== "Not") {
      // A condition of an And or Or; the one condition of a Not goes with its Not.
      const remove = el("button", { type: "button", class: "secondary", "data-action": "remove-condition", text: "Remove" });
      remove.addEventListener("click", () => editRule(path.slice(0, -2), (parent) => {
        const list = parent[path[path.length - 2]];
        if (Array.isArray(list)) list.splice(path[path.length - 1], 1);
      }, true));
      head.append(remove);
    }
    if (kind === "And" || kind === "Or") {
      const children = el("div", { class: "rule-children" });
      (Array.isArray(rule[kind]) ? rule[kind] : []).forEach((child, j) => children.append(ruleNode(isObject(child) ? child : {}, [...path, kind, j], scope, false)));
      const add = el("button", { type: "button", class: "secondary", "data-action": "add-condition", text: "Add condition" });
      add.addEventListener("click", () => editRule(path, (r) => {
        if (!Array.isArray(r[kind])) r[kind] = [];
        r[kind].push(newComparison());
      }, true));
      children.append(el("div", { class: "row" }, add));
      node.append(children);
    } else if (kind === "Not") {
      const children = el("div", { class: "rule-children" });
      if (isObject(rule.Not)) children.append(ruleNode(rule.Not, [...path, "Not"], scope, false));
      else {
        const set = el("button", { type: "button", class: "secondary", "data-action": "set-condition", text: "Set condition" });
        set.addEventListener("click", () => editRule(path, (r) => { r.Not = newComparison(); }, true));
        children.append(el("div", { class: "row" }, set));
      }
      node.append(children);
    }
    return node;
  }

  function choiceRules(state, scope, jsonPath) {
    const box = el("fieldset", { "data-section": "Choices" }, el("legend", { text: "Choice rules" }));
    const rules = Array.isArray(state.Choices) ? state.Choices : [];
    rules.forEach((rule, i) => {
      if (!isObject(rule)) rule = {};
      if (jsonPath) { box.append(ruleNode(rule, [i], scope, true)); return; }
      // JSONata: one Condition expression per rule.
      const r = el("div", { class: "row choice-rule", "data-index": String(i), "data-path": String(i) });
      const next = selectControl("Next", "Next of rule " + (i + 1), targetOptions(scope, selected, "(choose)"), rule.Next,
        (v) => edit((st) => { st.Choices[i].Next = v; }));
      const remove = el("button", { type: "button", class: "secondary", "data-action": "remove-rule", text: "Remove" });
      remove.addEventListener("click", () => edit((st) => { st.Choices.splice(i, 1); }, true));
      const cond = el("input", { type: "text", "data-field": "Condition", "aria-label": "Condition of rule " + (i + 1), spellcheck: "false", placeholder: "{% $states.input.value > 1 %}" });
      cond.value = typeof rule.Condition === "string" ? rule.Condition : rule.Condition === undefined ? "" : JSON.stringify(rule.Condition);
      cond.addEventListener("change", () => edit((st) => {
        const rl = st.Choices[i];
        if (!isObject(rl)) return "That rule is not an object: edit it in the text.";
        if (rl.Condition === undefined) replaceEntries(rl, [["Condition", cond.value], ...entriesOf(rl)]);
        else rl.Condition = cond.value;
      }));
      r.append(cond, el("span", { text: "→" }), next, remove);
      box.append(r);
    });
    const add = el("button", { type: "button", class: "secondary", "data-action": "add-rule", text: "Add rule" });
    add.addEventListener("click", () => edit((st) => {
      st.Choices = Array.isArray(st.Choices) ? st.Choices : [];
      st.Choices.push(jsonPath ? Object.assign(newComparison(), { Next: "" }) : { Condition: "{% true %}", Next: "" });
    }, true));
    const deflt = selectControl("Default", "Default", targetOptions(scope, selected, "(none)"), state.Default,
      (v) => edit((st) => setOrDelete(st, "Default", v)));
    box.append(el("div", { class: "row" }, add, el("span", { text: "Default" }), deflt));
    form.append(box);
  }

  function branches(state) {
    const box = el("fieldset", { "data-section": "Branches" }, el("legend", { text: "Branches" }));
    (Array.isArray(state.Branches) ? state.Branches : []).forEach((b, i) => {
      if (!b || typeof b !== "object") b = {};
      const remove = el("button", { type: "button", class: "secondary", "data-action": "remove-branch", text: "Remove" });
      remove.addEventListener("click", () => edit((st) => { st.Branches.splice(i, 1); }, true));
      box.append(el("div", { class: "row branch", "data-index": String(i) },
        el("span", { text: "Branch " + (i + 1) + ": starts at " + (b.StartAt || "?") + ", " + Object.keys(b.States || {}).length + " states" }), remove));
    });
    const add = el("button", { type: "button", class: "secondary", "data-action": "add-branch", text: "Add branch" });
    add.addEventListener("click", () => edit((st, scope, def) => {
      const name = uniqueName(def, "Branch " + ((st.Branches || []).length + 1) + " Pass");
      st.Branches = st.Branches || [];
      st.Branches.push({ StartAt: name, States: { [name]: { Type: "Pass", End: true } } });
    }, true));
    box.append(el("div", { class: "row" }, add));
    form.append(box);
  }

  // ---- Map: its processor, and a Distributed Map's reader, batcher, writer and limits ----
  // objectAt walks to an object nested in the state, creating the missing ones when asked;
  // it answers null when a field on the way holds something other than an object, which the
  // form leaves to the text rather than overwrite.
  function objectAt(st, path, create) {
    let o = st;
    for (const k of path) {
      if (o[k] === undefined) { if (!create) return null; o[k] = {}; }
      if (!isObject(o[k])) return null;
      o = o[k];
    }
    return o;
  }

  // prune removes the objects of a path that an edit left empty, innermost first.
  function prune(st, path) {
    for (let n = path.length; n > 0; n--) {
      const parent = objectAt(st, path.slice(0, n - 1), false);
      const key = path[n - 1];
      if (!parent || !isObject(parent[key]) || Object.keys(parent[key]).length) return;
      delete parent[key];
    }
  }

  // setIn sets a field of an object nested in the selected state ("" or undefined removes
  // it, and the objects it leaves empty).
  function setIn(path, key, value, rerender) {
    edit((st) => {
      const o = objectAt(st, path, value !== undefined && value !== "");
      if (!o) return value === undefined || value === "" ? undefined : path.join(".") + " is not an object: edit it in the text.";
      setOrDelete(o, key, value);
      prune(st, path);
    }, rerender);
  }

  const valueAt = (state, path, key) => { const o = objectAt(state, path, false); return o ? o[key] : undefined; };

  function nestedSelect(grid, path, key, options, state, rerender) {
    return row(grid, key, selectControl(key, key, options, valueAt(state, path, key) === undefined ? "" : valueAt(state, path, key), (v) => setIn(path, key, v, rerender)));
  }

  function nestedJSON(grid, path, key, state) {
    return jsonField(grid, key, key, valueAt(state, path, key), (v) => setIn(path, key, v));
  }

  // countOrPath edits a number that may instead be read from the input: MaxConcurrency or
  // MaxConcurrencyPath, and the like. A JSONata state has no ...Path fields; its value may
  // be a {% expression %} instead of a number. Switching between the two keeps the field's
  // place among the others.
  function countOrPath(grid, path, key, state, jsonPath) {
    const holder = objectAt(state, path, false) || {};
    const byPath = jsonPath && holder[key + "Path"] !== undefined;
    const current = byPath ? holder[key + "Path"] : holder[key];
    const input = el("input", { type: "text", "data-field": key, "aria-label": key, spellcheck: "false", placeholder: jsonPath ? "" : "a number or {% expression %}" });
    input.value = plain(current);
    const kinds = jsonPath ? [[key, "value"], [key + "Path", "path"]] : [[key, "value"]];
    const apply = () => edit((st) => {
      const chosen = kindSelect.value;
      const raw = input.value.trim();
      const number = Number(raw);
      const value = raw === "" ? undefined : chosen.endsWith("Path") || !isFinite(number) ? raw : number;
      const o = objectAt(st, path, value !== undefined);
      if (!o) return value === undefined ? undefined : path.join(".") + " is not an object: edit it in the text.";
      const other = [key, key + "Path"].find((k) => k !== chosen && o[k] !== undefined);
      if (other) replaceEntries(o, entriesOf(o).map(([k, v]) => (k === other ? [chosen, value] : [k, v])).filter(([, v]) => v !== undefined));
      else setOrDelete(o, chosen, value);
      prune(st, path);
    });
    // With no value yet, picking the kind only sets what the value will be written as.
    const kindSelect = selectControl(key + "Kind", key + " from", kinds, byPath ? key + "Path" : key, () => { if (input.value.trim() !== "") apply(); });
    input.addEventListener("change", apply);
    return row(grid, key, el("div", { class: "count-or-path" }, kindSelect, input));
  }

  const ITEM_READER_RESOURCES = [
    ["", "(none: the items come from the state input)"],
    ["arn:aws:states:::s3:getObject", "s3:getObject (one CSV, JSON, JSONL, manifest or Parquet file)"],
    ["arn:aws:states:::s3:listObjectsV2", "s3:listObjectsV2 (the objects under a prefix)"],
  ];
  const RESULT_WRITER_RESOURCES = [["", "(none: the results stay in the state output)"], ["arn:aws:states:::s3:putObject", "s3:putObject (the results go to a bucket)"]];
  const optionList = (none, values) => [["", none], ...values.map((v) => [v, v])];

  function processor(state, jsonPath) {
    const p = state.ItemProcessor || state.Iterator || {};
    const box = el("fieldset", { "data-section": "ItemProcessor" }, el("legend", { text: "Item processor" }));
    const config = isObject(p.ProcessorConfig) ? p.ProcessorConfig : {};
    const mode = config.Mode || "INLINE";
    const line = el("div", { class: "row" },
      el("span", { text: "starts at " + (p.StartAt || "?") + ", " + Object.keys(p.States || {}).length + " states; mode" }),
      selectControl("Mode", "Processor mode", [["INLINE", "INLINE"], ["DISTRIBUTED", "DISTRIBUTED"]], mode, (v) => edit((st) => {
        const proc = st.ItemProcessor || st.Iterator;
        if (!proc) return "This Map has no ItemProcessor.";
        proc.ProcessorConfig = Object.assign({}, proc.ProcessorConfig, { Mode: v });
        if (v === "DISTRIBUTED" && !proc.ProcessorConfig.ExecutionType) proc.ProcessorConfig.ExecutionType = "STANDARD";
        if (v === "INLINE") delete proc.ProcessorConfig.ExecutionType;
      }, true)));
    if (mode === "DISTRIBUTED") {
      // Each iteration of a Distributed Map is a child execution of this type.
      const processorKey = state.ItemProcessor ? "ItemProcessor" : "Iterator";
      line.append(el("span", { text: "child executions" }),
        selectControl("ExecutionType", "Execution type", [["STANDARD", "STANDARD"], ["EXPRESS", "EXPRESS"]], config.ExecutionType || "STANDARD",
          (v) => setIn([processorKey, "ProcessorConfig"], "ExecutionType", v)));
    }
    box.append(line);
    form.append(box);
    if (mode === "DISTRIBUTED" || ["ItemReader", "ItemBatcher", "ResultWriter", "Label", "ToleratedFailureCount", "ToleratedFailureCountPath",
      "ToleratedFailurePercentage", "ToleratedFailurePercentagePath"].some((k) => state[k] !== undefined)) distributed(state, jsonPath);
  }

  // distributed draws a Distributed Map's fields, named and valued as AWS's ItemReader,
  // ItemBatcher and ResultWriter pages list them.
  function distributed(state, jsonPath) {
    const payload = jsonPath ? "Parameters" : "Arguments";
    const section = (name, legend) => {
      const box = el("fieldset", { "data-section": name }, el("legend", { text: legend }));
      const grid = el("div", { class: "grid" });
      box.append(grid);
      form.append(box);
      return grid;
    };

    let grid = section("Distributed", "Distributed Map");
    textField(grid, "Label", "Label", state.Label, (v) => setIn([], "Label", v));
    countOrPath(grid, [], "ToleratedFailureCount", state, jsonPath);
    countOrPath(grid, [], "ToleratedFailurePercentage", state, jsonPath);

    grid = section("ItemReader", "Item reader");
    const reader = ["ItemReader"], readerConfig = ["ItemReader", "ReaderConfig"];
    row(grid, "Resource", selectControl("Resource", "Item reader resource", ITEM_READER_RESOURCES, valueAt(state, reader, "Resource") === undefined ? "" : valueAt(state, reader, "Resource"),
      (v) => edit((st) => {
        const r = objectAt(st, reader, v !== "");
        if (!r) return v === "" ? undefined : "ItemReader is not an object: edit it in the text.";
        setOrDelete(r, "Resource", v);
        // A new reader gets the S3 location to fill in.
        if (v !== "" && r.Parameters === undefined && r.Arguments === undefined) {
          r[payload] = v.endsWith("listObjectsV2") ? { Bucket: "amzn-s3-demo-bucket", Prefix: "" } : { Bucket: "amzn-s3-demo-bucket", Key: "items.json" };
        }
        prune(st, reader);
      }, true)));
    nestedSelect(grid, readerConfig, "InputType", optionList("(not set)", ["CSV", "JSON", "JSONL", "MANIFEST", "PARQUET"]), state, true);
    const inputType = valueAt(state, readerConfig, "InputType");
    if (inputType === "CSV" || valueAt(state, readerConfig, "CSVHeaderLocation") !== undefined || valueAt(state, readerConfig, "CSVHeaders") !== undefined) {
      nestedSelect(grid, readerConfig, "CSVHeaderLocation", optionList("(FIRST_ROW)", ["FIRST_ROW", "GIVEN"]), state, true);
      const headers = valueAt(state, readerConfig, "CSVHeaders");
      textField(grid, "CSVHeaders", "CSVHeaders", Array.isArray(headers) ? headers.join(", ") : headers,
        (v) => setIn(readerConfig, "CSVHeaders", v.trim() === "" ? undefined : errorList(v)), { placeholder: "comma-separated column names (GIVEN)" });
      nestedSelect(grid, readerConfig, "CSVDelimiter", optionList("(COMMA)", ["COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB"]), state);
    }
    if (inputType === "MANIFEST" || valueAt(state, readerConfig, "ManifestType") !== undefined) {
      nestedSelect(grid, readerConfig, "ManifestType", optionList("(S3_INVENTORY)", ["S3_INVENTORY", "ATHENA_DATA"]), state);
    }
    countOrPath(grid, readerConfig, "MaxItems", state, jsonPath);
    nestedJSON(grid, reader, payload, state);

    grid = section("ItemBatcher", "Item batcher");
    countOrPath(grid, ["ItemBatcher"], "MaxItemsPerBatch", state, jsonPath);
    countOrPath(grid, ["ItemBatcher"], "MaxInputBytesPerBatch", state, jsonPath);
    nestedJSON(grid, ["ItemBatcher"], "BatchInput", state);

    grid = section("ResultWriter", "Result writer");
    const writer = ["ResultWriter"], writerConfig = ["ResultWriter", "WriterConfig"];
    row(grid, "Resource", selectControl("Resource", "Result writer resource", RESULT_WRITER_RESOURCES, valueAt(state, writer, "Resource") === undefined ? "" : valueAt(state, writer, "Resource"),
      (v) => edit((st) => {
        const w = objectAt(st, writer, v !== "");
        if (!w) return v === "" ? undefined : "ResultWriter is not an object: edit it in the text.";
        setOrDelete(w, "Resource", v);
        if (v !== "" && w.Parameters === undefined && w.Arguments === undefined) w[payload] = { Bucket: "amzn-s3-demo-bucket", Prefix: "results" };
        prune(st, writer);
      }, true)));
    nestedJSON(grid, writer, payload, state);
    nestedSelect(grid, writerConfig, "OutputType", optionList("(JSON)", ["JSON", "JSONL"]), state);
    nestedSelect(grid, writerConfig, "Transformation", optionList("(NONE with a Resource, else COMPACT)", ["NONE", "COMPACT", "FLATTEN"]), state);
  }

  function retriers(state) {
    const box = el("fieldset", { "data-section": "Retry" }, el("legend", { text: "Retry" }));
    if ((state.Retry || []).length) {
      box.append(el("div", { class: "row row-head" }, ...["ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate"].map((h) => el("div", { text: h })),
        el("div", { style: "flex: 0 0 70px" })));
    }
    (Array.isArray(state.Retry) ? state.Retry : []).forEach((r, i) => {
      if (!r || typeof r !== "object") r = {};
      const line = el("div", { class: "row retry-row", "data-index": String(i) });
      const errors = el("input", { type: "text", "data-field": "ErrorEquals", "aria-label": "Errors of retrier " + (i + 1), spellcheck: "false" });
      errors.value = Array.isArray(r.ErrorEquals) ? r.ErrorEquals.join(", ") : "";
      errors.addEventListener("change", () => edit((st) => { st.Retry[i].ErrorEquals = errorList(errors.value); }));
      line.append(errors);
      for (const [f, label] of [["IntervalSeconds", "interval s"], ["MaxAttempts", "attempts"], ["BackoffRate", "backoff"]]) {
        const n = el("input", { type: "number", step: "any", min: "0", "data-field": f, "aria-label": f + " of retrier " + (i + 1), placeholder: label });
        n.value = plain(r[f]);
        n.addEventListener("change", () => edit((st) => setOrDelete(st.Retry[i], f, n.value.trim() === "" ? undefined : Number(n.value))));
        line.append(n);
      }
      const remove = el("button", { type: "button", class: "secondary", "data-action": "remove-retry", text: "Remove" });
      remove.addEventListener("click", () => edit((st) => { st.Retry.splice(i, 1); if (!st.Retry.length) delete st.Retry; }, true));
      line.append(remove);
      box.append(line);
    });
    const add = el("button", { type: "button", class: "secondary", "data-action": "add-retry", text: "Add retrier" });
    add.addEventListener("click", () => edit((st) => {
      st.Retry = st.Retry || [];
      st.Retry.push({ ErrorEquals: ["States.ALL"], IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2 });
    }, true));
    box.append(el("div", { class: "row" }, add));
    form.append(box);
  }

  function catchers(state, scope, jsonPath) {
    const box = el("fieldset", { "data-section": "Catch" }, el("legend", { text: "Catch" }));
    (Array.isArray(state.Catch) ? state.Catch : []).forEach((c, i) => {
      if (!c || typeof c !== "object") c = {};
      const line = el("div", { class: "row catch-row", "data-index": String(i) });
      const errors = el("input", { type: "text", "data-field": "ErrorEquals", "aria-label": "Errors of catcher " + (i + 1), spellcheck: "false" });
      errors.value = Array.isArray(c.ErrorEquals) ? c.ErrorEquals.join(", ") : "";
      errors.addEventListener("change", () => edit((st) => { st.Catch[i].ErrorEquals = errorList(errors.value); }));
      const next = selectControl("Next", "Next of catcher " + (i + 1), targetOptions(scope, selected, "(choose)"), c.Next,
        (v) => edit((st) => { st.Catch[i].Next = v; }));
      line.append(errors, el("span", { text: "→" }), next);
      if (jsonPath) {
        const rp = el("input", { type: "text", "data-field": "ResultPath", "aria-label": "ResultPath of catcher " + (i + 1), placeholder: "ResultPath", spellcheck: "false" });
        rp.value = c.ResultPath || "";
        rp.addEventListener("change", () => edit((st) => setOrDelete(st.Catch[i], "ResultPath", rp.value)));
        line.append(rp);
      }
      const remove = el("button", { type: "button", class: "secondary", "data-action": "remove-catch", text: "Remove" });
      remove.addEventListener("click", () => edit((st) => { st.Catch.splice(i, 1); if (!st.Catch.length) delete st.Catch; }, true));
      line.append(remove);
      box.append(line);
    });
    const add = el("button", { type: "button", class: "secondary", "data-action": "add-catch", text: "Add catcher" });
    add.addEventListener("click", () => edit((st) => {
      st.Catch = st.Catch || [];
      st.Catch.push({ ErrorEquals: ["States.ALL"], Next: "" });
    }, true));
    box.append(el("div", { class: "row" }, add));
    form.append(box);
  }

  // ---- rename and delete ----
  // rename changes a state's key and every transition to it in its scope: StartAt, Next,
  // Default, Choice rules' Next and Catch's Next.
  function rename(to) {
    to = to.trim();
    const from = selected;
    if (to === from) return;
    const def = parse();
    if (!def) return;
    if (to === "" || to.length > 80) { showError("A state name has 1 to 80 characters."); renderForm(); return; }
    if (allNames(def).has(to)) { showError("There is already a state named " + to + "."); renderForm(); return; }
    const found = find(def, from);
    if (!found) return;
    const scope = found.scope;
    scope.States = renameKey(scope.States, from, to);
    if (scope.StartAt === from) scope.StartAt = to;
    for (const st of Object.values(scope.States)) {
      if (!st || typeof st !== "object") continue;
      if (st.Next === from) st.Next = to;
      if (st.Default === from) st.Default = to;
      for (const rule of Array.isArray(st.Choices) ? st.Choices : []) if (rule && rule.Next === from) rule.Next = to;
      for (const c of Array.isArray(st.Catch) ? st.Catch : []) if (c && c.Next === from) c.Next = to;
    }
    showError(null);
    write(def);
    select(to);
  }

  // deleteSelected removes the state; transitions to it are left for validation to flag, so
  // nothing is rewired behind the author's back.
  function deleteSelected() {
    const def = parse();
    const found = def && selected && find(def, selected);
    if (!found) return;
    delete found.scope.States[selected];
    write(def);
    select(null);
  }

  // ---- the palette ----
  function newState(def, type, ql, template) {
    const jsonata = ql === "JSONata";
    switch (type) {
      case "Pass": return { Type: "Pass" };
      case "Task": {
        if (template) return taskFromTemplate(template, jsonata);
        return jsonata
          ? { Type: "Task", Resource: "arn:aws:states:::lambda:invoke", Arguments: { FunctionName: "my-function", Payload: "{% $states.input %}" } }
          : { Type: "Task", Resource: "arn:aws:states:::lambda:invoke", Parameters: { FunctionName: "my-function", "Payload.$": "$" } };
      }
      case "Choice": return { Type: "Choice", Choices: [jsonata ? { Condition: "{% $states.input.value = 1 %}", Next: "" } : { Variable: "$.value", NumericEquals: 1, Next: "" }] };
      case "Wait": return { Type: "Wait", Seconds: 5 };
      case "Succeed": return { Type: "Succeed" };
      case "Fail": return { Type: "Fail", Error: "Failed", Cause: "" };
      case "Parallel": {
        const inner = uniqueName(def, "Branch 1 Pass");
        return { Type: "Parallel", Branches: [{ StartAt: inner, States: { [inner]: { Type: "Pass", End: true } } }] };
      }
      case "Map": {
        const inner = uniqueName(def, "Process item");
        const m = { Type: "Map", ItemProcessor: { ProcessorConfig: { Mode: "INLINE" }, StartAt: inner, States: { [inner]: { Type: "Pass", End: true } } } };
        if (jsonata) m.Items = "{% $states.input.items %}"; else m.ItemsPath = "$.items";
        return m;
      }
    }
    return null;
  }

  // taskFromTemplate writes a template's JSONPath parameters as JSONata arguments when the
  // state is JSONata: "Key.$": "$.a.b" becomes "Key": "{% $states.input.a.b %}".
  function taskFromTemplate(t, jsonata) {
    const st = { Type: "Task", Resource: t.resource };
    if (!t.parameters) return st;
    if (!jsonata) { st.Parameters = t.parameters; return st; }
    const args = {};
    for (const [k, v] of Object.entries(t.parameters)) {
      if (k.endsWith(".$") && typeof v === "string" && v.startsWith("$")) args[k.slice(0, -2)] = "{% $states.input" + v.slice(1) + " %}";
      else args[k] = v;
    }
    st.Arguments = args;
    return st;
  }

  // insert adds a state where the palette's target says: after the selected state (taking
  // over its Next, which now leads to the new state), or first in a Parallel branch or a Map
  // processor. With nothing selected the state becomes the machine's first.
  function insert(type, template) {
    const def = parse();
    if (!def) { showError("The text is not valid JSON: fix it before adding states."); return; }
    if (typeof def.States !== "object" || def.States === null || Array.isArray(def.States)) def.States = {};
    const target = $("insert-target").value;
    let scope = def;
    let after = null;
    if (target.startsWith("scope:")) {
      const s = scopes(def)[Number(target.slice(6))];
      if (!s) { showError("That branch is gone; pick another place."); updateTargets(); return; }
      scope = s.scope;
    } else if (selected) {
      const found = find(def, selected);
      if (found) { scope = found.scope; after = selected; }
    }
    const base = template ? template.label.replace(/[^A-Za-z0-9 _-]+/g, " ").trim().slice(0, 60) || "Task" : type;
    const name = uniqueName(def, base);
    const st = newState(def, type, queryLanguage(def, null), template);
    if (after) {
      const prev = scope.States[after];
      const oldNext = prev.End ? null : prev.Next || null;
      if (takesNext(prev)) {
        delete prev.End;
        prev.Next = name;
      }
      connect(st, oldNext);
      scope.States = insertAfter(scope.States, after, name, st);
    } else {
      connect(st, scope.StartAt && scope.States[scope.StartAt] ? scope.StartAt : null);
      scope.States = fromEntries([[name, st], ...entriesOf(scope.States)]);
      scope.StartAt = name;
    }
    showError(null);
    write(def);
    select(name);
  }

  // connect leads a new state on to next (or ends it there).
  function connect(st, next) {
    if (TERMINAL.has(st.Type)) return;
    if (st.Type === "Choice") {
      st.Choices[0].Next = next || "";
      if (next) st.Default = next;
      return;
    }
    if (next) st.Next = next; else st.End = true;
  }

  function updateTargets() {
    const def = parse(true);
    const sel = $("insert-target");
    const keep = sel.value;
    sel.replaceChildren(el("option", { value: "after", text: "after the selected state" }));
    if (!def) return;
    scopes(def).forEach((s, i) => {
      if (s.owner) sel.append(el("option", { value: "scope:" + i, text: "start of " + s.label }));
    });
    sel.value = [...sel.options].some((o) => o.value === keep) ? keep : "after";
  }

  document.querySelectorAll("#palette .add-state").forEach((b) => b.addEventListener("click", () => insert(b.dataset.type)));

  let templates = [];
  async function loadTemplates() {
    try {
      const resp = await fetch("/ui/api/editor/task-templates");
      if (!resp.ok) return;
      templates = (await resp.json()).templates || [];
    } catch (e) {
      return; // the palette still has every state type
    }
    const sel = $("task-template");
    const groups = new Map();
    templates.forEach((t, i) => {
      if (!groups.has(t.group)) { groups.set(t.group, el("optgroup", { label: t.group })); sel.append(groups.get(t.group)); }
      groups.get(t.group).append(el("option", { value: String(i), text: t.label }));
    });
    sel.hidden = templates.length === 0;
  }
  $("task-template").addEventListener("change", (e) => {
    const t = templates[Number(e.target.value)];
    e.target.value = "";
    if (t) insert("Task", t);
  });

  // ---- YAML in and out, converted by the server ----
  async function convert(from, textIn) {
    const resp = await fetch("/ui/api/editor/convert", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ from, text: textIn }),
    });
    const data = await resp.json().catch(() => ({}));
    if (!resp.ok) throw new Error((data.line ? "line " + data.line + ": " : "") + (data.error || resp.status + " " + resp.statusText));
    return data.text;
  }

  function yamlError(err) {
    $("yaml-error").hidden = !err;
    $("yaml-error").textContent = err ? String(err.message || err) : "";
  }

  // replaceText puts a whole new definition in the editor, as one step of undo.
  function replaceText(json) {
    record();
    text.value = json;
    record();
    text.dispatchEvent(new Event("input"));
    renderForm();
  }

  $("show-yaml").addEventListener("click", async () => {
    yamlError(null);
    try {
      $("yaml-text").value = await convert("json", text.value);
      $("yaml-pane").hidden = false;
      main.dataset.yaml = "shown";
    } catch (err) {
      yamlError(new Error("The JSON cannot be shown as YAML: " + err.message));
    }
  });
  $("apply-yaml").addEventListener("click", async () => {
    yamlError(null);
    try {
      replaceText(await convert("yaml", $("yaml-text").value));
      main.dataset.yaml = "applied";
    } catch (err) {
      yamlError(err);
    }
  });
  $("close-yaml").addEventListener("click", () => { $("yaml-pane").hidden = true; });

  // A file is taken as JSON when it parses as JSON, else converted from YAML.
  $("open-file").addEventListener("change", async (e) => {
    const file = e.target.files[0];
    e.target.value = "";
    if (!file) return;
    yamlError(null);
    try {
      const content = await file.text();
      let json = content;
      try { JSON.parse(content); } catch (notJSON) { json = await convert("yaml", content); }
      replaceText(json);
    } catch (err) {
      yamlError(new Error(file.name + ": " + err.message));
    }
  });

  function download(name, content, type) {
    const url = URL.createObjectURL(new Blob([content], { type }));
    const a = el("a", { href: url, download: name });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }
  const baseName = () => (($("sm-name") && $("sm-name").value.trim()) || document.title.replace(/^Edit /, "").split(" · ")[0] || "definition").replace(/[^A-Za-z0-9_-]+/g, "-");
  $("download-json").addEventListener("click", (e) => {
    e.preventDefault();
    download(baseName() + ".asl.json", text.value, "application/json");
  });
  $("download-yaml").addEventListener("click", async (e) => {
    e.preventDefault();
    yamlError(null);
    try {
      download(baseName() + ".asl.yaml", await convert("json", text.value), "application/yaml");
    } catch (err) {
      yamlError(new Error("The JSON cannot be saved as YAML: " + err.message));
    }
  });


  // ---- connecting states by dragging on the graph ----
  // Every state that can lead somewhere gets a handle on its bottom edge. Dragging a handle
  // onto another state of the same branch sets the transition: Next (End removed) for most
  // states; for a Choice, a menu asks which to set: Default, one of its rules, or a new rule;
  // for a state with catchers, its Next, one of its catchers or a new catcher.
  // A Task, Parallel or Map also has a catch handle on its right edge: dragging it onto a
  // state adds a catcher (States.ALL) that leads there. Each catch arrow has a handle near its
  // head: dragging it onto another state re-targets that catcher.
  // Dragging again from the same state re-connects it.
  const SVG_NS = "http://www.w3.org/2000/svg";
  const CATCHING = new Set(["Task", "Parallel", "Map"]);

  function svgHandle(svg, cls, cx, cy, r, state, tip, data) {
    const handle = document.createElementNS(SVG_NS, "circle");
    handle.setAttribute("class", cls);
    handle.setAttribute("data-state", state);
    for (const [k, v] of Object.entries(data || {})) handle.setAttribute("data-" + k, v);
    handle.setAttribute("cx", String(cx));
    handle.setAttribute("cy", String(cy));
    handle.setAttribute("r", String(r));
    const title = document.createElementNS(SVG_NS, "title");
    title.textContent = tip;
    handle.append(title);
    svg.append(handle); // last, so that it is drawn above every box
    return handle;
  }

  function addHandles() {
    const svg = $("graph").querySelector("svg");
    if (!svg || svg.querySelector(".sf-handle")) return; // none, or the graph kept its handles
    const names = new Map(); // node id → state name
    for (const node of svg.querySelectorAll(".sf-node[data-state]")) {
      names.set(node.dataset.id, node.dataset.state);
      if (node.classList.contains("sf-type-Succeed") || node.classList.contains("sf-type-Fail")) continue;
      const box = node.querySelector(":scope > rect");
      if (!box) continue;
      const x = Number(box.getAttribute("x")), y = Number(box.getAttribute("y"));
      const w = Number(box.getAttribute("width")), h = Number(box.getAttribute("height"));
      const name = node.dataset.state;
      svgHandle(svg, "sf-handle", x + w / 2, y + h, 6, name, "Drag to another state to connect " + name + " to it");
      const type = [...node.classList].find((c) => c.startsWith("sf-type-"));
      if (type && CATCHING.has(type.slice(8))) {
        // A compound box's middle holds its branches: its catch handle sits by its label.
        const cy = node.classList.contains("sf-compound") ? y + 14 : y + h / 2;
        svgHandle(svg, "sf-catch-handle", x + w, cy, 6, name, "Drag to another state to add a catcher of " + name + " that leads there");
      }
    }
    addCatchEdgeHandles(svg, names);
  }
  main.addEventListener("sf-validated", addHandles);

  // addCatchEdgeHandles puts a handle near the head of each catch arrow. The graph draws one
  // arrow per catcher whose Next is a state of its branch, in the catchers' order, so the
  // k-th arrow from A to B is the k-th catcher of A that leads to B.
  function addCatchEdgeHandles(svg, names) {
    if (!svg.querySelector("path.sf-edge-catch")) return;
    const def = parse(true);
    if (!def) return;
    const seen = new Map();
    for (const path of svg.querySelectorAll("path.sf-edge-catch[data-from][data-to]")) {
      const from = names.get(path.dataset.from), to = names.get(path.dataset.to);
      const found = from && to && find(def, from);
      if (!found || !Array.isArray(found.state.Catch)) continue;
      const key = from + "\u0000" + to;
      const k = seen.get(key) || 0;
      seen.set(key, k + 1);
      const leading = [];
      found.state.Catch.forEach((c, i) => { if (isObject(c) && c.Next === to) leading.push(i); });
      if (k >= leading.length) continue;
      const length = path.getTotalLength();
      const at = path.getPointAtLength(Math.max(0, length - 22));
      const errors = Array.isArray(found.state.Catch[leading[k]].ErrorEquals) ? found.state.Catch[leading[k]].ErrorEquals.join(", ") : "";
      svgHandle(svg, "sf-edge-handle", at.x, at.y, 5, from, "Drag to another state to send " + from + "'s catcher " + (leading[k] + 1) + " (" + errors + ") there", { catch: String(leading[k]), to });
    }
  }

  function svgPoint(svg, e) {
    const p = svg.createSVGPoint();
    p.x = e.clientX;
    p.y = e.clientY;
    return p.matrixTransform(svg.getScreenCTM().inverse());
  }

  // stateAt finds the innermost state under the pointer, skipping the handles.
  function stateAt(x, y) {
    for (const node of document.elementsFromPoint(x, y)) {
      if (node.classList && (node.classList.contains("sf-handle") || node.classList.contains("sf-catch-handle") || node.classList.contains("sf-edge-handle"))) continue;
      const st = node.closest && node.closest("#graph .sf-node[data-state]");
      if (st) return st;
    }
    return null;
  }

  let drag = null; // {from, kind: "next" | "new-catch" | "catch", index, line, svg, over}
  $("graph").addEventListener("pointerdown", (e) => {
    const handle = e.target.closest && e.target.closest(".sf-handle, .sf-catch-handle, .sf-edge-handle");
    if (!handle || e.button !== 0) return;
    e.preventDefault();
    closeConnectMenu();
    const svg = handle.ownerSVGElement;
    const line = document.createElementNS(SVG_NS, "line");
    line.setAttribute("class", "sf-drag-line");
    for (const [k, v] of [["x1", handle.getAttribute("cx")], ["y1", handle.getAttribute("cy")], ["x2", handle.getAttribute("cx")], ["y2", handle.getAttribute("cy")]]) line.setAttribute(k, v);
    svg.append(line);
    const kind = handle.classList.contains("sf-handle") ? "next" : handle.classList.contains("sf-catch-handle") ? "new-catch" : "catch";
    drag = { from: handle.dataset.state, kind, index: Number(handle.dataset.catch), line, svg, over: null };
    main.dataset.dragging = drag.from;
  });
  document.addEventListener("pointermove", (e) => {
    if (!drag) return;
    const p = svgPoint(drag.svg, e);
    drag.line.setAttribute("x2", String(p.x));
    drag.line.setAttribute("y2", String(p.y));
    const over = stateAt(e.clientX, e.clientY);
    if (over !== drag.over) {
      if (drag.over) drag.over.classList.remove("sf-drop-target");
      drag.over = over && over.dataset.state !== drag.from ? over : null;
      if (drag.over) drag.over.classList.add("sf-drop-target");
    }
  });
  document.addEventListener("pointerup", (e) => {
    if (!drag) return;
    const d = drag;
    drag = null;
    delete main.dataset.dragging;
    d.line.remove();
    if (d.over) d.over.classList.remove("sf-drop-target");
    const target = stateAt(e.clientX, e.clientY);
    if (!target || target.dataset.state === d.from) return;
    const to = target.dataset.state;
    if (d.kind === "next") connectStates(d.from, to, e.pageX, e.pageY);
    else catchTo(d.from, to, d.kind === "catch" ? d.index : null);
  });

  // sameBranch finds both states, or says why a transition cannot join them.
  function sameBranch(def, from, to) {
    const a = find(def, from), b = find(def, to);
    if (!a || !b) return null;
    if (a.scope !== b.scope) {
      showError(from + " and " + to + " are in different branches: a transition can only lead to a state of its own branch or Map processor.");
      return null;
    }
    return a;
  }

  // catchTo sends a catcher of a state to another state: the catcher at index, or a new one
  // for every error (States.ALL), whose errors are then edited in the form.
  function catchTo(from, to, index) {
    const def = parse();
    if (!def) { showError("The text is not valid JSON: fix it before connecting states."); return; }
    const a = sameBranch(def, from, to);
    if (!a) return;
    if (!CATCHING.has(a.state.Type)) { showError(from + " is a " + a.state.Type + " state: only Task, Parallel and Map states catch errors."); return; }
    if (index === null) {
      if (a.state.Catch !== undefined && !Array.isArray(a.state.Catch)) { showError(from + "'s Catch is not a list: fix it in the text."); return; }
      a.state.Catch = a.state.Catch || [];
      a.state.Catch.push({ ErrorEquals: ["States.ALL"], Next: to });
    } else {
      const c = Array.isArray(a.state.Catch) ? a.state.Catch[index] : null;
      if (!isObject(c)) return;
      c.Next = to;
    }
    showError(null);
    write(def);
    select(from);
  }

  function connectStates(from, to, pageX, pageY) {
    const def = parse();
    if (!def) { showError("The text is not valid JSON: fix it before connecting states."); return; }
    const a = sameBranch(def, from, to);
    if (!a) return;
    if (a.state.Type === "Choice") {
      openConnectMenu(from, to, a.state, pageX, pageY);
      return;
    }
    if (TERMINAL.has(a.state.Type)) return;
    if (Array.isArray(a.state.Catch) && a.state.Catch.length) {
      openConnectMenu(from, to, a.state, pageX, pageY);
      return;
    }
    delete a.state.End;
    a.state.Next = to;
    showError(null);
    write(def);
    select(from);
  }

  function closeConnectMenu() {
    const menu = $("connect-menu");
    if (menu) menu.remove();
  }

  // openConnectMenu asks which transition the drag sets: of a Choice, its Default or a rule;
  // of a state with catchers, its Next, a catcher's Next or a new catcher.
  function openConnectMenu(from, to, choice, pageX, pageY) {
    closeConnectMenu();
    const jsonPath = queryLanguage(parse(true), choice) === "JSONPath";
    const menu = el("div", { id: "connect-menu", class: "connect-menu", role: "menu" },
      el("div", { class: "hint", text: "Connect " + from + " to " + to + " as" }));
    const option = (label, key, apply) => {
      const b = el("button", { type: "button", class: "secondary", "data-connect": key, text: label });
      b.addEventListener("click", () => {
        closeConnectMenu();
        const def = parse();
        const found = def && find(def, from);
        if (!found) return;
        apply(found.state);
        showError(null);
        write(def);
        select(from);
      });
      menu.append(b);
    };
    if (choice.Type !== "Choice") {
      // A state with catchers: its Next, where one of its catchers leads, or a new catcher.
      option("Next" + (choice.Next ? " (now " + choice.Next + ")" : choice.End ? " (now End)" : ""), "next", (st) => { delete st.End; st.Next = to; });
      choice.Catch.forEach((c, i) => {
        const errors = isObject(c) && Array.isArray(c.ErrorEquals) ? c.ErrorEquals.join(", ") : "";
        option("Catch " + (i + 1) + " " + errors + (isObject(c) && c.Next ? " (now " + c.Next + ")" : ""), "catch-" + i, (st) => { st.Catch[i].Next = to; });
      });
      option("New catcher (States.ALL)", "new-catch", (st) => { st.Catch.push({ ErrorEquals: ["States.ALL"], Next: to }); });
    } else {
      option("Default" + (choice.Default ? " (now " + choice.Default + ")" : ""), "default", (st) => { st.Default = to; });
      (Array.isArray(choice.Choices) ? choice.Choices : []).forEach((r, i) => {
        option("Rule " + (i + 1) + (isObject(r) && r.Next ? " (now " + r.Next + ")" : ""), "rule-" + i, (st) => { st.Choices[i].Next = to; });
      });
      option("New rule", "new-rule", (st) => {
        st.Choices = Array.isArray(st.Choices) ? st.Choices : [];
        st.Choices.push(jsonPath ? { Variable: "$.value", StringEquals: "", Next: to } : { Condition: "{% true %}", Next: to });
      });
    }
    const cancel = el("button", { type: "button", class: "secondary", "data-connect": "cancel", text: "Cancel" });
    cancel.addEventListener("click", closeConnectMenu);
    menu.append(cancel);
    menu.style.left = pageX + "px";
    menu.style.top = pageY + "px";
    document.body.append(menu);
  }
  document.addEventListener("keydown", (e) => { if (e.key === "Escape") closeConnectMenu(); });

  updateHistoryButtons();
  updateTargets();
  loadTemplates();
})();
