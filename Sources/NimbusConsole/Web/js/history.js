// Device history: one channel's readings over a range (the last hour, day, week or month, or dates chosen), drawn as
// a chart and listed as a table. The summaries API answers a range with at most `POINTS` points: the readings
// themselves, or buckets (average, minimum, maximum, count) of the size it picks for longer ranges. The thing's
// readings over the same range download as CSV (`/cayenne/devices/{id}/readings/export`).
import { api, apiBlob } from "./api.js";
import { lineChart } from "./chart.js";
import { el, rangeLinks, show, when } from "./dom.js";

const RANGES = { hour: 3_600_000, day: 86_400_000, week: 604_800_000, month: 2_592_000_000 };
const POINTS = 300;

/** `#/history/<thing>/<sensor>/<channel>?range=day` or `?from=…&to=…` (local date and time). */
export async function historyScreen(config, [thingId, sensorId, channel], query) {
  if (!thingId || !sensorId || !channel) throw new Error("Choose a channel on the status screen to see its history.");
  const base = `#/history/${thingId}/${sensorId}/${encodeURIComponent(channel)}`;
  const range = rangeOf(query);
  const [thing, summaries] = await Promise.all([
    api(`/v1.1/things/${thingId}`),
    api(`/v1.1/telemetry/${thingId}/sensors/${sensorId}/summaries?type=custom&startDate=${range.from.getTime()}&endDate=${range.to.getTime()}&points=${POINTS}`),
  ]);
  const numeric = summaries.filter((item) => typeof item.v === "number");
  const buckets = summaries.some((item) => item.count !== undefined);
  const points = numeric.map((item) => ({ time: new Date(item.ts), value: item.v, min: item.min, max: item.max }));
  const download = el("button", { type: "button", id: "download-csv" }, "Download CSV");
  download.addEventListener("click", () => downloadCSV(thing, range, download));
  show(
    el("h1", {}, `${thing.name} · channel ${channel}`),
    rangePicker(base, range),
    el("p", { class: "notice", id: "history-summary" },
      summaries.length === 0 ? "No readings in this range."
        : buckets ? `${summaries.length} buckets (average, with minimum and maximum) from ${when(range.from)} to ${when(range.to)}.`
          : `${summaries.length} readings from ${when(range.from)} to ${when(range.to)}.`),
    lineChart(points, { from: range.from, to: range.to, label: `Channel ${channel} from ${when(range.from)} to ${when(range.to)}` }),
    el("p", {}, download),
    table(summaries, buckets));
}

function rangeOf(query) {
  const from = query.get("from") && new Date(query.get("from"));
  const to = query.get("to") && new Date(query.get("to"));
  if (from && to && !Number.isNaN(from.getTime()) && !Number.isNaN(to.getTime()) && from < to) return { name: "custom", from, to };
  const name = RANGES[query.get("range")] ? query.get("range") : "day";
  const end = new Date();
  return { name, from: new Date(end.getTime() - RANGES[name]), to: end };
}

function rangePicker(base, range) {
  const links = rangeLinks(base, Object.keys(RANGES), range.name);
  const local = (date) => new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  const fromInput = el("input", { type: "datetime-local", name: "from", value: local(range.from), required: true });
  const toInput = el("input", { type: "datetime-local", name: "to", value: local(range.to), required: true });
  const form = el("form", { class: "custom-range" },
    el("label", {}, "From ", fromInput), el("label", {}, "To ", toInput), el("button", { type: "submit" }, "Show"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = `${base}?${new URLSearchParams({ from: fromInput.value, to: toInput.value })}`;
  });
  return el("nav", { class: "ranges", "aria-label": "Range" }, ...links, form);
}

function table(summaries, buckets) {
  const head = ["Time", buckets ? "Average" : "Value", ...(buckets ? ["Minimum", "Maximum", "Readings"] : [])];
  return el("table", { class: "history" },
    el("thead", {}, el("tr", {}, head.map((name) => el("th", { scope: "col" }, name)))),
    el("tbody", {}, summaries.map((item) => el("tr", {},
      el("td", {}, when(item.ts)), el("td", { class: "value" }, Array.isArray(item.v) ? item.v.join(", ") : String(item.v)),
      ...(buckets ? [el("td", {}, item.min ?? ""), el("td", {}, item.max ?? ""), el("td", {}, item.count ?? "")] : [])))));
}

async function downloadCSV(thing, range, button) {
  button.disabled = true;
  try {
    const blob = await apiBlob(`/devices/${thing.id}/readings/export?startDate=${range.from.getTime()}&endDate=${range.to.getTime()}`);
    const link = el("a", { href: URL.createObjectURL(blob), download: `${thing.name.replace(/[^\w.-]+/g, "_")}-readings.csv`, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
  } finally {
    button.disabled = false;
  }
}
