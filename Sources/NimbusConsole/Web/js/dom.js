// Small helpers to build the screens from data without HTML strings: text is always set as text, never parsed.

/** `el("td", { class: "value" }, "21.5")`: an element with attributes and children (nodes or text). */
export function el(name, attributes = {}, ...children) {
  const node = document.createElement(name);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** A date as the person's locale writes it, or "never". */
export function when(text) {
  if (!text) return "never";
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? "never" : date.toLocaleString();
}

/** Replaces what `main` shows. */
export function show(...nodes) {
  const main = document.getElementById("main");
  main.replaceChildren(...nodes);
}

export function errorBox(message) {
  return el("p", { class: "error", role: "alert" }, message);
}

/** Runs `action` (a call to the server and what follows it) and shows its error, if it fails, in `box`: how every
 * form and button of the console reports a refusal, in the server's own words. */
export async function reporting(box, action) {
  try {
    await action();
  } catch (error) {
    box.replaceChildren(errorBox(error.message));
  }
}

/** "Last hour", "Last day", …: a link to `base?range=<name>` for each name, the current one marked. */
export function rangeLinks(base, names, current) {
  return names.map((name) => el("a", { href: `${base}?range=${name}`, class: "range-link", "aria-current": name === current ? "page" : null,
    dataset: { range: name } }, `Last ${name}`));
}

/** A form field: its label above the input. */
export function field(label, input) {
  return el("label", { class: "field" }, el("span", {}, label), input);
}
