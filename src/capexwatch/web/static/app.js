// capexwatch web: the scenario form (load, edit a parameter, run with progress and cancel) and
// links on the signals board. Vanilla JS, no build step; every number shown comes from the API.
"use strict";

function $(id) { return document.getElementById(id); }

async function api(method, url, body) {
  const opts = { method: method, headers: { "Accept": "application/json" } };
  if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
  const resp = await fetch(url, opts);
  let data = null;
  try { data = await resp.json(); } catch (e) { data = { error: "The server answered " + resp.status + "." }; }
  return { ok: resp.ok, status: resp.status, data: data };
}

function showError(el, data) {
  el.textContent = (data.error || "Error") + (data.hint ? "\n" + data.hint : "");
  el.hidden = false;
}

// ---------------------------------------------------------------- signals board: link each row

function linkSignals() {
  document.querySelectorAll(".cw-signals tr[id^='signal-'], section tr[id^='signal-']").forEach(function (tr) {
    const name = tr.id.slice("signal-".length);
    const code = tr.querySelector("code");
    if (code && !code.closest("a")) {
      const a = document.createElement("a");
      a.href = "/signals/" + encodeURIComponent(name);
      code.parentNode.insertBefore(a, code);
      a.appendChild(code);
    }
  });
}

// ---------------------------------------------------------------- scenarios

const state = { preset: null, text: null, job: null, timer: null };

function fmt(x, unit) {
  if (x === null || x === undefined) return "";
  if (unit === "USD") return "$" + (x / 1e9).toFixed(1) + "B";
  return Number(x).toPrecision(4);
}

async function loadPreset() {
  const name = $("preset").value;
  const r = await api("GET", "/api/v1/scenarios/" + encodeURIComponent(name));
  if (!r.ok) { showError($("run-error"), r.data); return; }
  $("scenario-yaml").value = r.data.yaml;
  state.preset = name; state.text = r.data.yaml;
  $("preset-title").textContent = r.data.model;
  const list = $("param-names"); list.innerHTML = "";
  r.data.parameters.forEach(function (p) { const o = document.createElement("option"); o.value = p; list.appendChild(o); });
}

function distFields() {
  const all = JSON.parse($("dist-fields").textContent);
  const dist = $("param-dist").value;
  const names = dist === "value" ? ["value"] : all[dist];
  const box = $("param-fields"); box.innerHTML = "";
  names.forEach(function (n) {
    const label = document.createElement("label");
    label.textContent = n + " ";
    const input = document.createElement("input");
    input.type = "number"; input.step = "any"; input.name = n; input.dataset.field = n;
    label.appendChild(input); box.appendChild(label);
  });
}

async function applyParam() {
  $("param-error").hidden = true;
  const dist = $("param-dist").value;
  let value;
  const inputs = $("param-fields").querySelectorAll("input");
  if (dist === "value") {
    value = Number(inputs[0].value);
  } else {
    value = { dist: dist };
    inputs.forEach(function (i) { value[i.dataset.field] = Number(i.value); });
  }
  const r = await api("POST", "/api/v1/scenario/parameter",
    { scenario: $("scenario-yaml").value, parameter: $("param-name").value, value: value });
  if (!r.ok) { showError($("param-error"), r.data); return; }
  $("scenario-yaml").value = r.data.scenario;
}

function runBody() {
  const text = $("scenario-yaml").value;
  const body = (state.preset && text === state.text) ? { preset: state.preset } : { scenario: text };
  const paths = $("paths").value, seed = $("seed").value;
  if (paths !== "") body.paths = Number(paths);
  if (seed !== "") body.seed = Number(seed);
  return body;
}

function renderResult(job) {
  const res = job.result;
  $("run-result").hidden = false;
  $("result-title").textContent = res.title || res.scenario;
  $("result-meta").innerHTML = "";
  const meta = res.model + " · " + res.paths + " paths · seed " + res.seed + " · " + res.elapsed_s.toFixed(2) + " s";
  $("result-meta").append(meta);
  if (res.run_id) {
    const a = document.createElement("a"); a.href = "/runs/" + res.run_id; a.textContent = " · saved as run " + res.run_id;
    a.id = "run-link"; $("result-meta").append(a);
  }
  if (res.warning) { $("result-meta").append(" · " + res.warning); }
  const body = $("percentiles").querySelector("tbody"); body.innerHTML = "";
  Object.keys(res.outputs).forEach(function (name) {
    const o = res.outputs[name];
    const tr = document.createElement("tr");
    const th = document.createElement("td"); th.className = "l"; th.innerHTML = "<code></code>"; th.firstChild.textContent = name;
    tr.appendChild(th);
    ["mean", "sd", "p5", "p25", "p50", "p75", "p95"].forEach(function (s) {
      const td = document.createElement("td");
      td.dataset.output = name; td.dataset.stat = s; td.dataset.value = o[s] === null ? "" : String(o[s]);
      td.textContent = fmt(o[s], o.unit); tr.appendChild(td);
    });
    const u = document.createElement("td"); u.className = "l"; u.textContent = o.unit; tr.appendChild(u);
    body.appendChild(tr);
  });
  const fans = $("fans"); fans.innerHTML = "";
  (job.figures || []).forEach(function (fig) {
    const div = document.createElement("div"); div.className = "fan"; fans.appendChild(div);
    Plotly.newPlot(div, fig.data, fig.layout, { displaylogo: false });
  });
}

function stopPolling() {
  if (state.timer) { clearTimeout(state.timer); state.timer = null; }
  $("cancel").hidden = true; $("run").disabled = false;
}

async function poll() {
  const r = await api("GET", "/api/v1/jobs/" + state.job);
  if (!r.ok) { stopPolling(); showError($("run-error"), r.data); return; }
  const job = r.data;
  $("run-progress").max = Math.max(job.paths_total, 1); $("run-progress").value = job.paths_done;
  $("run-status").textContent = job.state + ": " + job.paths_done.toLocaleString() + " of " + job.paths_total.toLocaleString() + " paths";
  if (job.state === "running") { state.timer = setTimeout(poll, 250); return; }
  stopPolling();
  if (job.state === "done") renderResult(job);
  else if (job.state === "failed") showError($("run-error"), job.error);
}

async function startRun() {
  $("run-error").hidden = true; $("run-result").hidden = true;
  const r = await api("POST", "/api/v1/jobs", runBody());
  if (!r.ok) { showError($("run-error"), r.data); return; }
  state.job = r.data.job_id;
  $("run").disabled = true; $("cancel").hidden = false; $("run-progress").hidden = false;
  poll();
}

async function cancelRun() {
  if (state.job) await api("DELETE", "/api/v1/jobs/" + state.job);
}

document.addEventListener("DOMContentLoaded", function () {
  linkSignals();
  if ($("scenario-yaml")) {
    $("load-preset").addEventListener("click", loadPreset);
    $("param-dist").addEventListener("change", distFields);
    $("param-apply").addEventListener("click", applyParam);
    $("run").addEventListener("click", startRun);
    $("cancel").addEventListener("click", cancelRun);
    distFields();
    loadPreset();
  }
});
