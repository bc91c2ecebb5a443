// Alerts: the account's rules with their switch, run count and last firing (refreshed every 5 s while the screen is
// open), a form to create or edit an alert on one channel (a condition, an email and/or an SMS), and each rule's
// history of firings. Everything goes through the rules API (`/cayenne/v1.1/rules`, and the executor paths under
// `/cayenne/v1.0` for switching and logs).
import { api } from "./api.js";
import { el, errorBox, field, reporting, show, when } from "./dom.js";
import { can } from "./session.js";

const OPERATORS = { lt: "below", lte: "at or below", gt: "above", gte: "at or above", eq: "equal to", neq: "not equal to" };
const REFRESH = 5000;

/** `#/alerts`, `#/alerts/new`, `#/alerts/<id>/edit` or `#/alerts/<id>` (its firings). */
export async function alertsScreen(config, [id, action]) {
  if (id === "new") return await formScreen(null);
  if (id && action === "edit") return await formScreen(await api(`/v1.1/rules/${id}`));
  if (id) return await logScreen(await api(`/v1.1/rules/${id}`));
  return await listScreen();
}

async function listScreen() {
  const body = el("tbody");
  const draw = async () => {
    const [rules, things] = await Promise.all([api("/v1.1/rules"), api("/v1.1/things")]);
    const names = thingNames(things);
    body.replaceChildren(...rules.map((rule) => ruleRow(rule, names, draw)));
    if (rules.length === 0) body.append(el("tr", {}, el("td", { colspan: 6, class: "notice" }, "No alerts yet.")));
  };
  await draw();
  show(
    el("h1", {}, "Alerts"),
    can("rules", "add_edit") ? el("p", {}, el("a", { href: "#/alerts/new", class: "button", id: "new-alert" }, "New alert")) : null,
    el("table", { class: "rules" },
      el("thead", {}, el("tr", {}, ["Alert", "When", "On", "Runs", "Last fired", ""].map((name) => el("th", { scope: "col" }, name)))),
      body));
  const timer = setInterval(() => draw().catch(() => {}), REFRESH);
  return () => clearInterval(timer);
}

function ruleRow(rule, names, redraw) {
  const editable = can("rules", "add_edit");
  const toggle = el("input", { type: "checkbox", checked: rule.enabled, disabled: !editable, "aria-label": `${rule.title} on` });
  toggle.addEventListener("change", async () => {
    toggle.disabled = true;
    await api(`/v1.0/rules/${rule.id}/${toggle.checked ? "enable" : "disable"}`, { method: "PUT" }).catch(() => (toggle.checked = !toggle.checked));
    toggle.disabled = false;
  });
  let remove = null;
  if (can("rules", "delete")) {
    remove = el("button", { type: "button", class: "link" }, "Delete");
    remove.addEventListener("click", async () => {
      if (!confirm(`Delete the alert "${rule.title}"?`)) return;
      await api(`/v1.1/rules/${rule.id}`, { method: "DELETE" });
      await redraw();
    });
  }
  return el("tr", { dataset: { ruleId: rule.id } },
    el("td", {}, el("a", { href: `#/alerts/${rule.id}` }, rule.title)),
    el("td", {}, describe(rule, names)),
    el("td", {}, toggle),
    el("td", { class: "runs" }, String(rule.run_count ?? 0)),
    el("td", {}, when(rule.last_fired)),
    el("td", {}, editable ? el("a", { href: `#/alerts/${rule.id}/edit` }, "Edit") : null, " ", remove));
}

function describe(rule, names) {
  return (rule.triggers || []).map((trigger) => {
    const condition = (trigger.conditions || [])[0] || {};
    return `${names.get(trigger.id) || "a thing"} channel ${trigger.channel} ${OPERATORS[condition.operator] || condition.operator || ""} ${condition.value ?? ""}`;
  }).join(rule.triggers_condition === "OR" ? " or " : " and ");
}

