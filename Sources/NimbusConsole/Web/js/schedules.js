// Schedules: the account's scheduled jobs (`/cayenne/v1.1/jobs`) with their switch, run count, next and last run
// (refreshed every 5 s while shown), a form to create or edit one (a command to a thing's channel and/or an email,
// once or every N minutes, hours, days, months or years from a start in the person's own time zone), and each job's
// runs.
import { api } from "./api.js";
import { el, field, reporting, show, when } from "./dom.js";
import { can } from "./session.js";

const UNITS = ["minute", "hour", "day", "month", "year"];
const REFRESH = 5000;

/** `#/schedules`, `#/schedules/new`, `#/schedules/<id>/edit` or `#/schedules/<id>` (its runs). */
export async function schedulesScreen(config, [id, action]) {
  if (id === "new") return await formScreen(null);
  if (id && action === "edit") return await formScreen(await api(`/v1.1/jobs/${id}`));
  if (id) return await runsScreen(await api(`/v1.1/jobs/${id}`));
  const body = el("tbody");
  const draw = async () => {
    const jobs = await api("/v1.1/jobs");
    body.replaceChildren(...jobs.map((job) => jobRow(job, draw)));
    if (jobs.length === 0) body.append(el("tr", {}, el("td", { colspan: 7, class: "notice" }, "No schedules yet.")));
  };
  await draw();
  show(el("h1", {}, "Schedules"),
    can("jobs", "add_edit") ? el("p", {}, el("a", { href: "#/schedules/new", class: "button", id: "new-schedule" }, "New schedule")) : null,
    el("table", { class: "rules" },
      el("thead", {}, el("tr", {}, ["Schedule", "When", "On", "Runs", "Next run", "Last run", ""].map((name) => el("th", { scope: "col" }, name)))),
      body));
  const timer = setInterval(() => draw().catch(() => {}), REFRESH);
  return () => clearInterval(timer);
}

function describe(job) {
  const config = job.config || {};
  if (config.type === "date") return `once, ${when(job.next_runtime || config.start_date)}`;
  return `every ${config.interval} ${config.unit}${config.interval === 1 ? "" : "s"}${config.tz ? ` (${config.tz})` : ""}`;
}

function jobRow(job, redraw) {
  const editable = can("jobs", "add_edit");
  const toggle = el("input", { type: "checkbox", checked: job.active, disabled: !editable, "aria-label": `${job.title} on` });
  toggle.addEventListener("change", async () => {
    toggle.disabled = true;
    await api(`/v1.1/jobs/${job.id}/${toggle.checked ? "active" : "inactive"}`, { method: "PUT" }).catch(() => (toggle.checked = !toggle.checked));
    await redraw();
  });
  let remove = null;
  if (can("jobs", "delete")) {
    remove = el("button", { type: "button", class: "link" }, "Delete");
    remove.addEventListener("click", async () => {
      if (!confirm(`Delete the schedule "${job.title}"?`)) return;
      await api(`/v1.1/jobs/${job.id}`, { method: "DELETE" });
      await redraw();
    });
  }
  return el("tr", { dataset: { jobId: job.id } },
    el("td", {}, el("a", { href: `#/schedules/${job.id}` }, job.title)), el("td", {}, describe(job)), el("td", {}, toggle),
    el("td", { class: "runs" }, String(job.run_count ?? 0)), el("td", { class: "next" }, when(job.next_runtime)), el("td", {}, when(job.last_run)),
    el("td", {}, editable ? el("a", { href: `#/schedules/${job.id}/edit` }, "Edit") : null, " ", remove));
}

/** `2026-12-05T14:30` in the browser's zone, as the jobs API's UTC `2026-12-05 13:30`. */
function utc(local) {
  return new Date(local).toISOString().slice(0, 16).replace("T", " ");
}

function local(utcText) {
  const date = utcText ? new Date(utcText.replace(" ", "T") + (utcText.endsWith("Z") ? "" : "Z")) : new Date(Date.now() + 3_600_000);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

async function formScreen(job) {
  const things = (await api("/v1.1/things")).filter((thing) => !thing.parent_id);
  const action = job?.actions?.[0] || {};
  const config = job?.config || { type: "interval", interval: 1, unit: "day" };
  const title = el("input", { name: "title", required: true, maxlength: 200, value: job?.title || "" });
  const thing = el("select", { name: "thing" }, el("option", { value: "" }, "(no command)"),
    things.map((item) => el("option", { value: item.id, selected: item.id === (action.thing_id || action.id) }, item.name)));
  const channel = el("input", { name: "channel", value: action.channel ?? "", inputmode: "numeric" });
  const value = el("input", { name: "value", value: action.value ?? "" });
  const email = el("input", { name: "email", type: "email", value: job?.notifications?.find((item) => item.method === "email")?.value || "" });
  const type = el("select", { name: "type" }, ["interval", "date"].map((name) =>
    el("option", { value: name, selected: name === config.type }, name === "date" ? "once" : "repeating")));
  const interval = el("input", { name: "interval", type: "number", min: 1, max: 10000, value: config.interval ?? 1 });
  const unit = el("select", { name: "unit" }, UNITS.map((name) => el("option", { value: name, selected: name === config.unit }, `${name}s`)));
  const start = el("input", { name: "start", type: "datetime-local", required: true, value: local(config.start_date) });
  const failure = el("div");
  const form = el("form", { class: "alert-form", id: "schedule-form" },
    field("Name", title),
    el("div", { class: "condition" }, field("Runs", type), field("Starting", start)),
    el("div", { class: "condition" }, field("Every", interval), field("Unit", unit)),
    field("Command: thing", thing), el("div", { class: "condition" }, field("Channel", channel), field("Value", value)),
    field("Email", email), failure,
    el("p", {}, el("button", { type: "submit", class: "primary" }, job ? "Save" : "Create schedule"), " ", el("a", { href: "#/schedules" }, "Cancel")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {
      title: title.value,
      config: { type: type.value, start_date: utc(start.value), tz: Intl.DateTimeFormat().resolvedOptions().timeZone,
        ...(type.value === "interval" ? { interval: Number(interval.value), unit: unit.value } : {}) },
      actions: thing.value ? [{ thing_id: thing.value, channel: channel.value, value: value.value }] : [],
      notifications: email.value ? [{ method: "email", value: email.value }] : [],
    };
    await reporting(failure, async () => {
      await api(job ? `/v1.1/jobs/${job.id}` : "/v1.1/jobs", { method: job ? "PUT" : "POST", body });
      location.hash = "#/schedules";
    });
  });
  show(el("h1", {}, job ? `Edit "${job.title}"` : "New schedule"), form);
}

async function runsScreen(job) {
  const runs = await api(`/v1.1/jobs/${job.id}/runs`);
  show(el("h1", {}, job.title),
    el("p", {}, `${describe(job)}; ran ${job.run_count ?? 0} times; next ${when(job.next_runtime)}. `, el("a", { href: "#/schedules" }, "All schedules")),
    runs.length === 0 ? el("p", { class: "notice" }, "It has not run yet.")
      : el("table", { class: "rules" },
        el("thead", {}, el("tr", {}, ["When", "What it did"].map((name) => el("th", { scope: "col" }, name)))),
        el("tbody", {}, runs.map((run) => el("tr", {}, el("td", {}, when(run.created_at)),
          el("td", {}, (run.results || []).map((result) => `${result.type} ${result.target}: ${result.status}`).join("; ")))))));
}
