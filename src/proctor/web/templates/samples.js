// The run page's sample table: pages and filters through the JSON API.
// Every value from the store is set with textContent or as an attribute of an
// element built with createElement; no HTML is ever parsed from data.
(function () {
  "use strict";
  var section = document.getElementById("samples");
  if (!section) { return; }
  var api = section.dataset.api;
  var base = section.dataset.base;
  var form = document.getElementById("sample-filters");
  var body = section.querySelector("#sample-table tbody");
  var status = document.getElementById("sample-status");
  var prev = document.getElementById("sample-prev");
  var next = document.getElementById("sample-next");
  var offset = 0;
  var total = 0;
  var shown = 0;
  var sequence = 0;
  var timer = null;

  function filterParams() {
    var p = new URLSearchParams();
    var q = form.elements.q.value.trim();
    if (q) { p.set("q", q); }
    if (form.elements.scorer.value) { p.set("scorer", form.elements.scorer.value); }
    if (form.elements.failed.checked) { p.set("failed", "true"); }
    if (form.elements.errors.checked) { p.set("errors", "true"); }
    var slice = form.elements.slice.selectedOptions[0];
    if (slice && slice.dataset.key !== undefined) {
      p.set("slice_key", slice.dataset.key);
      p.set("slice_value", slice.dataset.value);
    }
    if (form.elements.limit.value !== "50") { p.set("limit", form.elements.limit.value); }
    return p;
  }

  function restore() {
    // the page's own address keeps the filters, so "back" from a sample returns here
    var p = new URLSearchParams(window.location.search);
    form.elements.q.value = p.get("q") || "";
    form.elements.scorer.value = p.get("scorer") || "";
    form.elements.failed.checked = p.get("failed") === "true";
    form.elements.errors.checked = p.get("errors") === "true";
    if (p.has("limit")) { form.elements.limit.value = p.get("limit"); }
    var options = form.elements.slice.options;
    for (var i = 0; i < options.length; i++) {
      var o = options[i];
      if (o.dataset.key === p.get("slice_key") && o.dataset.value === p.get("slice_value")) {
        form.elements.slice.selectedIndex = i;
      }
    }
    offset = Math.max(0, parseInt(p.get("offset") || "0", 10) || 0);
  }

  function scoreText(value) {
    if (value === true) { return "pass"; }
    if (value === false) { return "fail"; }
    if (value === null || value === undefined) { return "—"; }
    if (typeof value === "number") {
      return Number.isInteger(value) ? String(value) : value.toFixed(3);
    }
    return typeof value === "string" ? value : JSON.stringify(value);
  }

  function cell(row, text, className) {
    var td = document.createElement("td");
    td.textContent = text;
    if (className) { td.className = className; }
    row.appendChild(td);
    return td;
  }

  function scoreChip(score) {
    var chip = document.createElement("span");
    var low = score.value === false || score.value === 0;
    var full = score.value === true || score.value === 1;
    chip.className = "chip" + (score.error || low ? " bad" : full ? " good" : "");
    chip.textContent = score.scorer + " " + (score.error ? "error" : scoreText(score.value));
    if (score.error) { chip.title = score.error; }
    return chip;
  }

  function render(data) {
    var rows = [];
    data.samples.forEach(function (s) {
      var tr = document.createElement("tr");
      var id = document.createElement("td");
      id.className = "mono clip";
      var link = document.createElement("a");
      link.href = base + encodeURIComponent(s.sample_id);
      link.textContent = s.sample_id;
      id.appendChild(link);
      tr.appendChild(id);
      cell(tr, String(s.epoch), "num");
      cell(tr, s.input, "clip");
      cell(tr, s.error !== null ? s.error : s.output, s.error !== null ? "clip error" : "clip");
      cell(tr, s.target, "clip");
      var scores = document.createElement("td");
      s.scores.forEach(function (score) { scores.appendChild(scoreChip(score)); });
      tr.appendChild(scores);
      cell(tr, s.latency_ms === null ? "—" : Math.round(s.latency_ms) + " ms", "num");
      var tokens = s.input_tokens === null && s.output_tokens === null ? "—"
        : (s.input_tokens === null ? "?" : s.input_tokens) + " / "
          + (s.output_tokens === null ? "?" : s.output_tokens);
      cell(tr, tokens, "num");
      rows.push(tr);
    });
    body.replaceChildren.apply(body, rows);
    total = data.total;
    shown = data.samples.length;
    status.textContent = total === 0 ? "no matching samples"
      : "rows " + (data.offset + 1).toLocaleString("en") + "–"
        + (data.offset + shown).toLocaleString("en") + " of " + total.toLocaleString("en");
    prev.disabled = data.offset === 0;
    next.disabled = data.offset + shown >= total;
  }

  function load() {
    var mine = ++sequence;
    var p = filterParams();
    var state = new URLSearchParams(p);
    if (offset) { state.set("offset", String(offset)); }
    var query = state.toString();
    window.history.replaceState(null, "", window.location.pathname + (query ? "?" + query : ""));
    p.set("offset", String(offset));
    if (!p.has("limit")) { p.set("limit", "50"); }
    section.dataset.state = "loading";
    fetch(api + "?" + p.toString(), {
      credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (data) {
      if (mine !== sequence) { return; }
      render(data);
      section.dataset.state = "ready";
    }).catch(function (error) {
      if (mine !== sequence) { return; }
      status.textContent = "could not load the samples: " + error.message;
      section.dataset.state = "error";
    });
  }

  function reload() {
    offset = 0;
    load();
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); reload(); });
  form.addEventListener("change", function (event) {
    if (event.target.name !== "q") { reload(); }
  });
  form.elements.q.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(reload, 250);
  });
  prev.addEventListener("click", function () {
    offset = Math.max(0, offset - parseInt(form.elements.limit.value, 10));
    load();
  });
  next.addEventListener("click", function () {
    offset = offset + parseInt(form.elements.limit.value, 10);
    load();
  });
  restore();
  load();
})();
