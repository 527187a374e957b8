// The console: plain DOM over the JSON API, no framework. What the API offers (the lookup fields of
// GET /genes, GET /queue, GET /workers, GET /info) is read from its OpenAPI document when the page
// loads, so the page grows with the API instead of guessing at it.
"use strict";

const REFRESH_MILLISECONDS = 2000;
const RECENT_JOBS = 20;
const MATCHES_SHOWN = 20;
const PAGING = new Set(["limit", "offset", "fields"]); // query parameters that shape an answer, not a lookup
const FINISHED = new Set(["complete", "failed", "cancelled"]);
// A status is told by its word, with a symbol and a colour as extras.
const STATUS_SYMBOLS = { submitted: "○", "in progress": "◐", complete: "✓", failed: "✗", cancelled: "⊘" };
const numbers = new Intl.NumberFormat("en");
const ACRONYMS = new Set(["id", "pid", "hgnc"]);
const IDENTIFIER = /(^|_)(id|pid|port)$/; // numbers that are names: no thousands separator
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// -- the DOM --------------------------------------------------------------------------------

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "className") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  node.append(...children.flat().filter((child) => child !== null && child !== undefined && child !== false)
    .map((child) => (child instanceof Node ? child : String(child))));
  return node;
}

const byId = (id) => document.getElementById(id);

function show(node, text) {
  node.textContent = text || "";
  node.hidden = !text;
}

function humanise(name) {
  const words = name.split("_").map((word) => (ACRONYMS.has(word) ? word.toUpperCase() : word)).join(" ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function shortId(id) {
  return id.length > 12 ? id.slice(0, 8) : id;
}

function formatTime(iso) {
  if (!iso) return el("span", { className: "muted" }, "—");
  const date = new Date(iso);
  const pad = (number) => String(number).padStart(2, "0");
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  const today = new Date().toDateString() === date.toDateString();
  return el("time", { datetime: iso, title: `${day} ${time} (your time zone)` }, today ? time : `${day} ${time}`);
}

function statusBadge(status) {
  return el("span", { className: `status status-${status.replace(/\s+/g, "-")}` },
    el("span", { "aria-hidden": "true", className: "status-symbol" }, STATUS_SYMBOLS[status] || "•"), ` ${status}`);
}

// Any JSON value as HTML: a list of objects as a table, an object as a two-column table.
function renderValue(value) {
  if (Array.isArray(value)) {
    if (value.length === 0) return el("p", { className: "muted" }, "None.");
    if (value.every((item) => item && typeof item === "object" && !Array.isArray(item))) {
      const columns = [...new Set(value.flatMap((item) => Object.keys(item)))];
      return el("div", { className: "table-scroll" }, el("table", { className: "data" },
        el("thead", {}, el("tr", {}, columns.map((column) => el("th", { scope: "col" }, humanise(column))))),
        el("tbody", {}, value.map((item) => el("tr", {}, columns.map((column) => el("td", {}, renderCell(column, item[column]))))))));
    }
    return el("ul", { className: "plain-list" }, value.map((item) => el("li", {}, renderCell("", item))));
  }
  if (value && typeof value === "object") {
    if (isCounts(value)) return countTiles(value);
    return el("table", { className: "fields" }, el("tbody", {}, Object.entries(value).map(([key, item]) =>
      el("tr", {}, el("th", { scope: "row" }, humanise(key)), el("td", {}, renderCell(key, item))))));
  }
  return el("p", {}, renderCell("", value));
}

// An object of counts, maybe grouped one level deep (e.g. GET /queue): {"queued": 3, "jobs": {...}}.
function isCounts(value, depth = 0) {
  const items = Object.values(value);
  return items.length > 0 && items.every((item) => typeof item === "number"
    || (depth === 0 && item && typeof item === "object" && !Array.isArray(item) && isCounts(item, 1)));
}

function countTiles(counts) {
  const status = (name) => name.replace(/_/g, " "); // "in_progress" is the status "in progress"
  const tile = (name, count) => el("div", { className: "tile" },
    el("dt", {}, STATUS_SYMBOLS[status(name)] ? statusBadge(status(name)) : humanise(name)), el("dd", {}, numbers.format(count)));
  const flat = Object.entries(counts).filter(([, count]) => typeof count === "number");
  const groups = Object.entries(counts).filter(([, count]) => typeof count !== "number");
  return el("div", { className: "counts" },
    flat.length ? el("dl", { className: "tiles" }, flat.map(([name, count]) => tile(name, count))) : null,
    groups.map(([group, inner]) => el("div", { className: "tile-group" }, el("h3", {}, humanise(group)),
      el("dl", { className: "tiles" }, Object.entries(inner).map(([name, count]) => tile(name, count))))));
}

function renderCell(name, value) {
  if (value === null || value === undefined || value === "") return el("span", { className: "muted" }, "—");
  if (typeof value === "object") return Array.isArray(value) && value.every((item) => typeof item !== "object")
    ? value.join(", ") : renderValue(value);
  if (typeof value === "number") return IDENTIFIER.test(name) ? String(value) : numbers.format(value);
  if (name === "status" && STATUS_SYMBOLS[value]) return statusBadge(value);
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}T/.test(value)) return formatTime(value);
  if (typeof value === "string" && UUID.test(value)) return el("code", { title: value }, shortId(value));
  return String(value);
}

