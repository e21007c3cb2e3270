"""The report page's stylesheet and script, inlined into every report.

They live in Python strings, not package files, so a report renders from any
install. The script reads the samples from a JSON `<script>` element and
builds the table with `createElement` and `textContent` only: sample text
never passes through an HTML parser, whatever it contains.
"""

from __future__ import annotations

CSS = """
:root { --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; --bg: #f8fafc; --card: #fff;
  --blue: #4c78a8; --red: #c62828; --green: #2e7d32; --amber: #b45309; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif;
  color: var(--ink); background: var(--bg); }
header.top { background: #111827; color: #f9fafb; padding: 18px 28px 14px; }
header.top h1 { margin: 0 0 4px; font-size: 20px; font-weight: 650; }
header.top h1 .model { color: #93c5fd; font-weight: 500; }
header.top .sub { color: #d1d5db; font-size: 13px; }
nav.toc { display: flex; gap: 16px; padding: 8px 28px; background: #1f2937; font-size: 13px; }
nav.toc a { color: #e5e7eb; text-decoration: none; }
nav.toc a:hover { text-decoration: underline; }
main { padding: 8px 28px 40px; max-width: 1500px; }
section { margin-top: 26px; }
h2 { font-size: 17px; margin: 0 0 10px; }
h3 { font-size: 14px; margin: 18px 0 8px; }
.muted { color: var(--muted); }
.small { font-size: 12px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 3px 16px; margin: 0;
  background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 12px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 12px 14px; }
.card-name { font-size: 12px; color: var(--muted); overflow-wrap: anywhere; }
.card-value { font-size: 26px; font-weight: 650; margin: 2px 0; }
.card-ci, .card-n { font-size: 12px; color: var(--muted); }
.card-delta { font-size: 12px; margin-top: 4px; }
.charts { display: flex; flex-wrap: wrap; gap: 14px; align-items: flex-start; }
.chart-box { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 10px 12px; overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; background: var(--card); }
table.grid { width: 100%; border: 1px solid var(--line); }
table.grid th, table.grid td { border-bottom: 1px solid var(--line); padding: 6px 8px;
  text-align: left; vertical-align: top; }
table.grid th { background: #f1f5f9; font-weight: 600; position: sticky; top: 0; z-index: 1; }
table.grid td.num, table.grid th.num { text-align: right; font-variant-numeric: tabular-nums; }
.st-regressed { color: var(--red); font-weight: 600; }
.st-improved { color: var(--green); font-weight: 600; }
.st-unchanged, .st-n\\/a { color: var(--muted); }
.clip { max-height: 9.5em; overflow: auto; white-space: pre-wrap; overflow-wrap: anywhere;
  min-width: 12em; }
.error { color: var(--red); white-space: pre-wrap; overflow-wrap: anywhere; }
.controls { display: flex; flex-wrap: wrap; gap: 10px 16px; align-items: center;
  background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px;
  margin-bottom: 10px; }
.controls input[type=search] { width: 22em; max-width: 100%; padding: 5px 8px;
  border: 1px solid #cbd5e1; border-radius: 6px; font: inherit; }
.controls select, .pager select { font: inherit; padding: 3px 4px; }
.pager { display: flex; gap: 10px; align-items: center; margin: 10px 0; }
button { font: inherit; padding: 3px 10px; border: 1px solid #cbd5e1; border-radius: 6px;
  background: #fff; cursor: pointer; }
button:disabled { opacity: 0.45; cursor: default; }
th button.sort { border: 0; background: none; padding: 0; font-weight: 600; }
#samples-table td.sample { min-width: 9em; max-width: 14em; overflow-wrap: anywhere; }
#samples-table td.score { min-width: 12em; max-width: 26em; }
tr.has-error { background: #fff7f7; }
.tag { display: inline-block; background: #eef2ff; color: #3730a3; border-radius: 4px;
  padding: 0 5px; margin: 2px 3px 0 0; font-size: 12px; overflow-wrap: anywhere; }
.value { font-weight: 650; }
.value.pass { color: var(--green); }
.value.fail { color: var(--red); }
.value.partial { color: var(--amber); }
ul.criteria, ul.jurors { list-style: none; margin: 4px 0 0; padding: 0; font-size: 12px; }
ul.criteria li { margin: 2px 0; }
ul.criteria .mark { display: inline-block; width: 1.2em; font-weight: 700; }
li.good .mark { color: var(--green); }
li.bad .mark { color: var(--red); }
li.ungraded .mark { color: var(--amber); }
.points { display: inline-block; min-width: 2.4em; color: var(--muted);
  font-variant-numeric: tabular-nums; }
.explain { font-size: 12px; color: #374151; margin-top: 3px; max-height: 7em; }
.scroll { overflow-x: auto; }
.side { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
footer { color: var(--muted); font-size: 12px; padding: 0 28px 24px; }
"""

