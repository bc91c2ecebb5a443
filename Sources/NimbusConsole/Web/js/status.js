// Status: every thing of the account with the latest value of each of its channels, kept current by the stream
// without reloading; actuator channels get a control that sends a command (`actuators.js`), and each channel links
// to its history (`history.js`). Values come from the
// history service (`GET /cayenne/devices/state?devices=…`, 100 things a call) and then from each `data-changed`
// event.
import { api, perThings } from "./api.js";
import { actuatorControl, CommandTracker, isActuator, updateControl } from "./actuators.js";
import { el, show, when } from "./dom.js";
import { can } from "./session.js";
import { openStream } from "./stream.js";

/** Shows the screen; returns what stops its live updates when another screen takes its place. */
export async function statusScreen(config) {
  const [all, dataTypes] = await Promise.all([api("/v1.1/things"), api("/v1.1/ui/datatypes")]);
  const things = all.filter((thing) => !thing.parent_id);
  const labels = unitLabels(dataTypes);
  const states = new Map((await perThings("/devices/state", things)).map((entry) => [entry.thing_id, entry.state]));
  const commands = new CommandTracker();
  const cards = new Map();
  const live = el("p", { class: "notice", id: "live-state", "aria-live": "polite" }, "Connecting to live updates…");
  const content = things.length
    ? el("div", { class: "things" }, things.map((thing) => card(thing, states.get(thing.id) || [], cards, commands, labels)))
    : el("p", { class: "notice" }, "No things yet: add one with the Cayenne API or a device library.");
  show(el("h1", {}, "Status"), live, content);
  const stream = openStream(config.stream, {
    onState(state) {
      live.dataset.state = state;
      live.textContent = state === "live" ? "Live: values update as they arrive." : "Reconnecting to live updates…";
    },
    onEvent(name, payload) {
      if (name === "data-changed") changed(cards.get(payload.thingId), payload);
      else if (name === "command-status") commands.reported(payload);
    },
  });
  return () => stream.close();
}

/** The label of each data type's unit (`temp` `c` → "Celsius"), as the stream's `data-changed` events name them. */
function unitLabels(dataTypes) {
  const labels = new Map();
  for (const type of dataTypes || []) {
    for (const unit of type.units || []) labels.set(`${type.payload_type}/${unit.payload_unit}`, unit.unit_label);
  }
  return labels;
}

function card(thing, state, cards, commands, labels) {
  const entry = { thingId: thing.id, commands, body: el("tbody"), rows: new Map(), seen: el("p", { class: "seen" }, `Last seen ${when(thing.last_online)}`) };
  for (const channel of state) {
    setRow(entry, {
      channel: String(channel.channel), sensorId: channel.sensor_id, value: channel.value, type: channel.type,
      unit: labels.get(`${channel.type}/${channel.unit}`) || channel.unit,
      timestamp: channel.timestamp,
    });
  }
  cards.set(thing.id, entry);
  return el("section", { class: "thing", "aria-label": thing.name, dataset: { thingId: thing.id } },
    el("h2", {}, el("span", {}, thing.name), el("span", { class: thing.online ? "online" : "offline" }, thing.online ? "online" : "offline")),
    entry.seen,
    el("table", {},
      el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Channel"), el("th", { scope: "col" }, "Value"),
        el("th", { scope: "col" }, "Unit"), el("th", { scope: "col" }, "Updated"))),
      entry.body));
}

function changed(entry, payload) {
  if (!entry) return; // a thing added since the screen was drawn shows on the next visit
  setRow(entry, {
    channel: String(payload.channel), sensorId: payload.sensorId, value: payload.value.value, type: payload.type,
    unit: payload.value.label || payload.unit, timestamp: payload.timestamp, highlight: true,
  });
  entry.seen.textContent = `Last seen ${when(payload.timestamp)}`;
}

function setRow(entry, { channel, sensorId, value, type, unit, timestamp, highlight = false }) {
  let row = entry.rows.get(channel);
  if (!row) {
    const reading = el("span", { class: "reading" });
    // Commands need `devices: add_edit`; a person without it sees the state only.
    const control = isActuator(type) && can("devices", "add_edit") ? actuatorControl(type, entry.thingId, channel, value, entry.commands) : null;
    const history = el("a", { href: `#/history/${entry.thingId}/${sensorId}/${encodeURIComponent(channel)}`, title: `History of channel ${channel}` }, channel);
    row = el("tr", { dataset: { channel } },
      el("td", {}, history), el("td", { class: "value" }, reading, control), el("td", { class: "unit" }), el("td", { class: "updated" }));
    row.reading = reading;
    row.control = control;
    entry.rows.set(channel, row);
    entry.body.append(row);
  }
  const [, valueCell, unitCell, updatedCell] = row.children;
  row.reading.textContent = Array.isArray(value) ? value.join(", ") : String(value);
  if (row.control) updateControl(row.control, type, value);
  unitCell.textContent = unit || "";
  updatedCell.textContent = when(timestamp);
  if (highlight) {
    valueCell.classList.remove("changed");
    void valueCell.offsetWidth; // restart the animation
    valueCell.classList.add("changed");
  }
}