// -- the API --------------------------------------------------------------------------------

async function callApi(path, options = {}) {
  let response;
  try {
    response = await fetch(path, { ...options, headers: { Accept: "application/json", ...(options.headers || {}) } });
  } catch (error) {
    return { ok: false, status: 0, body: { detail: `The service does not answer (${error.message}).` } };
  }
  const json = (response.headers.get("Content-Type") || "").includes("json");
  const body = json ? await response.json().catch(() => null) : await response.text();
  return { ok: response.ok, status: response.status, body };
}

function problemText(answer) {
  const detail = answer.body && typeof answer.body === "object" ? answer.body.detail || answer.body.title : null;
  return detail || `The service answered ${answer.status}.`;
}

let openapi = { paths: {}, components: { schemas: {} } };

function operation(path, method = "get") {
  return (openapi.paths[path] || {})[method] || null;
}

function queryParameters(path) {
  return ((operation(path) || {}).parameters || []).filter((parameter) => parameter.in === "query");
}

function choices(schema) {
  return ((schema || {}).enum || []).filter((choice) => choice !== null);
}

function addOptions(select, values) {
  for (const value of values) select.append(el("option", { value }, value));
}

// -- genes ----------------------------------------------------------------------------------

const HGNC_ID_LOOKUP = "hgnc_id"; // GET /genes/{hgnc_id}, offered beside the query parameters
const DEFAULT_LOOKUP = "symbol";
const lookupHints = new Map();

function setUpGeneSearch() {
  const fieldSelect = byId("gene-field");
  const lookups = queryParameters("/genes").filter((parameter) => !PAGING.has(parameter.name) && !choices(parameter.schema).length)
    .sort((a, b) => (b.name === DEFAULT_LOOKUP) - (a.name === DEFAULT_LOOKUP)); // the symbol first, then the document's order
  const filters = queryParameters("/genes").filter((parameter) => !PAGING.has(parameter.name) && choices(parameter.schema).length);
  if (lookups.length) fieldSelect.replaceChildren();
  for (const parameter of lookups) {
    fieldSelect.append(el("option", { value: parameter.name }, humanise(parameter.name)));
    lookupHints.set(parameter.name, parameter.description || (parameter.schema || {}).description || "");
  }
  if (operation("/genes/{hgnc_id}") && !lookups.some((parameter) => parameter.name === HGNC_ID_LOOKUP)) {
    fieldSelect.append(el("option", { value: HGNC_ID_LOOKUP }, "HGNC ID"));
    lookupHints.set(HGNC_ID_LOOKUP, "e.g. HGNC:1100");
  }
  for (const parameter of filters) {
    const id = `gene-filter-${parameter.name}`;
    const select = el("select", { id, name: parameter.name, "aria-describedby": `${id}-error` },
      el("option", { value: "" }, "Any"));
    addOptions(select, choices(parameter.schema));
    byId("gene-filters").append(el("div", { className: "field" },
      el("label", { for: id }, humanise(parameter.name)), select,
      el("p", { id: `${id}-error`, className: "field-error", hidden: true })));
  }
  const showHint = () => show(byId("gene-value-hint"), lookupHints.get(fieldSelect.value) || "");
  fieldSelect.addEventListener("change", showHint);
  showHint();
  byId("gene-search").addEventListener("submit", (event) => {
    event.preventDefault();
    searchGenes();
  });
}

