// A small hand-written SVG line chart: one point per reading or bucket, a line through them, and for buckets the
// range from their minimum to their maximum. Axis labels give the lowest and highest value and the range's ends.
const NS = "http://www.w3.org/2000/svg";
const WIDTH = 640, HEIGHT = 240, LEFT = 56, RIGHT = 12, TOP = 12, BOTTOM = 28;

function svg(name, attributes = {}, text) {
  const node = document.createElementNS(NS, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** `points`: [{time: Date, value: number, min?: number, max?: number}], any order; `from` and `to` the range. */
export function lineChart(points, { from, to, label }) {
  const chart = svg("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: "chart", role: "img", "aria-label": label });
  const sorted = [...points].sort((a, b) => a.time - b.time);
  if (sorted.length === 0) {
    chart.append(svg("text", { x: WIDTH / 2, y: HEIGHT / 2, "text-anchor": "middle", class: "empty" }, "No readings in this range"));
    return chart;
  }
  const lows = sorted.map((point) => point.min ?? point.value), highs = sorted.map((point) => point.max ?? point.value);
  let low = Math.min(...lows), high = Math.max(...highs);
  if (low === high) { low -= 1; high += 1; }
  const start = from.getTime(), span = Math.max(1, to.getTime() - start);
  const x = (time) => LEFT + ((time.getTime() - start) / span) * (WIDTH - LEFT - RIGHT);
  const y = (value) => TOP + (1 - (value - low) / (high - low)) * (HEIGHT - TOP - BOTTOM);
  chart.append(
    svg("line", { x1: LEFT, y1: HEIGHT - BOTTOM, x2: WIDTH - RIGHT, y2: HEIGHT - BOTTOM, class: "axis" }),
    svg("line", { x1: LEFT, y1: TOP, x2: LEFT, y2: HEIGHT - BOTTOM, class: "axis" }),
    svg("text", { x: LEFT - 6, y: y(high) + 4, "text-anchor": "end", class: "tick" }, format(high)),
    svg("text", { x: LEFT - 6, y: y(low) + 4, "text-anchor": "end", class: "tick" }, format(low)),
    svg("text", { x: LEFT, y: HEIGHT - 8, class: "tick" }, from.toLocaleString()),
    svg("text", { x: WIDTH - RIGHT, y: HEIGHT - 8, "text-anchor": "end", class: "tick" }, to.toLocaleString()));
  for (const point of sorted) {
    if (point.min !== undefined && point.max !== undefined && point.min !== point.max) {
      chart.append(svg("line", { x1: x(point.time), y1: y(point.min), x2: x(point.time), y2: y(point.max), class: "range" }));
    }
  }
  chart.append(svg("polyline", { points: sorted.map((point) => `${x(point.time)},${y(point.value)}`).join(" "), class: "line" }));
  for (const point of sorted) {
    const dot = svg("circle", { cx: x(point.time), cy: y(point.value), r: 3, class: "point" });
    dot.append(svg("title", {}, `${point.time.toLocaleString()}: ${format(point.value)}`));
    chart.append(dot);
  }
  return chart;
}

function format(value) {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}
