// Actuators on the status screen: a digital channel gets an on/off button, an analog one a slider with a Set button.
// Each sends a command (`POST /cayenne/v1.1/things/{id}/cmd`) and shows its status as the stream reports it:
// pending, then ok, error (with the device's message) or timed out.
import { api } from "./api.js";
import { el } from "./dom.js";

const ACTUATORS = new Set(["digital_actuator", "analog_actuator"]);

export function isActuator(type) {
  return ACTUATORS.has(type);
}

/** Follows commands by id: the stream may report a command's outcome before its POST has answered. */
export class CommandTracker {
  constructor() {
    this.waiting = new Map(); // id → the status element
    this.early = new Map(); // id → a status reported before the POST answered
  }

  /** A `command-status` event of the stream. */
  reported(payload) {
    const target = this.waiting.get(payload.id);
    if (target) showStatus(target, payload);
    else this.early.set(payload.id, payload);
  }

  async send(thingId, channel, value, target) {
    showStatus(target, { status: "sending" });
    try {
      const command = await api(`/v1.1/things/${thingId}/cmd`, { method: "POST", body: { channel, value: String(value) } });
      this.waiting.set(command.id, target);
      showStatus(target, this.early.get(command.id) || command);
      this.early.delete(command.id);
    } catch (error) {
      showStatus(target, { status: "error", message: error.message });
    }
  }
}

function showStatus(target, { status, message }) {
  target.dataset.status = status;
  target.textContent = status === "error" && message ? `error: ${message}` : status.replace("_", " ");
}

/** The control of an actuator channel, for a value shown as `current`. */
export function actuatorControl(type, thingId, channel, current, commands) {
  const status = el("span", { class: "command-status", "aria-live": "polite" });
  if (type === "digital_actuator") {
    const on = Number(current) === 1;
    const button = el("button", { type: "button", class: "toggle", "aria-pressed": on ? "true" : "false" }, on ? "Turn off" : "Turn on");
    button.addEventListener("click", () => commands.send(thingId, channel, button.getAttribute("aria-pressed") === "true" ? 0 : 1, status));
    return el("span", { class: "control" }, button, status);
  }
  const slider = el("input", { type: "range", min: 0, max: 100, step: 1, value: Number(current) || 0, "aria-label": `Value for channel ${channel}` });
  const set = el("button", { type: "button", class: "set" }, "Set");
  set.addEventListener("click", () => commands.send(thingId, channel, slider.value, status));
  return el("span", { class: "control" }, slider, set, status);
}

/** Shows a new value on an existing control (the device reports its state after a command). */
export function updateControl(control, type, value) {
  if (type === "digital_actuator") {
    const button = control.querySelector("button.toggle");
    const on = Number(value) === 1;
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.textContent = on ? "Turn off" : "Turn on";
  } else {
    control.querySelector("input[type=range]").value = Number(value) || 0;
  }
}