function clearGeneErrors() {
  for (const node of document.querySelectorAll("#gene-search .field-error")) show(node, "");
  for (const node of document.querySelectorAll("#gene-search [aria-invalid]")) node.removeAttribute("aria-invalid");
  show(byId("gene-search-error"), "");
}

function showFieldErrors(form, errors, controlFor) {
  const unplaced = [];
  for (const [name, messages] of Object.entries(errors || {})) {
    const text = [].concat(messages).flat().join(" ");
    const control = controlFor(name);
    const message = control && byId(`${control.id}-error`);
    if (message) {
      control.setAttribute("aria-invalid", "true");
      show(message, text);
    } else {
      unplaced.push(name === "_schema" ? text : `${name}: ${text}`);
    }
  }
  return unplaced;
}

async function searchGenes() {
  clearGeneErrors();
  const field = byId("gene-field").value;
  const value = byId("gene-value").value.trim();
  const status = byId("gene-status");
  status.textContent = "Searching…";
  byId("gene-matches").hidden = true;
  byId("gene-record").hidden = true;

  if (field === HGNC_ID_LOOKUP) {
    const answer = await callApi(`/genes/${encodeURIComponent(value)}`);
    if (answer.ok) {
      status.textContent = "1 gene found.";
      showRecord(answer.body);
    } else if (answer.status === 400) {
      status.textContent = "";
      byId("gene-value").setAttribute("aria-invalid", "true");
      show(byId("gene-value-error"), problemText(answer));
    } else {
      status.textContent = problemText(answer);
    }
    return;
  }

  const query = new URLSearchParams({ [field]: value });
  for (const select of byId("gene-filters").querySelectorAll("select")) {
    if (select.value) query.set(select.name, select.value);
  }
  query.set("limit", String(MATCHES_SHOWN + 1));
  if (queryParameters("/genes").some((parameter) => parameter.name === "fields")) {
    query.set("fields", "symbol,name"); // the list in one call, not one call a match
  }
  const answer = await callApi(`/genes?${query}`);
  if (!answer.ok) {
    status.textContent = "";
    const controls = (name) => (name === field ? byId("gene-value") : byId(`gene-filter-${name}`));
    const unplaced = showFieldErrors(byId("gene-search"), answer.body && answer.body.errors, controls);
    if (unplaced.length || !(answer.body && answer.body.errors)) {
      show(byId("gene-search-error"), unplaced.length ? unplaced.join(" ") : problemText(answer));
    }
    return;
  }
  const matches = answer.body;
  if (matches.length === 0) {
    status.textContent = `No gene has ${humanise(field).toLowerCase()} “${value}”.`;
  } else if (matches.length === 1) {
    status.textContent = "1 gene found.";
    await openRecord(idOf(matches[0]));
  } else {
    const more = matches.length > MATCHES_SHOWN;
    status.textContent = more ? `More than ${MATCHES_SHOWN} genes found; the first ${MATCHES_SHOWN}:` : `${matches.length} genes found:`;
    await showMatches(matches.slice(0, MATCHES_SHOWN));
  }
}

// A match is an id, or an object with the fields asked for (GET /genes?fields=).
const idOf = (match) => (typeof match === "object" ? match.hgnc_id : match);

async function openRecord(hgncId, focus = false) {
  const answer = await callApi(`/genes/${encodeURIComponent(hgncId)}`);
  if (answer.ok) showRecord(answer.body, focus);
  else byId("gene-status").textContent = problemText(answer);
}

async function showMatches(matches) {
  const records = await Promise.all(matches.map(async (match) => {
    if (typeof match === "object") return match;
    const answer = await callApi(`/genes/${encodeURIComponent(match)}`);
    return answer.ok ? answer.body : { hgnc_id: match };
  }));
  const list = byId("gene-matches");
  list.replaceChildren(...records.map((record) => el("li", {},
    el("button", { type: "button", className: "link", onclick: () => openRecord(record.hgnc_id, true) },
      el("span", { className: "symbol" }, record.symbol || record.hgnc_id), " ",
      el("span", { className: "muted" }, record.symbol ? `${record.hgnc_id} · ${record.name || ""}` : "")))));
  list.hidden = false;
}