JS = r"""
(function () {
  "use strict";
  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  var meta = readJson("proctor-meta") || {};
  var rows = readJson("proctor-rows") || [];
  var scorers = meta.scorers || [];
  var state = { terms: [], errorsOnly: false, scorer: "", outcome: "", slice: null,
    sortBy: null, sortDir: 1, page: 0, pageSize: meta.pageSize || 50 };
  var view = [];
  var haystacks = null;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function byId(id) { return document.getElementById(id); }
  function option(select, value, label) {
    var o = el("option", null, label);
    o.value = value;
    select.appendChild(o);
  }
  function scoreOf(row, name) {
    var list = row.sc || [];
    for (var i = 0; i < list.length; i++) if (list[i].n === name) return list[i];
    return null;
  }
  function numeric(v) {
    if (v === true) return 1;
    if (v === false) return 0;
    return typeof v === "number" ? v : null;
  }
  function hasError(row) {
    if (row.err !== undefined) return true;
    return (row.sc || []).some(function (s) { return s.err !== undefined; });
  }
  function fmt(v) {
    if (v === true) return "true";
    if (v === false) return "false";
    if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toFixed(3);
    return v === null || v === undefined ? "n/a" : String(v);
  }
  function haystack(row) {
    var parts = [row.id, row["in"], row.out, row.tgt, row.err];
    (row.sc || []).forEach(function (s) {
      parts.push(s.n, typeof s.v === "string" ? s.v : null, s.x, s.a, s.err, s.by);
      (s.cr || []).forEach(function (c) { parts.push(c.t, c.x); });
      (s.j || []).forEach(function (j) { parts.push(j.who, j.x); });
    });
    return parts.filter(function (p) { return p !== undefined && p !== null; })
      .join("\n").toLowerCase();
  }
  function outcome(s, wanted) {
    if (!s) return false;
    if (wanted === "error") return s.err !== undefined;
    if (s.err !== undefined) return false;
    var n = numeric(s.v);
    if (n === null) return false;
    if (wanted === "failed") return n <= 0;
    if (wanted === "below") return n < 1;
    if (wanted === "partial") return n > 0 && n < 1;
    if (wanted === "passed") return n >= 1;
    return true;
  }
  function matches(row, index) {
    if (state.errorsOnly && !hasError(row)) return false;
    if (state.slice && (!row.sl || row.sl[state.slice[0]] !== state.slice[1])) return false;
    if (state.outcome) {
      var names = state.scorer ? [state.scorer] : scorers;
      if (!names.some(function (n) { return outcome(scoreOf(row, n), state.outcome); })) {
        return false;
      }
    }
    if (state.terms.length) {
      if (haystacks === null) haystacks = rows.map(haystack);
      var text = haystacks[index];
      for (var t = 0; t < state.terms.length; t++) {
        if (text.indexOf(state.terms[t]) === -1) return false;
      }
    }
    return true;
  }
  function apply() {
    view = [];
    for (var i = 0; i < rows.length; i++) if (matches(rows[i], i)) view.push(i);
    if (state.sortBy !== null) {
      var name = state.sortBy, dir = state.sortDir;
      var keys = {};
      view.forEach(function (i) {
        var s = scoreOf(rows[i], name);
        keys[i] = s && s.err === undefined ? numeric(s.v) : null;
      });
      view.sort(function (a, b) {  // missing values last in both directions; stable otherwise
        var ka = keys[a], kb = keys[b];
        if (ka === null || kb === null) return (ka === null) - (kb === null) || a - b;
        return (ka - kb) * dir || a - b;
      });
    }
    var pages = Math.max(1, Math.ceil(view.length / state.pageSize));
    state.page = Math.min(state.page, pages - 1);
    render();
  }

  function textBlock(cls, text) { return el("div", "clip " + cls, text); }
  function sampleCell(row) {
    var td = el("td", "sample");
    td.appendChild(el("div", "sid", row.id));
    if ((meta.epochs || 1) > 1) td.appendChild(el("div", "muted small", "epoch " + row.ep));
    Object.keys(row.sl || {}).forEach(function (k) {
      td.appendChild(el("span", "tag", k + "=" + row.sl[k]));
    });
    var facts = [];
    if (row.lat !== undefined) facts.push(Math.round(row.lat) + " ms");
    if (row.tin !== undefined || row.tout !== undefined) {
      facts.push("tokens " + (row.tin === undefined ? "?" : row.tin) + "/" +
        (row.tout === undefined ? "?" : row.tout));
    }
    if (row.cached) facts.push("cached");
    if (facts.length) td.appendChild(el("div", "muted small", facts.join(" · ")));
    return td;
  }
  function scoreCell(s) {
    var td = el("td", "score");
    if (!s) { td.appendChild(el("span", "muted", "—")); return td; }
    if (s.err !== undefined) {
      td.appendChild(el("div", "error", "error: " + s.err));
      return td;
    }
    var n = numeric(s.v);
    var kind = n === null ? "" : n <= 0 ? " fail" : n >= 1 ? " pass" : " partial";
    var head = el("div");
    head.appendChild(el("span", "value" + kind, fmt(s.v)));
    if (s.a !== undefined && String(s.a) !== fmt(s.v)) {
      head.appendChild(el("span", "muted small", " (answer " + s.a + ")"));
    }
    td.appendChild(head);
    var who = [s.src || "scorer"];
    if (s.by) who.push(s.by);
    if (s.p) who.push("prompt " + s.p);
    if (who.length > 1 || who[0] !== "scorer") {
      td.appendChild(el("div", "muted small", who.join(" · ")));
    }
    if (s.x) td.appendChild(textBlock("explain", s.x));
    if (s.cr && s.cr.length) {
      var met = s.cr.filter(function (c) { return c.met === true; }).length;
      td.appendChild(el("div", "muted small", met + "/" + s.cr.length + " criteria met"));
      var list = el("ul", "criteria");
      s.cr.forEach(function (c) {
        var graded = c.met === true ? "met" : c.met === false ? "unmet" : "ungraded";
        // a negative criterion is an undesirable behaviour: not meeting it is the good outcome
        var positive = c.pt === undefined || c.pt >= 0;
        var good = typeof c.met !== "boolean" ? "" : c.met === positive ? " good" : " bad";
        var li = el("li", graded + good);
        li.appendChild(el("span", "mark", c.met === true ? "✓" : c.met === false ? "✗" : "?"));
        var pts = c.pt === undefined ? "" : (c.pt > 0 ? "+" : "") + c.pt;
        li.appendChild(el("span", "points", pts));
        li.appendChild(el("span", null, " " + c.t));
        if (c.tags && c.tags.length) {
          li.appendChild(el("span", "muted", " (" + c.tags.join(", ") + ")"));
        }
        if (c.x) li.appendChild(el("div", "muted", c.x));
        list.appendChild(li);
      });
      td.appendChild(list);
    }
    if (s.j && s.j.length) {
      var jurors = el("ul", "jurors");
      s.j.forEach(function (j) {
        var li = el("li", j.e ? "error" : null, j.who + ": " + fmt(j.r));
        if (j.x) li.appendChild(el("span", "muted", " — " + j.x));
        jurors.appendChild(li);
      });
      td.appendChild(jurors);
    }
    return td;
  }
  function rowNode(row) {
    var tr = el("tr", hasError(row) ? "has-error" : null);
    tr.appendChild(sampleCell(row));
    var input = el("td", "input");
    if (row.turns > 1) {
      input.appendChild(el("div", "muted small", "last of " + row.turns + " messages"));
    }
    input.appendChild(textBlock("text", row["in"]));
    tr.appendChild(input);
    var output = el("td", "output");
    if (row.err !== undefined) output.appendChild(el("div", "error", row.err));
    else output.appendChild(textBlock("text", row.out === undefined ? "—" : row.out));
    tr.appendChild(output);
    var target = el("td", "target");
    target.appendChild(textBlock("text", row.tgt === undefined ? "—" : row.tgt));
    tr.appendChild(target);
    scorers.forEach(function (name) { tr.appendChild(scoreCell(scoreOf(row, name))); });
    return tr;
  }
  function header() {
    var tr = byId("samples-head");
    while (tr.firstChild) tr.removeChild(tr.firstChild);
    ["sample", "input", "output", "target"].forEach(function (t) {
      tr.appendChild(el("th", null, t));
    });
    scorers.forEach(function (name) {
      var th = el("th");
      var arrow = state.sortBy === name ? (state.sortDir > 0 ? " ▲" : " ▼") : "";
      var button = el("button", "sort", name + arrow);
      button.type = "button";
      button.title = "Sort by " + name + " (lowest first, then highest first, then sample order)";
      button.setAttribute("data-scorer", name);
      button.addEventListener("click", function () {
        if (state.sortBy !== name) { state.sortBy = name; state.sortDir = 1; }
        else if (state.sortDir > 0) state.sortDir = -1;
        else state.sortBy = null;
        state.page = 0;
        header();
        apply();
      });
      th.appendChild(button);
      tr.appendChild(th);
    });
  }
  function render() {
    var body = byId("samples-body");
    var start = state.page * state.pageSize;
    var fragment = document.createDocumentFragment();
    view.slice(start, start + state.pageSize).forEach(function (i) {
      fragment.appendChild(rowNode(rows[i]));
    });
    if (!view.length) {
      var tr = el("tr");
      var td = el("td", "muted", rows.length ? "No sample matches." : "No samples.");
      td.colSpan = 4 + scorers.length;
      tr.appendChild(td);
      fragment.appendChild(tr);
    }
    body.replaceChildren(fragment);
    var pages = Math.max(1, Math.ceil(view.length / state.pageSize));
    byId("page-info").textContent = "page " + (state.page + 1) + " of " + pages;
    byId("prev").disabled = state.page === 0;
    byId("next").disabled = state.page >= pages - 1;
    var count = byId("match-count");
    count.textContent = view.length.toLocaleString("en") + " of " +
      rows.length.toLocaleString("en") + " rows";
    count.setAttribute("data-count", String(view.length));
  }

  function controls() {
    var scorerSelect = byId("score-scorer");
    option(scorerSelect, "", "any scorer");
    scorers.forEach(function (name) { option(scorerSelect, name, name); });
    var sliceSelect = byId("slice");
    option(sliceSelect, "", "all slices");
    var slices = meta.slices || {};
    Object.keys(slices).forEach(function (key) {
      slices[key].forEach(function (value) {
        option(sliceSelect, key + "\u0000" + value, key + " = " + value);
      });
    });
    sliceSelect.disabled = !Object.keys(slices).length;
    var timer = null;
    byId("q").addEventListener("input", function (event) {
      clearTimeout(timer);
      var value = event.target.value;
      timer = setTimeout(function () {
        state.terms = value.toLowerCase().split(/\s+/).filter(Boolean);
        state.page = 0;
        apply();
      }, rows.length > 2000 ? 150 : 0);
    });
    byId("errors-only").addEventListener("change", function (event) {
      state.errorsOnly = event.target.checked; state.page = 0; apply();
    });
    scorerSelect.addEventListener("change", function (event) {
      state.scorer = event.target.value; state.page = 0; apply();
    });
    byId("score-outcome").addEventListener("change", function (event) {
      state.outcome = event.target.value; state.page = 0; apply();
    });
    sliceSelect.addEventListener("change", function (event) {
      var value = event.target.value;
      var cut = value.indexOf("\u0000");
      state.slice = value ? [value.slice(0, cut), value.slice(cut + 1)] : null;
      state.page = 0;
      apply();
    });
    byId("page-size").value = String(state.pageSize);
    byId("page-size").addEventListener("change", function (event) {
      state.pageSize = parseInt(event.target.value, 10) || 50; state.page = 0; apply();
    });
    byId("prev").addEventListener("click", function () { state.page -= 1; render(); });
    byId("next").addEventListener("click", function () { state.page += 1; render(); });
  }

  controls();
  header();
  apply();
  document.body.setAttribute("data-ready", "true");
})();
"""
