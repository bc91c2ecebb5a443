// Devices: adding a device the Cayenne way (a thing, then the account's MQTT credentials and the thing's id as the
// client id, with a snippet for the Python and Arduino libraries), pairing a provisioned device by its hardware id
// (`POST /cayenne/v1.1/things/pair`), and provisioning hardware ids from a CSV file with a result for each row
// (`POST /cayenne/v1.1/things/registry/csv`). Each needs `devices: add_edit`.
import { api, apiForm } from "./api.js";
import { el, field, reporting, show } from "./dom.js";
import { can } from "./session.js";

export async function devicesScreen(config) {
  if (!can("devices", "add_edit")) {
    return show(el("h1", {}, "Devices"), el("p", { class: "notice" }, "Your role does not let you add or pair devices."));
  }
  show(el("h1", {}, "Devices"), addSection(config), pairSection(), importSection());
}

function addSection(config) {
  const name = el("input", { name: "name", required: true, maxlength: 128, autocomplete: "off" });
  const result = el("div", { id: "new-device" });
  const form = el("form", { class: "alert-form", id: "add-device" },
    el("h2", {}, "Add a device"),
    el("p", { class: "notice" }, "For a device running Cayenne's MQTT library (Python, Arduino, C)."),
    field("Name", name),
    el("p", {}, el("button", { type: "submit", class: "primary" }, "Add")), result);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    await reporting(result, async () => {
      const thing = await api("/v1.1/things", { method: "POST", body: { name: name.value } });
      const credentials = await api("/v1.1/clients", { method: "POST", body: {} });
      result.replaceChildren(credentialsView(config, thing, credentials));
      name.value = "";
    });
  });
  return form;
}

function credentialsView(config, thing, credentials) {
  const host = location.hostname;
  const values = [["MQTT host", host], ["MQTT port", String(config.mqttPort)], ["Username", credentials.id],
    ["Password", credentials.clear_secret], ["Client id", thing.id]];
  const python = [
    "import cayenne.client",
    "",
    "client = cayenne.client.CayenneMQTTClient()",
    `client.begin("${credentials.id}", "${credentials.clear_secret}", "${thing.id}",`,
    `             hostname="${host}", port=${config.mqttPort})`,
    "client.loop_forever()",
  ].join("\n");
  const arduino = [
    `// Point CAYENNE_DOMAIN (CayenneUtils/CayenneDefines.h) at "${host}" and CAYENNE_PORT at ${config.mqttPort}.`,
    "#include <CayenneMQTTESP8266.h>",
    "",
    `char username[] = "${credentials.id}";`,
    `char password[] = "${credentials.clear_secret}";`,
    `char clientID[] = "${thing.id}";`,
    "",
    "void setup() { Cayenne.begin(username, password, clientID, \"wifi-ssid\", \"wifi-password\"); }",
    "void loop() { Cayenne.loop(); }",
  ].join("\n");
  return el("div", { class: "credentials" },
    el("p", {}, `"${thing.name}" is added. Its device connects with:`),
    el("dl", {}, values.flatMap(([label, value]) => [el("dt", {}, label), el("dd", { dataset: { field: label } }, el("code", {}, value))])),
    snippet("Python (cayenne-mqtt)", python), snippet("Arduino (Cayenne-MQTT-Arduino)", arduino));
}

function snippet(title, text) {
  const copy = el("button", { type: "button" }, "Copy");
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      copy.textContent = "Copied";
    } catch {
      copy.textContent = "Select and copy the text";
    }
  });
  return el("figure", { class: "snippet" }, el("figcaption", {}, title, " ", copy), el("pre", {}, el("code", {}, text)));
}

function pairSection() {
  const hardware = el("input", { name: "hardware_id", required: true, autocomplete: "off" });
  const name = el("input", { name: "name", maxlength: 128, autocomplete: "off" });
  const result = el("div", { id: "pair-result" });
  const form = el("form", { class: "alert-form", id: "pair-device" },
    el("h2", {}, "Pair a device"),
    el("p", { class: "notice" }, "A device your supplier provisioned: its hardware id (DevEUI, IMEI, serial number) is on its label."),
    field("Hardware id", hardware),
    field("Name (optional)", name),
    el("p", {}, el("button", { type: "submit", class: "primary" }, "Pair")), result);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    await reporting(result, async () => {
      const thing = await api("/v1.1/things/pair", { method: "POST", body: { hardware_id: hardware.value, ...(name.value ? { name: name.value } : {}) } });
      result.replaceChildren(el("p", { class: "done" }, `Paired: "${thing.name}" is on the status screen.`));
      hardware.value = name.value = "";
    });
  });
  return form;
}

function importSection() {
  const file = el("input", { type: "file", name: "file", accept: ".csv,text/csv", required: true });
  const result = el("div", { id: "import-result" });
  const form = el("form", { class: "alert-form", id: "import-devices" },
    el("h2", {}, "Provision hardware ids from a CSV file"),
    el("p", { class: "notice" }, "One device a line: hardware_id, device_type_id, codec (a header row naming them is skipped; at most 500 lines)."),
    field("File", file),
    el("p", {}, el("button", { type: "submit", class: "primary" }, "Import")), result);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData();
    data.append("file", file.files[0]);
    // The file is taken whole or not at all; the message names the row that stopped it.
    await reporting(result, async () => {
      const entries = await apiForm("/v1.1/things/registry/csv", data);
      result.replaceChildren(
        el("p", { class: "done" }, `${entries.length} hardware ids provisioned.`),
        el("table", { class: "import" },
          el("thead", {}, el("tr", {}, ["Row", "Hardware id", "Status"].map((label) => el("th", { scope: "col" }, label)))),
          el("tbody", {}, entries.map((entry, index) => el("tr", {}, el("td", {}, String(index + 1)), el("td", {}, entry.hardware_id), el("td", {}, entry.status))))));
    });
  });
  return form;
}