function showRecord(record, focus = false) {
  byId("gene-record-heading").textContent = `${record.symbol || ""} · ${record.hgnc_id}`;
  show(byId("gene-record-name"), typeof record.name === "string" ? record.name : "");
  byId("gene-record-fields").replaceChildren(...Object.entries(record).map(([key, value]) =>
    el("tr", {}, el("th", { scope: "row" }, key), el("td", {}, Array.isArray(value) ? value.join(", ") : String(value)))));
  const article = byId("gene-record");
  article.hidden = false;
  if (focus) article.focus();
}

// -- submitting a job -----------------------------------------------------------------------

const JOB_FIELDS = ["start_date", "end_date", "locus_group"];
const watchedJobs = new Map(); // job id -> last status seen, for the jobs submitted from this page

function setUpJobForm() {
  const parameters = openapi.components.schemas.AnalysisParameters || { properties: {} };
  addOptions(byId("locus_group"), choices((parameters.properties || {}).locus_group));
  byId("job-form").addEventListener("submit", (event) => {
    event.preventDefault();
    submitJob();
  });
}

async function submitJob() {
  const form = byId("job-form");
  for (const name of JOB_FIELDS) {
    byId(name).removeAttribute("aria-invalid");
    show(byId(`${name}-error`), "");
  }
  show(byId("job-form-error"), "");
  const body = {};
  for (const name of JOB_FIELDS) {
    const value = byId(name).value;
    if (value) body[name] = value; // an empty date is left out: the API names it as missing
  }
  const status = byId("job-form-status");
  status.textContent = "Submitting…";
  const answer = await callApi("/jobs", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  if (answer.ok) {
    watchedJobs.set(answer.body.id, answer.body.status);
    status.textContent = `Job ${shortId(answer.body.id)} submitted: it is ${answer.body.status}.`;
    refreshJobs();
    return;
  }
  status.textContent = "";
  const errors = answer.body && answer.body.errors;
  const unplaced = showFieldErrors(form, errors, (name) => (JOB_FIELDS.includes(name) ? byId(name) : null));
  if (unplaced.length || !errors) show(byId("job-form-error"), unplaced.length ? unplaced.join(" ") : problemText(answer));
  const firstInvalid = form.querySelector("[aria-invalid=true]");
  if (firstInvalid) firstInvalid.focus();
}

// -- the jobs table, the queue and the workers ------------------------------------------------

let refreshTimer = null;
let lastJobs = "";

function setUpJobs() {
  const statusParameter = queryParameters("/jobs").find((parameter) => parameter.name === "status");
  addOptions(byId("jobs-status"), choices(statusParameter && statusParameter.schema));
  byId("jobs-status").addEventListener("change", () => refreshJobs());
  byId("jobs-refresh").addEventListener("click", () => refreshJobs());
  byId("jobs-auto").addEventListener("change", () => scheduleRefresh());
  document.addEventListener("visibilitychange", () => scheduleRefresh());
  const offered = [["/queue", "queue-panel"], ["/workers", "workers-panel"]].filter(([path]) => operation(path));
  for (const [, panel] of offered) byId(panel).hidden = false;
  byId("operations").hidden = offered.length === 0;
}

function scheduleRefresh() {
  clearTimeout(refreshTimer);
  if (byId("jobs-auto").checked && !document.hidden) refreshTimer = setTimeout(refreshJobs, REFRESH_MILLISECONDS);
}

async function refreshJobs() {
  clearTimeout(refreshTimer);
  try {
    await Promise.all([loadOperations("/queue", "queue").then(loadJobs),
      loadOperations("/workers", "workers", "No worker is running: submitted jobs wait in the queue until one starts.")]);
    byId("jobs-updated").textContent = `Updated ${new Date().toLocaleTimeString("en-GB")}`;
  } finally {
    scheduleRefresh();
  }
}

// The queue's counts say how many jobs there are, so only the newest are asked for: a week of
// jobs kept can be 100,000 ids, 4 MB every refresh. Jobs added since the count come too.
async function loadJobs(queue) {
  const filter = byId("jobs-status").value;
  const counts = queue && queue.jobs;
  const total = !counts ? null : filter ? counts[filter] : Object.values(counts).reduce((sum, n) => sum + n, 0);
  const parameters = new URLSearchParams();
  if (filter) parameters.set("status", filter);
  if (Number.isInteger(total)) parameters.set("offset", Math.max(0, total - RECENT_JOBS));
  const query = parameters.toString();
  const answer = await callApi(query ? `/jobs?${query}` : "/jobs");
  if (!answer.ok) {
    byId("jobs-caption").textContent = `The jobs cannot be listed: ${problemText(answer)}`;
    return;
  }
  const ids = answer.body;
  const count = Number.isInteger(total) ? Math.max(total, ids.length) : ids.length;
  const recent = ids.slice(-RECENT_JOBS).reverse();
  const jobs = (await Promise.all(recent.map((id) => callApi(`/jobs/${encodeURIComponent(id)}`))))
    .filter((job) => job.ok).map((job) => job.body);
  const which = filter ? `${filter} ` : "";
  byId("jobs-caption").textContent = count === 0 ? `No ${which}jobs yet.`
    : count > RECENT_JOBS ? `The ${RECENT_JOBS} newest of ${numbers.format(count)} ${which}jobs, newest first.`
      : `${count} ${which}job${count === 1 ? "" : "s"}, newest first.`;
  announceFinishedJobs(jobs);
  const snapshot = JSON.stringify(jobs);
  if (snapshot === lastJobs) return; // unchanged: keep the rows, and the keyboard focus on them
  lastJobs = snapshot;
  renderJobs(jobs);
}

function announceFinishedJobs(jobs) {
  for (const job of jobs) {
    if (watchedJobs.has(job.id) && watchedJobs.get(job.id) !== job.status) {
      watchedJobs.set(job.id, job.status);
      if (FINISHED.has(job.status)) {
        byId("job-form-status").textContent = `Job ${shortId(job.id)} is ${job.status}${job.status === "complete" ? ": its results are in the jobs table." : "."}`;
        watchedJobs.delete(job.id);
      }
    }
  }
}

function renderJobs(jobs) {
  const focused = document.activeElement && document.activeElement.closest("#jobs-rows [data-action]");
  const refocus = focused && `[data-job="${focused.dataset.job}"][data-action="${focused.dataset.action}"]`;
  byId("jobs-rows").replaceChildren(...jobs.map(jobRow));
  if (refocus) {
    const again = byId("jobs-rows").querySelector(refocus);
    if (again) again.focus();
  }
}

function jobRow(job) {
  const label = shortId(job.id);
  const actions = [];
  if (job.status === "complete") {
    actions.push(el("button", {
      type: "button", className: "small", dataset: { job: job.id, action: "results" },
      "aria-label": `Results of job ${label}`, onclick: () => showResults(job),
    }, "Results"));
  }
  if (!FINISHED.has(job.status)) { // queued, or running: its worker stops it
    actions.push(el("button", {
      type: "button", className: "small secondary", dataset: { job: job.id, action: "cancel" },
      "aria-label": `Cancel job ${label}`, onclick: () => cancelJob(job),
    }, "Cancel"));
  }
  return el("tr", { dataset: { jobId: job.id } },
    el("th", { scope: "row" }, el("code", { title: job.id }, label)),
    el("td", {}, statusBadge(job.status), job.error ? el("div", { className: "job-error" }, job.error) : null),
    ...(job.kind === "release_diff" ? [
      el("td", { className: "nowrap" }, `release ${job.from} → ${job.to}`),
      el("td", {}, el("span", { className: "muted" }, "release diff"))] : [
      el("td", { className: "nowrap" }, `${job.start_date} – ${job.end_date}`),
      el("td", {}, job.locus_group || el("span", { className: "muted" }, "all"))]),
    el("td", { className: "nowrap" }, formatTime(job.submitted_at)),
    el("td", { className: "nowrap" }, formatTime(job.started_at)),
    el("td", { className: "nowrap" }, formatTime(job.finished_at)),
    el("td", { className: "number" }, job.attempts),
    el("td", { className: "nowrap" }, actions));
}

async function cancelJob(job) {
  const answer = await callApi(`/jobs/${encodeURIComponent(job.id)}`, { method: "DELETE" });
  byId("job-form-status").textContent = answer.ok ? `Job ${shortId(job.id)} is cancelled.` : problemText(answer);
  refreshJobs();
}

// Shows what `path` answers in `target`; the answer's body (null for a problem, or no such route).
async function loadOperations(path, target, whenEmpty = "None.") {
  if (!operation(path)) return null;
  const answer = await callApi(path);
  const snapshot = JSON.stringify(answer.body);
  const node = byId(target);
  if (node.dataset.snapshot === snapshot) return answer.ok ? answer.body : null;
  node.dataset.snapshot = snapshot;
  const empty = Array.isArray(answer.body) && answer.body.length === 0;
  node.replaceChildren(!answer.ok ? el("p", { className: "form-error" }, problemText(answer))
    : empty ? el("p", { className: "muted" }, whenEmpty) : renderValue(answer.body));
  return answer.ok ? answer.body : null;
}

// -- a job's results ------------------------------------------------------------------------

async function showResults(job) {
  const panel = byId("results-panel");
  const label = shortId(job.id);
  byId("results-heading").textContent = `Results of job ${label}`;
  byId("results-body").replaceChildren();
  byId("results-summary").textContent = "Loading…";
  panel.hidden = false;
  panel.focus();
  panel.scrollIntoView({ block: "start" });
  const answer = await callApi(`/results/${encodeURIComponent(job.id)}`);
  if (!answer.ok) {
    byId("results-summary").textContent = problemText(answer);
    return;
  }
  const results = answer.body;
  if (results.kind === "release_diff") {
    showReleaseDiff(job, results);
    return;
  }
  const scope = results.locus_group ? `in the locus group ${results.locus_group}` : "in all locus groups";
  byId("results-summary").textContent =
    `${numbers.format(results.total)} genes approved from ${results.start_date} to ${results.end_date}, ${scope}.`;
  const plot = el("figure", { className: "plot" },
    el("img", {
      src: `/results/${encodeURIComponent(job.id)}/plot`, id: "results-plot", width: 1000, height: 500,
      alt: `Bar chart of the genes approved per year from ${results.start_date} to ${results.end_date}, stacked by locus group; the table “By year and locus group” holds the same numbers.`,
    }),
    el("figcaption", {}, "Approvals per year, stacked by locus group."));
  byId("results-body").replaceChildren(plot, el("div", { className: "result-tables" },
    el("div", { className: "table-scroll" }, yearTable(results)),
    countTable("By chromosome", "Chromosome", results.by_chromosome, false),
    countTable("By locus type", "Locus type", results.by_locus_type, true)));
}

// A release diff: its counts by kind and their plot; the lists themselves are in the JSON and the TSV.
function showReleaseDiff(job, results) {
  const total = Object.values(results.counts).reduce((sum, count) => sum + count, 0);
  byId("results-summary").textContent =
    `${numbers.format(total)} changes from release ${results.from} to ${results.to}.`;
  const plot = el("figure", { className: "plot" },
    el("img", {
      src: `/results/${encodeURIComponent(job.id)}/plot`, id: "results-plot", width: 1000, height: 500,
      alt: `Bar chart of the changes from release ${results.from} to ${results.to} by kind; the table “Changes by kind” holds the same numbers.`,
    }),
    el("figcaption", {}, "Changes by kind."));
  byId("results-body").replaceChildren(plot, el("div", { className: "result-tables" },
    countTable("Changes by kind", "Kind", results.counts, false, "Changes")));
}

function countTable(title, heading, counts, sortByCount, what = "Genes") {
  const rows = Object.entries(counts || {});
  if (sortByCount) rows.sort((a, b) => b[1] - a[1]);
  return el("table", { className: "data compact" },
    el("caption", {}, title),
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, heading), el("th", { scope: "col", className: "number" }, what))),
    el("tbody", {}, rows.length ? rows.map(([name, count]) => el("tr", {},
      el("th", { scope: "row" }, name), el("td", { className: "number" }, numbers.format(count))))
      : el("tr", {}, el("td", { colspan: 2, className: "muted" }, "None."))));
}

