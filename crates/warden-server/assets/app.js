// Warden dashboard: plain JS, no dependencies. Every value from the API goes into the
// page through textContent or attributes, never as HTML. The view (page, window, filters,
// sort) lives in the URL hash, so any view can be shared by copying the address.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const main = () => document.getElementById("main");
const WINDOWS = { "1h": 3600000, "24h": 86400000, "7d": 604800000, "30d": 2592000000 };

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  return node;
}

function cookie(name) {
  const found = document.cookie.split(";").map((c) => c.trim().split("=")).find(([k]) => k === name);
  return found ? found[1] : "";
}

// --- the view in the URL -------------------------------------------------------------

function view() {
  const [path, query] = location.hash.replace(/^#\/?/, "").split("?");
  return { path: decodeURIComponent(path || ""), params: new URLSearchParams(query || "") };
}

// A link to `path` with `params`, keeping the current window.
function href(path, params) {
  const next = new URLSearchParams(params || {});
  const w = view().params.get("w");
  if (w && !next.has("w")) next.set("w", w);
  for (const [k, v] of [...next.entries()]) if (v === "" || v === null) next.delete(k);
  const qs = next.toString();
  return `#/${path}${qs ? "?" + qs : ""}`;
}

// Changes some parameters of the current view (replacing history: typing in a filter is
// not a navigation).
function setParams(changes, replace) {
  const { path, params } = view();
  for (const [k, v] of Object.entries(changes)) {
    if (v === "" || v === null || v === undefined) params.delete(k); else params.set(k, v);
  }
  const qs = params.toString();
  const hash = `#/${path}${qs ? "?" + qs : ""}`;
  if (replace) { history.replaceState(null, "", hash); } else { location.hash = hash; }
}

function windowKey() {
  const w = view().params.get("w");
  return WINDOWS[w] ? w : "24h";
}
function rangeQuery() {
  const to = Date.now();
  return `from=${to - WINDOWS[windowKey()]}&to=${to}`;
}

// --- the API ---------------------------------------------------------------------------

function showThrottled(retryAfter) {
  const banner = document.getElementById("banner");
  banner.replaceChildren(`The server is rate limiting this dashboard (HTTP 429): some data on this page is missing. Retry in ${retryAfter || "a few"} s, or raise --api-rate.`,
    el("button", { type: "button", onclick: () => { banner.hidden = true; route(); } }, "Retry"));
  banner.hidden = false;
}

async function api(path, options) {
  const init = Object.assign({ headers: {} }, options || {});
  init.credentials = "same-origin";
  if (init.method && init.method !== "GET") init.headers["X-CSRF-Token"] = cookie("warden_csrf");
  if (init.body && typeof init.body !== "string") {
    init.body = JSON.stringify(init.body);
    init.headers["Content-Type"] = "application/json";
  }
  const response = await fetch(path, init);
  if (response.status === 401) { location.href = "/login"; throw new Error("signed out"); }
  if (response.status === 429) {
    showThrottled(response.headers.get("Retry-After"));
    throw new Error("rate limited (HTTP 429)");
  }
  if (response.status === 204) return null;
  const data = await response.json();
  if (!response.ok) throw new Error((data.error && data.error.message) || response.statusText);
  return data;
}

// --- formatting --------------------------------------------------------------------------

const fmt = {
  int: (n) => (n === null || n === undefined ? "–" : Number(n).toLocaleString("en-US")),
  ms: (n) => (n === null || n === undefined ? "–" : n >= 1000 ? (n / 1000).toFixed(2) + " s" : n.toFixed(1) + " ms"),
  pct: (n) => (n === null || n === undefined || Number.isNaN(n) ? "–" : (n * 100).toFixed(n < 0.01 && n > 0 ? 2 : 1) + " %"),
  // Cents from a dollar up; below, two significant digits ($0.01, $0.0016), so amounts
  // side by side are read with the same precision.
  usd: (n) => (n === null || n === undefined ? "–" : n >= 1 || n <= 0 ? "$" + n.toFixed(2)
    : "$" + n.toFixed(Math.min(10, 1 - Math.floor(Math.log10(n)))).replace(/0+$/, "")),
  time: (t) => (t ? t.replace("T", " ").replace(/\.\d+Z$/, "Z") : "–"),
  mb: (n) => (n === null || n === undefined ? "–" : `${n} MB`),
  // A span in the largest two units that matter: "850 ms", "42 s", "19 min 3 s", "2 h 5 min", "3 d 4 h".
  span: (n) => {
    if (n === null || n === undefined) return "–";
    if (n < 1000) return `${Math.round(n)} ms`;
    const units = [["d", 86400], ["h", 3600], ["min", 60], ["s", 1]];
    let rest = Math.floor(n / 1000);
    const parts = [];
    for (const [unit, size] of units) {
      if (rest >= size || (parts.length && parts.length < 2)) {
        parts.push(`${Math.floor(rest / size)} ${unit}`);
        rest %= size;
      }
      if (parts.length === 2) break;
    }
    return parts.join(" ");
  },
  at: (ms) => (ms === null || ms === undefined ? "–" : fmt.time(new Date(ms).toISOString())),
  bytes: (n) => (n === null || n === undefined ? "–" : n >= 1048576 ? (n / 1048576).toFixed(1) + " MiB" : (n / 1024).toFixed(1) + " KiB"),
};

function failuresOf(f) {
  const x = f.failures;
  return x.error + x.timeout + x.out_of_memory + x.init_error + x.crash;
}

// --- drawing -------------------------------------------------------------------------------

function sparkline(values, failures) {
  const node = svg("svg", { class: "spark", viewBox: "0 0 120 26", preserveAspectRatio: "none", role: "img" });
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? 120 / (values.length - 1) : 120;
  const line = (vs, color) => vs.map((v, i) => `${(i * step).toFixed(1)},${(24 - (v / max) * 22).toFixed(1)}`).join(" ");
  node.append(svg("polyline", { points: line(values), fill: "none", stroke: "#2d6cdf", "stroke-width": "1.5" }));
  if (failures && failures.some((v) => v > 0)) node.append(svg("polyline", { points: line(failures), fill: "none", stroke: "#d64545", "stroke-width": "1.2" }));
  return node;
}

// A small chart: series = [{name, color, values, bars?}], labels = x labels.
function chart(title, labels, series, format) {
  const width = 600, height = 160, left = 48, bottom = 18;
  const node = svg("svg", { class: "chart-svg", viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: "none", role: "img" });
  const all = series.flatMap((s) => s.values.filter((v) => v !== null));
  const max = Math.max(1e-9, ...all, 0);
  const n = Math.max(1, labels.length);
  const x = (i) => left + (i + 0.5) * ((width - left - 4) / n);
  const y = (v) => height - bottom - (v / max) * (height - bottom - 8);
  for (const frac of [0, 0.5, 1]) {
    const yy = y(max * frac);
    node.append(svg("line", { x1: left, x2: width, y1: yy, y2: yy, stroke: "#e3e6eb" }));
    const text = svg("text", { x: 2, y: yy + 4, "font-size": "10", fill: "#6b7585" });
    text.textContent = format(max * frac);
    node.append(text);
  }
  const barWidth = Math.max(1, ((width - left - 4) / n) * 0.7);
  for (const s of series) {
    if (s.bars) {
      s.values.forEach((v, i) => {
        if (!v) return;
        node.append(svg("rect", { x: x(i) - barWidth / 2, y: y(v), width: barWidth, height: height - bottom - y(v), fill: s.color }));
      });
    } else {
      const points = s.values.map((v, i) => (v === null ? null : `${x(i).toFixed(1)},${y(v).toFixed(1)}`)).filter(Boolean).join(" ");
      node.append(svg("polyline", { points, fill: "none", stroke: s.color, "stroke-width": "1.6" }));
    }
  }
  [0, Math.floor(n / 2), n - 1].forEach((i) => {
    if (!labels[i]) return;
    const text = svg("text", { x: x(i), y: height - 4, "font-size": "10", fill: "#6b7585", "text-anchor": "middle" });
    text.textContent = labels[i].slice(5, 16).replace("T", " ");
    node.append(text);
  });
  const legend = el("div", { class: "legend" }, series.map((s) => {
    const swatch = el("i");
    swatch.style.background = s.color;
    return el("span", {}, swatch, s.name);
  }));
  return el("div", { class: "card chart" }, el("h3", {}, title), node, legend);
}

function table(headers, rows, attrs, empty) {
  return el("table", attrs || {},
    el("thead", {}, el("tr", {}, headers.map((h) => (h instanceof Node ? h : el("th", { class: h.num ? "num" : "" }, h.label || h))))),
    el("tbody", {}, rows.length ? rows : [el("tr", {}, el("td", { colspan: headers.length, class: "muted" }, empty || "Nothing in this window."))]));
}

function outcomeCell(outcome) {
  return el("td", { class: outcome === "success" ? "ok" : "bad" }, outcome);
}

function cards(items) {
  return el("div", { class: "cards" }, items.map(([label, value, cls]) =>
    el("div", { class: "card" }, el("div", { class: "label" }, label), el("div", { class: "value " + (cls || "") }, value))));
}

// --- overview ---------------------------------------------------------------------------------

const COLUMNS = [
  { key: "function", label: "Function", value: (f) => f.function },
  { key: "invocations", label: "Invocations", num: true, value: (f) => f.invocations },
  { key: "failure_rate", label: "Failure rate", num: true, value: (f) => (f.invocations ? failuresOf(f) / f.invocations : 0) },
  { key: "p95", label: "p95", num: true, value: (f) => f.duration_ms.p95 || 0 },
  { key: "cold_starts", label: "Cold starts", num: true, value: (f) => f.cold_starts },
  { key: "cost", label: "Cost", num: true, value: (f) => f.cost_usd },
  { key: "security", label: "Security events", num: true, value: (f) => f.security_events || 0 },
];

async function overview() {
  const { params } = view();
  const data = await api(`/api/v1/overview?${rangeQuery()}`);
  const t = data.totals;
  const filter = (params.get("q") || "").toLowerCase();
  const sortKey = COLUMNS.some((c) => c.key === params.get("sort")) ? params.get("sort") : "invocations";
  const descending = params.get("dir") !== "asc";
  const column = COLUMNS.find((c) => c.key === sortKey);
  const shown = data.functions.filter((f) => f.function.toLowerCase().includes(filter));
  shown.sort((a, b) => {
    const [x, y] = [column.value(a), column.value(b)];
    const order = typeof x === "string" ? x.localeCompare(y) : x - y;
    return (descending ? -order : order) || a.function.localeCompare(b.function);
  });
  const headers = COLUMNS.map((c) => el("th", { class: (c.num ? "num " : "") + "sortable", "data-sort": c.key,
    onclick: () => setParams({ sort: c.key, dir: c.key === sortKey && descending ? "asc" : "desc" }) },
    c.label, c.key === sortKey ? (descending ? " ▾" : " ▴") : ""));
  headers.push(el("th", {}, "Invocations over time"));
  const rows = shown.map((f) => {
    const rate = f.invocations ? failuresOf(f) / f.invocations : 0;
    return el("tr", { "data-function": f.function },
      el("td", {}, el("a", { href: href(`function/${encodeURIComponent(f.function)}`) }, f.function)),
      el("td", { class: "num" }, fmt.int(f.invocations)),
      el("td", { class: "num " + (rate > 0.05 ? "bad" : rate > 0 ? "warn" : "") }, fmt.pct(rate)),
      el("td", { class: "num" }, fmt.ms(f.duration_ms.p95)),
      el("td", { class: "num" }, fmt.int(f.cold_starts)),
      el("td", { class: "num" }, fmt.usd(f.cost_usd)),
      el("td", { class: "num" }, f.security_events ? el("a", { href: href("security", { function: f.function }) }, fmt.int(f.security_events)) : "0"),
      el("td", {}, sparkline(f.sparkline.invocations, f.sparkline.failures)));
  });
  const search = el("input", { type: "search", id: "function-filter", placeholder: "Filter functions", value: params.get("q") || "" });
  search.addEventListener("input", () => {
    setParams({ q: search.value }, true);
    overviewRows(search.value);
  });
  const count = el("span", { class: "muted", id: "function-count" }, `${shown.length} of ${data.functions.length} functions`);
  main().replaceChildren(el("h1", {}, "Functions"),
    cards([["Functions", t.functions], ["Invocations", fmt.int(t.invocations)], ["Failures", fmt.int(t.failures)],
      ["Failure rate", fmt.pct(t.invocations ? t.failures / t.invocations : null)], ["Cold starts", fmt.int(t.cold_starts)],
      ["Cost", fmt.usd(t.cost_usd)], ["Security events", fmt.int(t.security_events)]]),
    el("div", { class: "toolbar" }, search, count),
    table(headers, rows, { id: "functions" }));
}

// Filtering while typing hides rows in place (no request, no re-render).
function overviewRows(text) {
  const needle = text.toLowerCase();
  let shown = 0, total = 0;
  for (const row of document.querySelectorAll("#functions tbody tr[data-function]")) {
    total += 1;
    const visible = row.dataset.function.toLowerCase().includes(needle);
    row.hidden = !visible;
    if (visible) shown += 1;
  }
  const count = document.getElementById("function-count");
  if (count) count.textContent = `${shown} of ${total} functions`;
}

// --- a function ---------------------------------------------------------------------------------

function invocationRows(list) {
  return list.map((i) => el("tr", { "data-invocation": i.id },
    el("td", {}, el("a", { href: href(`invocation/${i.id}`) }, fmt.time(i.end || i.start))),
    el("td", {}, el("a", { href: href(`invocation/${i.id}`) }, i.request_id)),
    outcomeCell(i.outcome),
    el("td", { class: "num" }, fmt.ms(i.duration_ms)),
    el("td", {}, i.cold_start ? "cold" : ""),
    el("td", {}, i.error ? el("a", { href: href(`errors/${encodeURIComponent(i.error.fingerprint)}`) }, i.error.message || i.error.fingerprint) : "")));
}

const invocationHeaders = ["Time", "Request", "Outcome", { label: "Duration", num: true }, "Start", "Error"];

async function functionPage(name) {
  const q = rangeQuery();
  const enc = encodeURIComponent(name);
  const [series, recent, failures, colds, security, posture, metrics] = await Promise.all([
    api(`/api/v1/functions/${enc}/series?${q}`),
    api(`/api/v1/invocations?function=${enc}&${q}&limit=25`),
    api(`/api/v1/invocations?function=${enc}&outcome=failure&${q}&limit=25`),
    api(`/api/v1/invocations?function=${enc}&cold_start=true&${q}&limit=25`),
    api(`/api/v1/security-groups?function=${enc}&${q}`),
    api(`/api/v1/functions/${enc}/posture?${q}`).catch(() => null),
    api(`/api/v1/functions/${enc}/metrics?${q}`),
  ]);
  const labels = series.points.map((p) => p.start);
  const pick = (key) => series.points.map((p) => p[key]);
  const classes = [["error", "#d64545"], ["timeout", "#d08a1e"], ["out_of_memory", "#8e44ad"], ["init_error", "#16a085"], ["crash", "#34495e"]];
  main().replaceChildren(
    el("h1", {}, name),
    el("div", { class: "toolbar" },
      el("a", { href: href("search", { function: name }) }, "Search this function's logs"),
      el("a", { href: href("errors", { function: name }) }, "Its error groups")),
    posturePanel(posture, security.security_groups),
    el("div", { class: "charts" },
      chart("Invocations", labels, [{ name: "invocations", color: "#2d6cdf", values: pick("invocations"), bars: true }], (v) => fmt.int(Math.round(v))),
      chart("Failures by class", labels, classes.map(([c, color]) => ({ name: c, color, values: series.points.map((p) => p.failures[c]) })), (v) => fmt.int(Math.round(v))),
      chart("Duration", labels, [["p50", "#2e9d5b"], ["p95", "#d08a1e"], ["p99", "#d64545"]].map(([k, color]) => ({ name: k, color, values: pick(k) })), (v) => fmt.ms(v)),
      chart("Cold starts", labels, [{ name: "cold starts", color: "#16a085", values: pick("cold_starts"), bars: true }], (v) => fmt.int(Math.round(v))),
      chart("Cost", labels, [{ name: "USD", color: "#8e44ad", values: pick("cost_usd") }], (v) => fmt.usd(v))),
    customMetricsPanel(metrics, labels),
    el("h2", {}, "Recent invocations"), table(invocationHeaders, invocationRows(recent.invocations), { id: "recent" }),
    el("h2", {}, "Failures"), table(invocationHeaders, invocationRows(failures.invocations), { id: "failed" }),
    el("h2", {}, "Cold starts"), table(invocationHeaders, invocationRows(colds.invocations), { id: "cold" }));
}

// Custom metrics the function printed in Embedded Metric Format: one row per namespace, name
// and dimension set, with a sparkline over the window (sums for counts, averages otherwise).
function customMetricsPanel(metrics, labels) {
  const rows = metrics.metrics.map((m) => {
    const byStart = new Map(m.points.map((p) => [p.start, p]));
    const counts = m.unit === "Count";
    const values = labels.map((start) => {
      const p = byStart.get(start);
      return p ? (counts ? p.sum : p.average) : 0;
    });
    const number = (n) => (n === null || n === undefined ? "–" : Number(n.toPrecision(6)).toLocaleString("en-US"));
    const dimensions = Object.entries(m.dimensions).map(([k, v]) => `${k}=${v}`).join(", ");
    return el("tr", { "data-metric": m.name },
      el("td", {}, el("span", { class: "muted" }, m.namespace ? `${m.namespace} / ` : ""), m.name),
      el("td", {}, dimensions || el("span", { class: "muted" }, "none")),
      el("td", {}, m.unit || el("span", { class: "muted" }, "–")),
      el("td", { class: "num" }, fmt.int(m.count)),
      el("td", { class: "num" }, number(m.average)),
      el("td", { class: "num" }, number(m.min)),
      el("td", { class: "num" }, number(m.max)),
      el("td", { class: "num" }, number(m.sum)),
      el("td", {}, sparkline(values)));
  });
  return el("section", { id: "custom-metrics" },
    el("h2", {}, "Custom metrics"),
    metrics.metrics.length ? table(["Metric", "Dimensions", "Unit", { label: "Values", num: true }, { label: "Average", num: true },
      { label: "Min", num: true }, { label: "Max", num: true }, { label: "Sum", num: true }, "Over the window"], rows, { id: "metrics" }) :
      el("p", { class: "muted" }, "No Embedded Metric Format lines from this function in this window."),
    metrics.truncated ? el("p", { class: "muted" }, "Showing the first 100 metrics by name.") : null);
}

// Posture next to runtime: the function's findings from `warden scan` beside what its logs
// show (security events), and the combinations worth a look first.
function posturePanel(posture, securityGroups) {
  const findings = (posture && posture.findings) || [];
  const runtime = securityGroups || [];
  if (!findings.length && !runtime.length) {
    return el("div", { class: "card posture" }, el("h3", {}, "Posture and runtime"),
      el("p", { class: "muted" }, posture ? "No findings uploaded for this function, and no security events in this window." :
        "No findings uploaded (POST /api/v1/findings with `warden scan --format json` output)."));
  }
  const highlights = ((posture && posture.highlights) || []).map((h) => el("div", { class: "highlight" }, h));
  return el("div", { class: "card posture", id: "posture" },
    el("h3", {}, "Posture and runtime"),
    highlights,
    el("div", { class: "two" },
      el("div", {}, el("h4", {}, `Findings (${findings.length})`),
        findings.length ? el("ul", {}, findings.map((f) => el("li", {}, el("span", { class: `badge sev-${f.severity}` }, f.severity), " ", el("code", {}, f.rule_id), " ", f.message,
          f.stack ? el("span", { class: "muted" }, ` · ${f.stack}`) : null))) : el("p", { class: "muted" }, "None uploaded.")),
      el("div", {}, el("h4", {}, `Seen in its logs (${runtime.reduce((a, g) => a + g.count, 0)})`),
        runtime.length ? el("ul", {}, runtime.map((g) => el("li", {}, el("span", { class: "badge open" }, g.risk), " ", g.kind, ` × ${fmt.int(g.count)} · last ${fmt.time(g.last_seen)}`))) : el("p", { class: "muted" }, "No security events in this window."))));
}

// --- an invocation ------------------------------------------------------------------------------

function timelineBar(t) {
  const parts = [["init", t.init_ms || 0, "#16a085"], ["restore", t.restore_ms || 0, "#8e44ad"], ["duration", t.duration_ms || 0, "#2d6cdf"]];
  const billed = t.billed_ms || 0;
  const total = Math.max(1, parts.reduce((a, p) => a + p[1], 0), billed + (t.init_ms || 0));
  const bar = el("div", { class: "timeline", id: "timeline" });
  for (const [name, value, color] of parts) {
    if (!value) continue;
    const seg = el("div", { class: "seg", title: `${name} ${fmt.ms(value)}` }, `${name} ${fmt.ms(value)}`);
    seg.style.width = `${(value / total) * 100}%`;
    seg.style.background = color;
    bar.append(seg);
  }
  const billedBar = el("div", { class: "timeline billed" });
  if (billed) {
    const pad = el("div", { class: "seg blank" });
    pad.style.width = `${((t.init_ms || 0) / total) * 100}%`;
    const seg = el("div", { class: "seg", title: `billed ${fmt.ms(billed)}` }, `billed ${fmt.ms(billed)}`);
    seg.style.width = `${(billed / total) * 100}%`;
    seg.style.background = "#d08a1e";
    billedBar.append(pad, seg);
  }
  return el("div", { class: "card" }, el("h3", {}, "Timeline"), bar, billedBar,
    el("p", { class: "muted" }, `start ${fmt.time(t.start)} · end ${fmt.time(t.end)}`));
}

function memoryBar(m) {
  const bar = el("div", { class: "timeline", id: "memory" });
  if (m.size_mb && m.max_used_mb !== null) {
    const seg = el("div", { class: "seg" }, `${m.max_used_mb} of ${m.size_mb} MB`);
    seg.style.width = `${Math.min(100, (m.used_fraction || 0) * 100)}%`;
    seg.style.background = m.used_fraction > 0.9 ? "#d64545" : "#2e9d5b";
    bar.append(seg);
  }
  return el("div", { class: "card" }, el("h3", {}, "Memory"), bar);
}

async function invocationPage(id) {
  const d = await api(`/api/v1/invocations/${encodeURIComponent(id)}`);
  const i = d.invocation;
  const lines = d.lines.map((l) => el("tr", {}, el("td", { class: "nowrap" }, fmt.time(l.timestamp)), el("td", {}, el("pre", { class: "line" }, l.message))));
  main().replaceChildren(
    el("h1", {}, `${i.function} · ${i.request_id}`),
    cards([["Outcome", i.outcome, i.outcome === "success" ? "ok" : "bad"], ["Duration", fmt.ms(i.duration_ms)], ["Billed", fmt.ms(i.billed_duration_ms)],
      ["Init", i.cold_start ? fmt.ms(i.init_duration_ms) : "warm"], ["Memory", `${fmt.mb(i.max_memory_used_mb)} / ${fmt.mb(i.memory_size_mb)}`], ["Cost", fmt.usd(i.cost_usd)]]),
    el("p", {}, el("a", { href: href(`function/${encodeURIComponent(i.function)}`) }, `← ${i.function}`),
      el("span", { class: "muted" }, ` · stream ${i.log_stream}${i.version ? " · version " + i.version : ""}${i.xray_trace_id ? " · X-Ray " + i.xray_trace_id : ""}`)),
    el("div", { class: "charts" }, timelineBar(d.timeline), memoryBar(d.memory)),
    d.error ? el("div", { id: "invocation-error" }, el("h2", {}, "Error"),
      el("p", {}, el("a", { href: href(`errors/${encodeURIComponent(d.error.fingerprint)}`) }, `${d.error.error_type}: ${d.error.message}`)),
      el("pre", {}, (d.error.stack || []).join("\n") || "(no stack)")) : null,
    el("h2", {}, `Log lines (${d.lines.length})`),
    table(["Time", "Message"], lines, { id: "lines" }));
}

async function requestPage(requestId) {
  const found = await api(`/api/v1/invocations?request_id=${encodeURIComponent(requestId)}&limit=1`);
  if (!found.invocations.length) {
    main().replaceChildren(el("div", { class: "error-box" }, `No stored invocation with request id ${requestId}.`));
    return;
  }
  await invocationPage(found.invocations[0].id);
}

// --- errors --------------------------------------------------------------------------------------

async function errorsPage() {
  const { params } = view();
  const fn = params.get("function");
  const data = await api(`/api/v1/error-groups?${rangeQuery()}&limit=200${fn ? "&function=" + encodeURIComponent(fn) : ""}`);
  const rows = data.error_groups.map((g) => el("tr", {},
    el("td", {}, el("span", { class: `badge ${g.status}` }, g.status)),
    el("td", {}, el("a", { href: href(`errors/${encodeURIComponent(g.fingerprint)}`) }, `${g.error_type}: ${g.message}`)),
    el("td", {}, g.function),
    el("td", { class: "num" }, fmt.int(g.in_window)),
    el("td", { class: "num" }, fmt.int(g.count)),
    el("td", {}, fmt.time(g.last_seen))));
  main().replaceChildren(el("h1", {}, fn ? `Error groups of ${fn}` : "Error groups"),
    table(["Status", "Error", "Function", { label: "In window", num: true }, { label: "All time", num: true }, "Last seen"], rows, { id: "error-groups" }));
}

async function errorDetail(fingerprint) {
  const enc = encodeURIComponent(fingerprint);
  const [g, occ] = await Promise.all([
    api(`/api/v1/error-groups/${enc}`),
    api(`/api/v1/error-groups/${enc}/occurrences?${rangeQuery()}&limit=50`),
  ]);
  const act = (action) => el("button", { type: "button", onclick: async () => {
    try { await api(`/api/v1/error-groups/${enc}/${action}`, { method: "POST" }); route(); }
    catch (e) { alert(e.message); }
  } }, action);
  const start = Date.parse(occ.start);
  const labels = occ.counts.map((_, i) => new Date(start + i * occ.step_seconds * 1000).toISOString());
  main().replaceChildren(
    el("h1", {}, `${g.error_type}: ${g.message}`),
    el("p", {}, el("span", { class: `badge ${g.status}` }, g.status), ` ${g.function} · ${fmt.int(occ.total)} in this window · ${fmt.int(g.count)} all time · first ${fmt.time(g.first_seen)} · last ${fmt.time(g.last_seen)} · regressions ${g.regressions}`),
    el("div", { class: "toolbar" }, act("resolve"), act("mute"), act("reopen")),
    chart("Occurrences in this window", labels, [{ name: "occurrences", color: "#d64545", values: occ.counts, bars: true }], (v) => fmt.int(Math.round(v))),
    el("h2", {}, "Stack"), el("pre", {}, (g.sample_stack.length ? g.sample_stack : g.frames).join("\n") || "(no stack)"),
    el("h2", {}, "Occurrences"),
    table(["Time", "Request", "Message"], occ.occurrences.map((o) => el("tr", {}, el("td", {}, fmt.time(o.timestamp)),
      el("td", {}, o.request_id ? el("a", { href: href(`request/${encodeURIComponent(o.request_id)}`) }, o.request_id) : ""), el("td", {}, o.message))), { id: "occurrences" }));
}

// --- search ----------------------------------------------------------------------------------------

async function searchPage() {
  const { params } = view();
  const text = params.get("text") || "", fn = params.get("function") || "", outcome = params.get("outcome") || "";
  const input = el("input", { type: "search", name: "text", id: "search-text", placeholder: "words, prefix*", value: text });
  const fnInput = el("input", { type: "text", name: "function", placeholder: "function", value: fn });
  const outcomeSelect = el("select", { name: "outcome" }, ["", "failure", "success", "error", "timeout", "out_of_memory", "init_error", "crash"]
    .map((o) => el("option", { value: o, selected: o === outcome ? "selected" : null }, o || "any outcome")));
  const form = el("form", { class: "toolbar", id: "search-form", onsubmit: (e) => {
    e.preventDefault();
    setParams({ text: input.value.trim(), function: fnInput.value.trim(), outcome: outcomeSelect.value });
  } }, input, fnInput, outcomeSelect, el("button", { type: "submit", class: "primary" }, "Search"));
  const parts = [el("h1", {}, "Search logs"), form, el("p", { class: "muted" }, "Every word must occur; end a word with * for a prefix. Platform lines (START, END, REPORT) are not indexed.")];
  if (text) {
    const q = new URLSearchParams({ text, limit: "200" });
    if (fn) q.set("function", fn);
    if (outcome) q.set("outcome", outcome);
    const data = await api(`/api/v1/lines?${q}&${rangeQuery()}`);
    parts.push(el("h2", {}, `${data.lines.length}${data.lines.length === 200 ? "+" : ""} lines`),
      table(["Time", "Function", "Request", "Message"], data.lines.map((l) => el("tr", {},
        el("td", { class: "nowrap" }, fmt.time(l.timestamp)), el("td", {}, l.function),
        el("td", {}, l.request_id ? el("a", { href: href(`request/${encodeURIComponent(l.request_id)}`) }, l.request_id) : ""),
        el("td", {}, el("pre", { class: "line" }, l.message)))), { id: "search-results" }));
  }
  main().replaceChildren(...parts);
}

// --- security ----------------------------------------------------------------------------------------

async function securityPage() {
  const { params } = view();
  const fn = params.get("function");
  const data = await api(`/api/v1/security-groups?${rangeQuery()}${fn ? "&function=" + encodeURIComponent(fn) : ""}`);
  const rows = data.security_groups.map((g) => el("tr", {},
    el("td", {}, el("span", { class: "badge open" }, g.risk)), el("td", {}, g.kind),
    el("td", {}, el("a", { href: href(`function/${encodeURIComponent(g.function)}`) }, g.function)),
    el("td", { class: "num" }, fmt.int(g.count)), el("td", {}, fmt.time(g.first_seen)), el("td", {}, fmt.time(g.last_seen)),
    el("td", {}, g.sample.request_id ? el("a", { href: href(`request/${encodeURIComponent(g.sample.request_id)}`) }, g.sample.detail) : g.sample.detail)));
  main().replaceChildren(el("h1", {}, fn ? `Security events of ${fn}` : "Security events"),
    table(["Risk", "Kind", "Function", { label: "Count", num: true }, "First seen", "Last seen", "Sample"], rows, { id: "security-groups" }));
}

// --- alerts --------------------------------------------------------------------------------------------

const CONDITIONS = ["failure_rate", "failure_count", "duration_p95", "duration_p99", "cold_start_rate", "cost", "invocation_spike", "new_error_group", "security_event"];

function ruleForm() {
  const field = (label, input) => el("label", {}, label, input);
  const inputs = {
    name: el("input", { name: "name", value: "Checkout failures" }),
    kind: el("select", { name: "kind" }, CONDITIONS.map((c) => el("option", { value: c }, c.replace(/_/g, " ")))),
    class: el("select", { name: "class" }, ["", "error", "timeout", "out_of_memory", "init_error", "crash"].map((c) => el("option", { value: c }, c || "any class"))),
    functions: el("input", { name: "functions", value: "*" }),
    window: el("input", { name: "window_seconds", type: "number", min: "60", value: "300" }),
    threshold: el("input", { name: "threshold", type: "number", step: "any", value: "0.05" }),
    cooldown: el("input", { name: "cooldown_seconds", type: "number", min: "0", value: "600" }),
    webhook: el("input", { name: "webhook", placeholder: "https://… (optional)" }),
    secret: el("input", { name: "secret", placeholder: "webhook secret" }),
  };
  const spec = () => {
    const condition = { kind: inputs.kind.value };
    if ((condition.kind === "failure_rate" || condition.kind === "failure_count") && inputs.class.value) condition.class = inputs.class.value;
    const channels = inputs.webhook.value ? [{ type: "webhook", url: inputs.webhook.value, secret: inputs.secret.value }] : [];
    return { name: inputs.name.value, condition, functions: inputs.functions.value || "*", window_seconds: Number(inputs.window.value),
      threshold: Number(inputs.threshold.value), cooldown_seconds: Number(inputs.cooldown.value), channels };
  };
  const node = el("div", { class: "card rule-form", id: "rule-form" },
    el("div", { class: "form-grid" }, field("Name", inputs.name), field("Condition", inputs.kind), field("Failure class", inputs.class),
      field("Functions (glob)", inputs.functions), field("Window (s)", inputs.window), field("Threshold", inputs.threshold),
      field("Cooldown (s)", inputs.cooldown), field("Webhook URL", inputs.webhook), field("Webhook secret", inputs.secret)));
  return { node, spec };
}

async function alertsPage() {
  const [rules, history] = await Promise.all([api("/api/v1/alerts/rules"), api("/api/v1/alerts/history?limit=50")]);
  const form = ruleForm();
  const message = el("div", { id: "rule-message" });
  const previewBox = el("div", { id: "preview" });
  const preview = el("button", { type: "button", id: "preview-rule", onclick: async () => {
    try {
      const p = await api("/api/v1/alerts/preview", { method: "POST", body: form.spec() });
      const labels = p.values.map((_, i) => new Date(Date.parse(p.from) + (i + 1) * p.step_seconds * 1000).toISOString());
      previewBox.replaceChildren(
        el("p", { class: p.fired ? "bad" : "ok" }, `Over the past day this rule would have fired ${p.fired} time${p.fired === 1 ? "" : "s"} (${p.evaluations} evaluations, every ${p.step_seconds / 60} min).`),
        chart("Value at each evaluation", labels, [{ name: "value", color: "#d64545", values: p.values }, { name: "threshold", color: "#6b7585", values: p.values.map(() => form.spec().threshold) }], (v) => String(Math.round(v * 1000) / 1000)),
        table(["Time", "State", "Value", "Functions"], p.events.map((e) => el("tr", {}, el("td", {}, fmt.time(e.at)),
          el("td", {}, el("span", { class: `badge ${e.state}` }, e.state)), el("td", { class: "num" }, e.value === null ? "–" : String(Math.round(e.value * 10000) / 10000)),
          el("td", {}, e.functions.join(", ")))), { id: "preview-events" }));
    } catch (e) { previewBox.replaceChildren(el("div", { class: "error-box" }, e.message)); }
  } }, "Preview on the past day");
  const create = el("button", { type: "button", class: "primary", onclick: async () => {
    try { await api("/api/v1/alerts/rules", { method: "POST", body: form.spec() }); route(); }
    catch (e) { message.replaceChildren(el("div", { class: "error-box" }, e.message)); }
  } }, "Create rule");
  const rows = rules.rules.map((r) => el("tr", {},
    el("td", {}, el("span", { class: `badge ${r.state}` }, r.state)),
    el("td", {}, r.name), el("td", {}, r.condition.kind.replace(/_/g, " ") + (r.condition.class ? ` (${r.condition.class})` : "")), el("td", {}, r.functions),
    el("td", { class: "num" }, String(r.threshold)), el("td", { class: "num" }, r.last_value === null ? "–" : String(Math.round(r.last_value * 10000) / 10000)),
    el("td", {}, el("button", { type: "button", onclick: async () => {
      if (!confirm(`Delete rule “${r.name}”?`)) return;
      try { await api(`/api/v1/alerts/rules/${r.id}`, { method: "DELETE" }); route(); } catch (e) { alert(e.message); }
    } }, "Delete"))));
  const events = history.events.map((e) => el("tr", {}, el("td", {}, fmt.time(e.at)), el("td", {}, el("span", { class: `badge ${e.state}` }, e.state)), el("td", {}, e.message)));
  main().replaceChildren(
    el("h1", {}, "Alerts"),
    table(["State", "Name", "Condition", "Functions", { label: "Threshold", num: true }, { label: "Last value", num: true }, ""], rows, {}, "No rules yet."),
    el("h2", {}, "New rule"), form.node, message, el("div", { class: "toolbar" }, preview, create), previewBox,
    el("h2", {}, "History"), table(["Time", "State", "Message"], events, {}, "No state changes yet."));
}

// --- posture upload ---------------------------------------------------------------------------------------

async function posturePage() {
  const data = await api("/api/v1/findings");
  const stack = el("input", { name: "stack", id: "upload-stack", placeholder: "stack or service name", required: "required" });
  const file = el("input", { type: "file", id: "upload-file", accept: ".json,.sarif,application/json" });
  const mapping = el("textarea", { id: "upload-mapping", placeholder: '{"CheckoutFunction": "checkout-api"} (optional: template logical id → function name)' });
  mapping.style.minHeight = "60px";
  const message = el("div", { id: "upload-message" });
  const upload = el("button", { type: "button", class: "primary", id: "upload-button", onclick: async () => {
    try {
      if (!file.files.length) throw new Error("choose a `warden scan --format json` or SARIF file");
      const report = JSON.parse(await file.files[0].text());
      const body = { stack: stack.value.trim(), report };
      if (mapping.value.trim()) body.mapping = JSON.parse(mapping.value);
      const r = await api("/api/v1/findings", { method: "POST", body });
      message.replaceChildren(el("div", { class: "ok-box" }, `Stored ${r.findings} findings of ${r.stack}: ${r.matched} matched to functions (${r.functions.join(", ") || "none"}), ${r.unmatched} not matched.`));
      setTimeout(route, 1500);
    } catch (e) { message.replaceChildren(el("div", { class: "error-box" }, e.message)); }
  } }, "Upload findings");
  const rank = (s) => ["critical", "high", "medium", "low", "info"].indexOf(s);
  const findings = data.findings.slice().sort((a, b) => rank(a.severity) - rank(b.severity));
  const rows = findings.map((f) => el("tr", {},
    el("td", {}, el("span", { class: `badge sev-${f.severity}` }, f.severity)), el("td", {}, el("code", {}, f.rule_id)), el("td", {}, f.message),
    el("td", {}, f.stack), el("td", {}, f.function ? el("a", { href: href(`function/${encodeURIComponent(f.function)}`) }, f.function) : el("span", { class: "muted" }, f.resource || "–"))));
  main().replaceChildren(el("h1", {}, "Posture"),
    el("p", { class: "muted" }, "Findings from `warden scan --format json` (or SARIF), matched to functions by template logical id, physical name or the mapping below. Uploading needs an admin token."),
    el("div", { class: "card" }, el("div", { class: "toolbar" }, stack, file), mapping, el("div", { class: "toolbar" }, upload), message),
    el("h2", {}, `Findings (${data.findings.length})`),
    table(["Severity", "Rule", "Message", "Stack", "Function"], rows, { id: "findings" }, "No findings uploaded."));
}

// --- status ------------------------------------------------------------------------------------------------

function noticeCell(notice) {
  if (!notice) return el("td", { class: "muted" }, "–");
  return el("td", { class: notice.kind === "throttled" ? "warn" : "bad" },
    `${notice.kind.replace(/_/g, " ")} at ${fmt.at(notice.at_ms)}: ${notice.message}`);
}

async function statusPage() {
  const s = await api("/api/v1/status");
  const p = s.pipeline;
  const parts = [el("h1", {}, "Status"),
    el("p", { class: "muted" }, `Warden ${s.version}. Figures since the server started, except the store's.`),
    el("h2", {}, "Ingest"),
    cards([["Lines received", fmt.int(p.lines)], ["Invocations assembled", fmt.int(p.invocations)], ["Commits", fmt.int(p.commits)],
      ["Commit failures", fmt.int(p.commit_failures), p.commit_failures ? "bad" : ""], ["Replayed lines", fmt.int(p.replayed_lines)]]),
    el("h2", {}, "Store"),
    cards([["Lines", fmt.int(s.store.lines)], ["Invocations", fmt.int(s.store.invocations)], ["Error groups", fmt.int(s.store.error_groups)],
      ["Security events", fmt.int(s.store.security_events)], ["Size", fmt.bytes(s.store.size_bytes)]]),
    el("h2", {}, "CloudWatch Logs polling")];
  const poll = s.poll;
  if (!poll) {
    parts.push(el("p", { id: "poll-off" }, "This server does not poll CloudWatch Logs: start it with ", el("code", {}, "warden serve --poll"),
      " (and ", el("code", {}, "--log-group-prefix"), " or ", el("code", {}, "--log-group"), ") to read log groups itself, or push them through Firehose with the stack ",
      el("code", {}, "warden connect"), " generates."));
    main().replaceChildren(...parts);
    return;
  }
  parts.push(cards([["Calls (listing included)", fmt.int(poll.calls)], ["Throttled calls", fmt.int(poll.throttled), poll.throttled ? "warn" : ""],
    ["Sweeps", fmt.int(poll.sweeps)], ["Events read", fmt.int(poll.events)], ["Last sweep", fmt.at(poll.last_sweep_ms)]]));
  if (poll.discovery_notice) {
    parts.push(el("div", { class: "error-box", id: "discovery-notice" },
      `Listing log groups failed (${poll.discovery_notice.kind.replace(/_/g, " ")} at ${fmt.at(poll.discovery_notice.at_ms)}): ${poll.discovery_notice.message}`));
  }
  const rows = poll.log_groups.map((g) => el("tr", { "data-log-group": g.log_group },
    el("td", {}, el("code", {}, g.log_group)),
    el("td", { class: "num" }, fmt.int(g.calls)),
    el("td", { class: "num" }, fmt.int(g.events)),
    el("td", { class: "num", title: g.lag_ms === null ? "" : `${g.lag_ms} ms` }, fmt.span(g.lag_ms)),
    el("td", { class: "nowrap" }, fmt.at(g.newest_event_ms)),
    el("td", { class: "nowrap" }, fmt.at(g.last_read_ms)),
    noticeCell(g.notice)));
  const sum = (key) => poll.log_groups.reduce((total, g) => total + g[key], 0);
  const groups = table(["Log group", { label: "Calls", num: true }, { label: "Events read", num: true }, { label: "Lag", num: true },
    "Newest event", "Last read to the end", "Last notice"], rows, { id: "log-groups" }, "No log group found yet.");
  if (rows.length) {
    groups.append(el("tfoot", {}, el("tr", {}, el("th", {}, `Total (${rows.length} log group${rows.length === 1 ? "" : "s"})`),
      el("th", { class: "num" }, fmt.int(sum("calls"))), el("th", { class: "num" }, fmt.int(sum("events"))), el("th", { colspan: 4 }, ""))));
  }
  parts.push(groups);
  main().replaceChildren(...parts);
}

// --- routing -----------------------------------------------------------------------------------------------

async function route() {
  const { path } = view();
  document.getElementById("range").value = windowKey();
  for (const link of document.querySelectorAll("header nav a")) {
    const target = link.dataset.page;
    link.href = href(target);
    link.classList.toggle("active", target === "" ? path === "" : path.startsWith(target));
  }
  try {
    if (path.startsWith("function/")) await functionPage(path.slice("function/".length));
    else if (path.startsWith("invocation/")) await invocationPage(path.slice("invocation/".length));
    else if (path.startsWith("request/")) await requestPage(path.slice("request/".length));
    else if (path.startsWith("errors/")) await errorDetail(path.slice("errors/".length));
    else if (path === "errors") await errorsPage();
    else if (path === "search") await searchPage();
    else if (path === "security") await securityPage();
    else if (path === "alerts") await alertsPage();
    else if (path === "posture") await posturePage();
    else if (path === "status") await statusPage();
    else await overview();
  } catch (e) {
    main().replaceChildren(el("div", { class: "error-box" }, `Could not load: ${e.message}`));
  }
}

document.addEventListener("DOMContentLoaded", () => {
  window.addEventListener("hashchange", route);
  document.getElementById("range").addEventListener("change", (e) => setParams({ w: e.target.value }));
  const logout = document.getElementById("logout");
  // Without a session (the loopback-only unauthenticated mode) there is nothing to end.
  if (!cookie("warden_csrf")) logout.hidden = true;
  logout.addEventListener("click", async () => {
    try { await api("/logout", { method: "POST" }); } catch (e) { /* signed out anyway */ }
    location.href = "/login";
  });
  route();
});
