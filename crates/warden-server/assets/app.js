// Warden dashboard: plain JS, no dependencies. Every value from the API goes into the
// page through textContent or attributes, never as HTML.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const main = () => document.getElementById("main");

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
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
  if (response.status === 204) return null;
  const data = await response.json();
  if (!response.ok) throw new Error((data.error && data.error.message) || response.statusText);
  return data;
}

function windowMs() { return Number(document.getElementById("range").value); }
function rangeQuery() {
  const to = Date.now();
  return `from=${to - windowMs()}&to=${to}`;
}

const fmt = {
  int: (n) => (n === null || n === undefined ? "–" : Number(n).toLocaleString("en-US")),
  ms: (n) => (n === null || n === undefined ? "–" : n >= 1000 ? (n / 1000).toFixed(2) + " s" : n.toFixed(1) + " ms"),
  pct: (n) => (n === null || n === undefined || Number.isNaN(n) ? "–" : (n * 100).toFixed(n < 0.01 && n > 0 ? 2 : 1) + " %"),
  // Cents from a dollar up; below, two significant digits ($0.01, $0.0016), so amounts
  // side by side are read with the same precision.
  usd: (n) => (n === null || n === undefined ? "–" : n >= 1 || n <= 0 ? "$" + n.toFixed(2)
    : "$" + n.toFixed(Math.min(10, 1 - Math.floor(Math.log10(n)))).replace(/0+$/, "")),
  time: (t) => (t ? t.replace("T", " ").replace(/\.\d+Z$/, "Z") : "–"),
};

function failuresOf(f) {
  const x = f.failures;
  return x.error + x.timeout + x.out_of_memory + x.init_error + x.crash;
}

function sparkline(values) {
  const node = svg("svg", { class: "spark", viewBox: "0 0 120 26", preserveAspectRatio: "none", role: "img" });
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? 120 / (values.length - 1) : 120;
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(24 - (v / max) * 22).toFixed(1)}`).join(" ");
  node.append(svg("polyline", { points, fill: "none", stroke: "#2d6cdf", "stroke-width": "1.5" }));
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

function table(headers, rows) {
  return el("table", {},
    el("thead", {}, el("tr", {}, headers.map((h) => el("th", { class: h.num ? "num" : "" }, h.label || h)))),
    el("tbody", {}, rows.length ? rows : [el("tr", {}, el("td", { colspan: headers.length, class: "muted" }, "Nothing in this window."))]));
}

function outcomeCell(outcome) {
  return el("td", { class: outcome === "success" ? "ok" : "bad" }, outcome);
}

async function overview() {
  const data = await api(`/api/v1/functions?${rangeQuery()}`);
  const fns = data.functions;
  const total = fns.reduce((a, f) => ({
    invocations: a.invocations + f.invocations,
    failures: a.failures + failuresOf(f),
    cold: a.cold + f.cold_starts,
    cost: a.cost + f.cost_usd,
  }), { invocations: 0, failures: 0, cold: 0, cost: 0 });
  const security = await api(`/api/v1/security-events?${rangeQuery()}&limit=1000`);
  const cards = el("div", { class: "cards" },
    [["Functions", fns.length], ["Invocations", fmt.int(total.invocations)], ["Failures", fmt.int(total.failures)],
     ["Failure rate", fmt.pct(total.invocations ? total.failures / total.invocations : null)], ["Cold starts", fmt.int(total.cold)],
     ["Cost", fmt.usd(total.cost)], ["Security events", fmt.int(security.security_events.length)]]
      .map(([label, value]) => el("div", { class: "card" }, el("div", { class: "label" }, label), el("div", { class: "value" }, value))));
  const rows = fns.map((f) => {
    const failures = failuresOf(f);
    const rate = f.invocations ? failures / f.invocations : 0;
    const spark = el("td", {});
    api(`/api/v1/functions/${encodeURIComponent(f.function)}/series?${rangeQuery()}`)
      .then((s) => spark.append(sparkline(s.points.map((p) => p.invocations))))
      .catch(() => {});
    return el("tr", { "data-function": f.function },
      el("td", {}, el("a", { href: `#/function/${encodeURIComponent(f.function)}` }, f.function)),
      el("td", { class: "num" }, fmt.int(f.invocations)),
      el("td", { class: "num " + (rate > 0.05 ? "bad" : rate > 0 ? "warn" : "") }, fmt.pct(rate)),
      el("td", { class: "num" }, fmt.ms(f.duration_ms.p95)),
      el("td", { class: "num" }, fmt.int(f.cold_starts)),
      el("td", { class: "num" }, fmt.usd(f.cost_usd)),
      spark);
  });
  main().replaceChildren(el("h1", {}, "Functions"), cards,
    table(["Function", { label: "Invocations", num: true }, { label: "Failure rate", num: true }, { label: "p95", num: true },
      { label: "Cold starts", num: true }, { label: "Cost", num: true }, "Invocations over time"], rows));
}