function yearTable(results) {
  const byYear = results.by_year_and_locus_group || {};
  const groups = Object.keys(results.by_locus_group || {});
  const years = Object.keys(byYear).sort();
  const cell = (count) => el("td", { className: "number" }, count ? numbers.format(count) : "–");
  return el("table", { className: "data compact" },
    el("caption", {}, "By year and locus group"),
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Year"),
      groups.map((group) => el("th", { scope: "col", className: "number" }, group)),
      el("th", { scope: "col", className: "number" }, "All"))),
    el("tbody", {}, years.length ? years.map((year) => el("tr", {}, el("th", { scope: "row" }, year),
      groups.map((group) => cell(byYear[year][group])), cell((results.by_year || {})[year])))
      : el("tr", {}, el("td", { colspan: groups.length + 2, className: "muted" }, "No gene was approved in this range."))),
    years.length ? el("tfoot", {}, el("tr", {}, el("th", { scope: "row" }, "All"),
      groups.map((group) => cell(results.by_locus_group[group])), cell(results.total))) : null);
}

// -- the multi-symbol checker ---------------------------------------------------------------

function setUpChecker() {
  byId("check-form").addEventListener("submit", (event) => {
    event.preventDefault();
    checkSymbols();
  });
  byId("check-download").addEventListener("click", () => downloadCheck());
}

