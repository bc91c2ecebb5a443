// Map: the account's things at their last location (`GET /cayenne/devices/map-state`), one's track over a range
// (`GET /cayenne/devices/{id}/locations`), and the readings a point's time brought (`GET /cayenne/devices/{id}/readings`
// around it). Drawn in hand-written SVG in Web Mercator; with a tile template (`console-tile-url`) the map's tiles lie
// underneath, without one the tracks draw on a plain background with a graticule.
import { api, perThings } from "./api.js";
import { el, rangeLinks, show, when } from "./dom.js";

const NS = "http://www.w3.org/2000/svg";
const WIDTH = 800, HEIGHT = 480, TILE = 256;
const RANGES = { hour: 3_600_000, day: 86_400_000, week: 604_800_000 };

/** `#/map`, or `#/map/<thing>?range=day` with that thing's track. */
export async function mapScreen(config, [thingId], query) {
  const things = (await api("/v1.1/things")).filter((thing) => !thing.parent_id);
  const names = new Map(things.map((thing) => [thing.id, thing.name]));
  const places = await perThings("/devices/map-state", things);
  const range = RANGES[query.get("range")] ? query.get("range") : "day";
  const to = new Date(), from = new Date(to.getTime() - RANGES[range]);
  const track = thingId
    ? (await api(`/devices/${thingId}/locations?startDate=${from.getTime()}&endDate=${to.getTime()}&limit=1000`)).items
    : [];
  const details = el("div", { id: "point-readings" });
  const picture = drawMap(config, places, names, track, thingId, details);
  show(
    el("h1", {}, thingId ? `Map · ${names.get(thingId) || "thing"}` : "Map"),
    thingId ? el("nav", { class: "ranges", "aria-label": "Range" }, rangeLinks(`#/map/${thingId}`, Object.keys(RANGES), range)) : null,
    el("p", { class: "notice" }, places.length === 0 ? "No thing has reported a location yet."
      : thingId ? `${track.length} points from ${when(from)} to ${when(to)}. Choose one to see what was read then.`
        : "Choose a thing to see its track."),
    picture, details);
}


function svg(name, attributes = {}, text) {
  const node = document.createElementNS(NS, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** World pixels at zoom 0 (Web Mercator, 256 pixels around the world). */
function project(geo) {
  const sin = Math.sin((Math.max(-85, Math.min(85, geo.lat)) * Math.PI) / 180);
  return { x: ((geo.lon + 180) / 360) * TILE, y: (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * TILE };
}

function drawMap(config, places, names, track, thingId, details) {
  const map = svg("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: "map", role: "img", "aria-label": "Map of the things" });
  const points = [...places.map((place) => project(place.geo)), ...track.map((point) => project(point.geo))];
  if (points.length === 0) {
    map.append(svg("rect", { width: WIDTH, height: HEIGHT, class: "sea" }));
    return map;
  }
  const xs = points.map((point) => point.x), ys = points.map((point) => point.y);
  const span = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys), 1e-6);
  const zoom = Math.max(1, Math.min(17, Math.floor(Math.log2(Math.min(WIDTH, HEIGHT) * 0.7 / span))));
  const scale = 2 ** zoom;
  const center = { x: ((Math.min(...xs) + Math.max(...xs)) / 2) * scale, y: ((Math.min(...ys) + Math.max(...ys)) / 2) * scale };
  const origin = { x: center.x - WIDTH / 2, y: center.y - HEIGHT / 2 };
  const place = (geo) => { const p = project(geo); return { x: p.x * scale - origin.x, y: p.y * scale - origin.y }; };
  map.append(svg("rect", { width: WIDTH, height: HEIGHT, class: "sea" }));
  if (config.tileUrl) {
    for (let tx = Math.floor(origin.x / TILE); tx * TILE < origin.x + WIDTH; tx++) {
      for (let ty = Math.max(0, Math.floor(origin.y / TILE)); ty * TILE < origin.y + HEIGHT && ty < scale; ty++) {
        const wrapped = ((tx % scale) + scale) % scale;
        const href = config.tileUrl.replace("{z}", zoom).replace("{x}", wrapped).replace("{y}", ty);
        map.append(svg("image", { href, x: tx * TILE - origin.x, y: ty * TILE - origin.y, width: TILE, height: TILE, class: "tile" }));
      }
    }
  } else {
    for (let gx = Math.floor(origin.x / 64) * 64; gx < origin.x + WIDTH; gx += 64) {
      map.append(svg("line", { x1: gx - origin.x, y1: 0, x2: gx - origin.x, y2: HEIGHT, class: "grid" }));
    }
    for (let gy = Math.floor(origin.y / 64) * 64; gy < origin.y + HEIGHT; gy += 64) {
      map.append(svg("line", { x1: 0, y1: gy - origin.y, x2: WIDTH, y2: gy - origin.y, class: "grid" }));
    }
  }
  // The markers under the track: the newest fix of a track lies where its thing's marker is, and must stay clickable.
  for (const thing of places) {
    const p = place(thing.geo);
    const link = svg("a", { href: `#/map/${thing.thing_id}`, class: "marker", "data-thing-id": thing.thing_id });
    link.append(svg("circle", { cx: p.x, cy: p.y, r: 8 }), svg("text", { x: p.x + 11, y: p.y + 4 }, names.get(thing.thing_id) || "thing"));
    map.append(link);
  }
  if (track.length > 0) {
    map.append(svg("polyline", { points: track.map((point) => { const p = place(point.geo); return `${p.x},${p.y}`; }).join(" "), class: "track" }));
    for (const point of track) {
      const p = place(point.geo);
      const dot = svg("circle", { cx: p.x, cy: p.y, r: 5, class: "track-point", tabindex: 0, role: "button", "data-time": point.timestamp });
      dot.append(svg("title", {}, when(point.timestamp)));
      const open = () => showReadings(thingId, point, details);
      dot.addEventListener("click", open);
      dot.addEventListener("keydown", (event) => { if (event.key === "Enter" || event.key === " ") { event.preventDefault(); open(); } });
      map.append(dot);
    }
  }
  return map;
}

async function showReadings(thingId, point, details) {
  const time = new Date(point.timestamp).getTime();
  const page = await api(`/devices/${thingId}/readings?startDate=${time - 30_000}&endDate=${time + 30_000}&limit=50`);
  details.replaceChildren(
    el("h2", {}, `Read around ${when(point.timestamp)}`),
    el("p", {}, `At ${point.geo.lat.toFixed(5)}, ${point.geo.lon.toFixed(5)}`),
    el("table", { class: "history" },
      el("thead", {}, el("tr", {}, ["Time", "Channel", "Value", "Unit"].map((name) => el("th", { scope: "col" }, name)))),
      el("tbody", {}, page.items.map((item) => el("tr", {},
        el("td", {}, when(item.timestamp)), el("td", {}, String(item.channel)),
        el("td", { class: "value" }, Array.isArray(item.value) ? item.value.join(", ") : String(item.value)), el("td", {}, item.unit || ""))))));
}