function thingNames(things) {
  const names = new Map();
  for (const thing of things) {
    names.set(thing.id, thing.name);
    for (const child of thing.children || []) names.set(child.id, `${thing.name}`);
  }
  return names;
}

async function formScreen(rule) {
  const things = (await api("/v1.1/things")).filter((thing) => !thing.parent_id);
  if (things.length === 0) return show(el("h1", {}, "New alert"), errorBox("Add a thing first: an alert watches one of its channels."));
  const trigger = rule?.triggers?.[0] || {};
  const condition = trigger.conditions?.[0] || {};
  const email = rule?.notifications?.find((item) => item.method === "email")?.value || "";
  const sms = rule?.notifications?.find((item) => item.method === "sms")?.value || "";
  const title = el("input", { name: "title", required: true, maxlength: 200, value: rule?.title || "" });
  const thing = el("select", { name: "thing", required: true },
    things.map((item) => el("option", { value: item.id, selected: item.id === trigger.id }, item.name)));
  const channel = el("select", { name: "channel", required: true });
  const operator = el("select", { name: "operator" },
    Object.entries(OPERATORS).map(([key, text]) => el("option", { value: key, selected: key === (condition.operator || "gt") }, text)));
  const value = el("input", { name: "value", required: true, inputmode: "decimal", value: condition.value ?? "" });
  const emailInput = el("input", { name: "email", type: "email", value: email, autocomplete: "email" });
  const smsInput = el("input", { name: "sms", type: "tel", value: sms, placeholder: "+31612345678" });
  const failure = el("div");
  const fillChannels = async () => {
    const state = (await api(`/devices/${thing.value}/state`)) || [];
    channel.replaceChildren(...state.map((item) => el("option", { value: String(item.channel), selected: String(item.channel) === String(trigger.channel) },
      `${item.channel} (${item.type || "reading"}${item.unit ? `, ${item.unit}` : ""})`)));
    if (state.length === 0) channel.append(el("option", { value: "" }, "no channels yet"));
  };
  thing.addEventListener("change", fillChannels);
  await fillChannels();
  const form = el("form", { class: "alert-form" },
    field("Name", title), field("Thing", thing), field("Channel", channel),
    el("div", { class: "condition" }, field("Fires when the value is", operator), field("Value", value)),
    field("Email", emailInput), field("SMS", smsInput),
    failure,
    el("p", {}, el("button", { type: "submit", class: "primary" }, rule ? "Save" : "Create alert"), " ", el("a", { href: "#/alerts" }, "Cancel")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const notifications = [];
    if (emailInput.value) notifications.push({ method: "email", value: emailInput.value });
    if (smsInput.value) notifications.push({ method: "sms", value: smsInput.value });
    const body = {
      title: title.value, triggers: [{ id: thing.value, channel: channel.value, conditions: [{ operator: operator.value, value: value.value }] }],
      notifications,
    };
    await reporting(failure, async () => {
      await api(rule ? `/v1.1/rules/${rule.id}` : "/v1.1/rules", { method: rule ? "PUT" : "POST", body });
      location.hash = "#/alerts";
    });
  });
  show(el("h1", {}, rule ? `Edit "${rule.title}"` : "New alert"), form);
}

async function logScreen(rule) {
  const logs = await api(`/v1.0/rules/${rule.id}/logs`);
  show(
    el("h1", {}, rule.title),
    el("p", {}, `Fired ${rule.run_count ?? 0} times; last ${when(rule.last_fired)}. `, el("a", { href: "#/alerts" }, "All alerts")),
    logs.length === 0 ? el("p", { class: "notice" }, "It has not fired yet.")
      : el("table", { class: "rules" },
        el("thead", {}, el("tr", {}, ["When", "Value", "What it did"].map((name) => el("th", { scope: "col" }, name)))),
        el("tbody", {}, logs.map((log) => el("tr", {},
          el("td", {}, when(log.created_at)),
          el("td", {}, log.trigger?.value ?? ""),
          el("td", {}, (log.results || []).map((result) => `${result.type} ${result.target}: ${result.status}`).join("; ")))))));
}