function checkRequest(accept) {
  return {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: accept },
    body: JSON.stringify({ symbols: byId("check-symbols").value, case_sensitive: byId("check-case").checked }),
  };
}

async function checkSymbols() {
  show(byId("check-error"), "");
  const status = byId("check-status");
  status.textContent = "Checking…";
  const answer = await callApi("/genes/check", checkRequest("application/json"));
  if (!answer.ok) {
    status.textContent = "";
    show(byId("check-error"), problemText(answer));
    return;
  }
  const rows = answer.body;
  const inputs = new Set(rows.map((row) => row.input)).size;
  const unmatched = rows.filter((row) => row.match_type === "Unmatched").length;
  status.textContent = `${numbers.format(rows.length)} rows for ${numbers.format(inputs)} distinct symbols; `
    + `${numbers.format(unmatched)} unmatched.`;
  const dash = () => el("span", { className: "muted" }, "—");
  byId("check-rows").replaceChildren(...rows.map((row) => el("tr", { dataset: { match: row.match_type } },
    el("td", {}, row.input), el("td", {}, row.match_type), el("td", {}, row.approved_symbol || dash()),
    el("td", {}, row.approved_name || dash()), el("td", {}, row.hgnc_id || dash()), el("td", {}, row.location || dash()),
    el("td", {}, row.replaced_by.length
      ? row.replaced_by.map((r) => (r.symbol ? `${r.hgnc_id} ${r.symbol}` : r.hgnc_id)).join(", ") : dash()))));
  byId("check-table").hidden = false;
  byId("check-download").hidden = false;
}

