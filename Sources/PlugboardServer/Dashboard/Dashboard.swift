import Hummingbird
import NIOCore

/// `GET /`: the dashboard, one self-contained page (no build step, nothing from a CDN) that polls `/v1/plugins`
/// every second and draws, per plugin and version, calls/s, error rate and p95 latency, with promote and rollback
/// buttons that call the admin API with the token typed into the page.
enum Dashboard {
    static func page(_ request: Request, context: BasicRequestContext) async throws -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store", .contentSecurityPolicy: "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Plugboard</title>
<style>
  :root { --fg:#1d2330; --muted:#6b7280; --line:#e5e7eb; --stable:#2563eb; --canary:#ea580c; --ok:#15803d; --bad:#b91c1c; --warn:#a16207; }
  * { box-sizing: border-box; }
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); margin: 0; background: #f8fafc; }
  header { display: flex; align-items: center; gap: 16px; padding: 12px 24px; background: #111827; color: #fff; }
  header h1 { font-size: 18px; margin: 0; font-weight: 600; }
  header .spacer { flex: 1; }
  header input { width: 220px; padding: 4px 8px; border-radius: 4px; border: 1px solid #374151; background: #1f2937; color: #fff; }
  #status { font-size: 13px; color: #d1d5db; }
  main { padding: 16px 24px; display: grid; gap: 16px; }
  .plugin { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; }
  .plugin h2 { margin: 0 0 4px; font-size: 16px; display: flex; align-items: center; gap: 8px; }
  .badge { font-size: 12px; padding: 1px 8px; border-radius: 10px; color: #fff; font-weight: 500; }
  .healthy, .active { background: var(--ok); } .degraded, .unknown { background: var(--warn); } .quarantined { background: var(--bad); }
  .meta { color: var(--muted); font-size: 13px; }
  .versions { display: flex; gap: 18px; flex-wrap: wrap; margin: 6px 0 10px; }
  .version b { font-family: ui-monospace, monospace; }
  .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; }
  .charts { display: grid; grid-template-columns: repeat(3, 1fr); gap: 12px; }
  .chart-box { border: 1px solid var(--line); border-radius: 6px; padding: 6px 8px; }
  .chart-box .title { font-size: 12px; color: var(--muted); display: flex; justify-content: space-between; }
  svg.chart { width: 100%; height: 90px; display: block; }
  svg.chart polyline { fill: none; stroke-width: 2; }
  button { padding: 4px 12px; border-radius: 4px; border: 1px solid #d1d5db; background: #fff; cursor: pointer; font: inherit; }
  button:disabled { opacity: .45; cursor: default; }
  .actions { display: flex; gap: 8px; align-items: center; }
  .message { font-size: 12px; color: var(--muted); }
  .failed { border-color: #fecaca; background: #fef2f2; }
  .empty { color: var(--muted); }
</style>
</head>
<body>
<header>
  <h1>Plugboard</h1>
  <span id="status">connecting…</span>
  <span class="spacer"></span>
  <label>Admin token <input id="token" type="password" autocomplete="off" placeholder="for promote / rollback"></label>
</header>
<main id="plugins"><p class="empty">Loading plugins…</p></main>
<script>
"use strict";
const HISTORY = 60;              // samples kept per series (one per second)
const series = new Map();        // "plugin|version" -> {last: {calls, failures, t}, calls: [], errors: [], p95: []}
const tokenInput = document.getElementById("token");
tokenInput.value = sessionStorage.getItem("plugboard-token") || "";
tokenInput.addEventListener("change", () => sessionStorage.setItem("plugboard-token", tokenInput.value));

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const child of children) node.append(child);
  return node;
}
function svgEl(tag, attrs = {}) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function sample(plugin, version, now) {
  const key = plugin + "|" + version.version;
  let s = series.get(key);
  if (!s) { s = { last: null, calls: [], errors: [], p95: [] }; series.set(key, s); }
  const stats = version.stats;
  if (s.last && stats.calls >= s.last.calls) {
    const dt = Math.max((now - s.last.t) / 1000, 0.001);
    const dCalls = stats.calls - s.last.calls;
    const dFail = stats.failures - s.last.failures;
    s.calls.push(dCalls / dt);
    s.errors.push(dCalls > 0 ? 100 * dFail / dCalls : 0);
    s.p95.push(stats.p95Ms ?? 0);
    for (const list of [s.calls, s.errors, s.p95]) while (list.length > HISTORY) list.shift();
  }
  s.last = { calls: stats.calls, failures: stats.failures, t: now };
  return s;
}

function chart(metric, title, unit, lines) {
  const width = 300, height = 90;
  const max = Math.max(1e-9, ...lines.flatMap(l => l.values));
  const svg = svgEl("svg", { class: "chart", "data-metric": metric, viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: "none" });
  svg.append(svgEl("line", { x1: 0, y1: height - 1, x2: width, y2: height - 1, stroke: "#e5e7eb" }));
  for (const line of lines) {
    if (line.values.length === 0) continue;
    const step = width / (HISTORY - 1);
    const offset = HISTORY - line.values.length;
    const points = line.values.map((v, i) => `${((offset + i) * step).toFixed(1)},${(height - 2 - (v / max) * (height - 8)).toFixed(1)}`);
    if (points.length === 1) points.unshift(`${((offset - 1) * step).toFixed(1)},${points[0].split(",")[1]}`);
    svg.append(svgEl("polyline", { points: points.join(" "), stroke: line.color, "data-version": line.version }));
  }
  const latest = lines.map(l => l.values.length ? l.values[l.values.length - 1] : 0);
  const label = latest.map(v => v.toFixed(v < 10 ? 2 : 0) + unit).join(" / ");
  return el("div", { class: "chart-box" }, el("div", { class: "title" }, el("span", {}, title), el("span", {}, label)), svg);
}

async function admin(plugin, action, body) {
  const token = tokenInput.value.trim();
  const response = await fetch(`/v1/admin/plugins/${encodeURIComponent(plugin)}/${action}`, {
    method: "POST",
    headers: { "Authorization": "Bearer " + token, "Content-Type": "application/json" },
    body: body ? JSON.stringify(body) : "",
  });
  const payload = await response.json().catch(() => ({}));
  const message = document.querySelector(`[data-plugin="${CSS.escape(plugin)}"] .message`);
  if (message) message.textContent = response.ok ? `${action}: done` : `${action} refused: ${payload.error ? payload.error.message : response.status}`;
  refresh();
}

function render(list, now) {
  const main = document.getElementById("plugins");
  const cards = [];
  for (const p of list.plugins) {
    const versions = [{ v: p.stable, color: "var(--stable)", role: "stable" }];
    if (p.canary) versions.push({ v: p.canary, color: "var(--canary)", role: `canary ${p.canaryPercent} %` });
    const lines = versions.map(({ v, color }) => ({ version: v.version, color, s: sample(p.name, v, now) }));
    const card = el("section", { class: "plugin", "data-plugin": p.name, "data-state": p.state });
    card.append(el("h2", {}, p.name, el("span", { class: "badge " + p.state }, p.state), el("span", { class: "badge " + p.health.status, "data-health": p.health.status }, p.health.status)));
    const versionRow = el("div", { class: "versions" });
    for (const { v, color, role } of versions) {
      versionRow.append(el("span", { class: "version", "data-role": role.split(" ")[0] }, el("span", { class: "swatch", style: `background:${color}` }), `${role}: `, el("b", {}, v.version), ` · ${v.stats.calls} calls · ${v.stats.failures} failed`));
    }
    if (p.previousVersions.length) versionRow.append(el("span", { class: "meta" }, "previous: " + p.previousVersions.join(", ")));
    if (p.draining.length) versionRow.append(el("span", { class: "meta" }, "draining: " + p.draining.map(d => d.version).join(", ")));
    card.append(versionRow);
    card.append(el("div", { class: "charts" },
      chart("calls", "calls/s", "", lines.map(l => ({ version: l.version, color: l.color, values: l.s.calls }))),
      chart("errors", "error rate", " %", lines.map(l => ({ version: l.version, color: l.color, values: l.s.errors }))),
      chart("p95", "p95 latency", " ms", lines.map(l => ({ version: l.version, color: l.color, values: l.s.p95 })))));
    const promote = el("button", { "data-action": "promote" }, "Promote canary");
    const rollback = el("button", { "data-action": "rollback" }, "Roll back canary");
    promote.disabled = rollback.disabled = !p.canary;
    promote.onclick = () => admin(p.name, "promote");
    rollback.onclick = () => admin(p.name, "rollback", { target: "canary" });
    const rollbackStable = el("button", { "data-action": "rollback-stable" }, "Roll back stable");
    rollbackStable.disabled = p.previousVersions.length === 0;
    rollbackStable.onclick = () => admin(p.name, "rollback", { target: "stable" });
    const limits = p.limits;
    card.append(el("div", { class: "actions" }, promote, rollback, rollbackStable,
      el("span", { class: "meta" }, `memory ≤ ${(limits.maxMemoryBytes / 1048576).toFixed(0)} MiB · timeout ${limits.timeoutMs ?? "none"} ms · pool ${p.pool.size}`),
      el("span", { class: "message" }, "")));
    cards.push(card);
  }
  for (const f of list.failed) {
    cards.push(el("section", { class: "plugin failed", "data-plugin": f.name, "data-state": "failed" },
      el("h2", {}, f.name, el("span", { class: "badge quarantined" }, "failed")), el("div", { class: "meta" }, f.error.message)));
  }
  if (cards.length === 0) cards.push(el("p", { class: "empty" }, "No plugins loaded."));
  const messages = new Map([...main.querySelectorAll(".plugin")].map(c => [c.dataset.plugin, c.querySelector(".message")?.textContent]));
  main.replaceChildren(...cards);
  for (const card of main.querySelectorAll(".plugin")) {
    const text = messages.get(card.dataset.plugin);
    if (text) card.querySelector(".message").textContent = text;
  }
}

async function refresh() {
  try {
    const response = await fetch("/v1/plugins", { cache: "no-store" });
    const list = await response.json();
    render(list, performance.now());
    const status = document.getElementById("status");
    status.textContent = `${list.plugins.length} plugin(s) · updated ${new Date().toLocaleTimeString()}`;
    status.dataset.plugins = String(list.plugins.length);
  } catch (error) {
    document.getElementById("status").textContent = "server unreachable: " + error;
  }
}
refresh();
setInterval(refresh, 1000);
</script>
</body>
</html>
"""#
}