function invocationRows(list) {
  return list.map((i) => el("tr", {},
    el("td", {}, fmt.time(i.end || i.start)),
    el("td", {}, i.request_id),
    outcomeCell(i.outcome),
    el("td", { class: "num" }, fmt.ms(i.duration_ms)),
    el("td", {}, i.cold_start ? "cold" : ""),
    el("td", {}, i.error ? el("a", { href: `#/errors/${encodeURIComponent(i.error.fingerprint)}` }, i.error.message || i.error.fingerprint) : "")));
}

const invocationHeaders = ["Time", "Request", "Outcome", { label: "Duration", num: true }, "Start", "Error"];

async function functionPage(name) {
  const q = rangeQuery();
  const enc = encodeURIComponent(name);
  const [series, recent, failures, colds] = await Promise.all([
    api(`/api/v1/functions/${enc}/series?${q}`),
    api(`/api/v1/invocations?function=${enc}&${q}&limit=25`),
    api(`/api/v1/invocations?function=${enc}&outcome=failure&${q}&limit=25`),
    api(`/api/v1/invocations?function=${enc}&cold_start=true&${q}&limit=25`),
  ]);
  const labels = series.points.map((p) => p.start);
  const pick = (key) => series.points.map((p) => p[key]);
  const classes = [["error", "#d64545"], ["timeout", "#d08a1e"], ["out_of_memory", "#8e44ad"], ["init_error", "#16a085"], ["crash", "#34495e"]];
  main().replaceChildren(
    el("h1", {}, name),
    el("div", { class: "charts" },
      chart("Invocations", labels, [{ name: "invocations", color: "#2d6cdf", values: pick("invocations"), bars: true }], (v) => fmt.int(Math.round(v))),
      chart("Failures by class", labels, classes.map(([c, color]) => ({ name: c, color, values: series.points.map((p) => p.failures[c]) })), (v) => fmt.int(Math.round(v))),
      chart("Duration", labels, [["p50", "#2e9d5b"], ["p95", "#d08a1e"], ["p99", "#d64545"]].map(([k, color]) => ({ name: k, color, values: pick(k) })), (v) => fmt.ms(v)),
      chart("Cold starts", labels, [{ name: "cold starts", color: "#16a085", values: pick("cold_starts"), bars: true }], (v) => fmt.int(Math.round(v))),
      chart("Cost", labels, [{ name: "USD", color: "#8e44ad", values: pick("cost_usd") }], (v) => fmt.usd(v))),
    el("h2", {}, "Recent invocations"), table(invocationHeaders, invocationRows(recent.invocations)),
    el("h2", {}, "Failures"), table(invocationHeaders, invocationRows(failures.invocations)),
    el("h2", {}, "Cold starts"), table(invocationHeaders, invocationRows(colds.invocations)));
}

async function errorsPage() {
  const data = await api(`/api/v1/error-groups?limit=200`);
  const rows = data.error_groups.map((g) => el("tr", {},
    el("td", {}, el("span", { class: `badge ${g.status}` }, g.status)),
    el("td", {}, el("a", { href: `#/errors/${encodeURIComponent(g.fingerprint)}` }, `${g.error_type}: ${g.message}`)),
    el("td", {}, g.function),
    el("td", { class: "num" }, fmt.int(g.count)),
    el("td", {}, fmt.time(g.last_seen))));
  main().replaceChildren(el("h1", {}, "Error groups"), table(["Status", "Error", "Function", { label: "Count", num: true }, "Last seen"], rows));
}