async function downloadCheck() {
  let response;
  try {
    response = await fetch("/genes/check", checkRequest("text/tab-separated-values"));
  } catch (error) {
    show(byId("check-error"), `The service does not answer (${error.message}).`);
    return;
  }
  if (!response.ok) {
    show(byId("check-error"), `The service answered ${response.status}.`);
    return;
  }
  const link = el("a", { href: URL.createObjectURL(await response.blob()), download: "hgnc-symbol-check.tsv" });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

// -- the service ----------------------------------------------------------------------------

async function loadServiceInfo() {
  if (!operation("/info")) return;
  const answer = await callApi("/info");
  if (!answer.ok) return;
  const box = byId("service-info");
  const count = typeof answer.body.count === "number" ? ` (${numbers.format(answer.body.count)} genes)` : "";
  box.replaceChildren(el("details", {}, el("summary", {}, `About the data${count}`), renderValue(answer.body)));
  box.hidden = false;
}

async function start() {
  const answer = await callApi(document.body.dataset.openapiUrl);
  if (answer.ok && answer.body && answer.body.paths) openapi = answer.body;
  else byId("gene-status").textContent = `The API description cannot be read: ${problemText(answer)}`;
  setUpGeneSearch();
  setUpJobForm();
  setUpChecker();
  setUpJobs();
  loadServiceInfo();
  refreshJobs();
  document.body.dataset.ready = "true"; // the console is wired up (the browser tests wait for it)
}

start();