async function errorDetail(fingerprint) {
  const g = await api(`/api/v1/error-groups/${encodeURIComponent(fingerprint)}`);
  const act = (action) => el("button", { type: "button", onclick: async () => {
    try { await api(`/api/v1/error-groups/${encodeURIComponent(fingerprint)}/${action}`, { method: "POST" }); route(); }
    catch (e) { alert(e.message); }
  } }, action);
  main().replaceChildren(
    el("h1", {}, `${g.error_type}: ${g.message}`),
    el("p", {}, el("span", { class: `badge ${g.status}` }, g.status), ` ${g.function} · ${fmt.int(g.count)} occurrences · first ${fmt.time(g.first_seen)} · last ${fmt.time(g.last_seen)} · regressions ${g.regressions}`),
    el("div", { class: "toolbar" }, act("resolve"), act("mute"), act("reopen")),
    el("h2", {}, "Stack"), el("pre", {}, (g.sample_stack.length ? g.sample_stack : g.frames).join("\n") || "(no stack)"),
    el("h2", {}, "Occurrences"),
    table(["Time", "Request", "Message"], g.occurrences.map((o) => el("tr", {}, el("td", {}, fmt.time(o.timestamp)), el("td", {}, o.request_id || ""), el("td", {}, o.message)))));
}

async function securityPage() {
  const data = await api(`/api/v1/security-events?${rangeQuery()}&limit=500`);
  const rows = data.security_events.map((e) => el("tr", {},
    el("td", {}, fmt.time(e.timestamp)), el("td", {}, el("span", { class: "badge open" }, e.risk)), el("td", {}, e.kind),
    el("td", {}, e.function), el("td", {}, e.detail)));
  main().replaceChildren(el("h1", {}, "Security events"), table(["Time", "Risk", "Kind", "Function", "Detail"], rows));
}

const ruleTemplate = {
  name: "Timeouts on checkout",
  condition: { kind: "failure_rate", class: "timeout" },
  functions: "*",
  window_seconds: 300,
  threshold: 0.05,
  cooldown_seconds: 600,
  channels: [],
};

async function alertsPage() {
  const [rules, history] = await Promise.all([api("/api/v1/alerts/rules"), api("/api/v1/alerts/history?limit=50")]);
  const editor = el("textarea", { id: "rule-json", spellcheck: "false" });
  editor.value = JSON.stringify(ruleTemplate, null, 2);
  const message = el("div");
  const create = el("button", { type: "button", class: "primary", onclick: async () => {
    try { await api("/api/v1/alerts/rules", { method: "POST", body: JSON.parse(editor.value) }); route(); }
    catch (e) { message.replaceChildren(el("div", { class: "error-box" }, e.message)); }
  } }, "Create rule");
  const rows = rules.rules.map((r) => el("tr", {},
    el("td", {}, el("span", { class: `badge ${r.state}` }, r.state)),
    el("td", {}, r.name), el("td", {}, r.condition.kind), el("td", {}, r.functions),
    el("td", { class: "num" }, String(r.threshold)), el("td", { class: "num" }, r.last_value === null ? "–" : String(r.last_value)),
    el("td", {}, el("button", { type: "button", onclick: async () => {
      if (!confirm(`Delete rule “${r.name}”?`)) return;
      try { await api(`/api/v1/alerts/rules/${r.id}`, { method: "DELETE" }); route(); } catch (e) { alert(e.message); }
    } }, "Delete"))));
  const events = history.events.map((e) => el("tr", {}, el("td", {}, fmt.time(e.at)), el("td", {}, el("span", { class: `badge ${e.state}` }, e.state)), el("td", {}, e.message)));
  main().replaceChildren(
    el("h1", {}, "Alerts"),
    table(["State", "Name", "Condition", "Functions", { label: "Threshold", num: true }, { label: "Last value", num: true }, ""], rows),
    el("h2", {}, "New rule"), editor, message, el("div", { class: "toolbar" }, create),
    el("h2", {}, "History"), table(["Time", "State", "Message"], events));
}

async function route() {
  const hash = decodeURIComponent(location.hash.replace(/^#\/?/, ""));
  try {
    if (hash.startsWith("function/")) await functionPage(hash.slice("function/".length));
    else if (hash.startsWith("errors/")) await errorDetail(hash.slice("errors/".length));
    else if (hash === "errors") await errorsPage();
    else if (hash === "security") await securityPage();
    else if (hash === "alerts") await alertsPage();
    else await overview();
  } catch (e) {
    main().replaceChildren(el("div", { class: "error-box" }, `Could not load: ${e.message}`));
  }
}

document.addEventListener("DOMContentLoaded", () => {
  window.addEventListener("hashchange", route);
  document.getElementById("range").addEventListener("change", route);
  const logout = document.getElementById("logout");
  // Without a session (the loopback-only unauthenticated mode) there is nothing to end.
  if (!cookie("warden_csrf")) logout.hidden = true;
  logout.addEventListener("click", async () => {
    try { await api("/logout", { method: "POST" }); } catch (e) { /* signed out anyway */ }
    location.href = "/login";
  });
  route();
});
