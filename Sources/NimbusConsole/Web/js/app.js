// The console's entry point: reads the server's settings, finishes a sign-in coming back from the OAuth pages, and
// shows the screen the address names (`#/status`). Every failure is shown as a readable message, never a blank page.
import * as auth from "./auth.js";
import * as api from "./api.js";
import { el, show, errorBox } from "./dom.js";
import { alertsScreen } from "./alerts.js";
import { devicesScreen } from "./devices.js";
import { can, clearSession, loadSession } from "./session.js";
import { historyScreen } from "./history.js";
import { mapScreen } from "./map.js";
import { schedulesScreen } from "./schedules.js";
import { statusScreen } from "./status.js";
import { usersScreen } from "./users.js";

/** The screens by the first part of the address: `#/status`, `#/history/<thing>/<sensor>/<channel>?range=day`. */
const screens = { status: statusScreen, history: historyScreen, alerts: alertsScreen, users: usersScreen, devices: devicesScreen, map: mapScreen, schedules: schedulesScreen };
let config = null;
let leaveScreen = null;

async function start() {
  try {
    config = await (await fetch("/console/config.json")).json();
  } catch {
    show(errorBox("The console could not reach the server. Reload to try again."));
    return;
  }
  auth.configure(config);
  api.configure(config);
  const failure = await auth.finishSignIn();
  if (!auth.isSignedIn()) return signedOut(failure);
  try {
    await loadSession();
  } catch (error) {
    if (error instanceof api.SignedOut) return signedOut("Your sign-in has ended; please sign in again.");
    return show(errorBox(error.message || String(error)));
  }
  // The menu offers what the person may see.
  document.querySelector("#nav a[data-screen=users]").hidden = !can("users", "view");
  document.querySelector("#nav a[data-screen=alerts]").hidden = !can("rules", "view");
  document.querySelector("#nav a[data-screen=schedules]").hidden = !can("jobs", "view");
  document.getElementById("nav").hidden = false;
  document.getElementById("sign-out").addEventListener("click", async () => {
    stopScreen();
    await auth.signOut();
    clearSession();
    signedOut(null);
  });
  window.addEventListener("hashchange", route);
  await route();
}

function stopScreen() {
  if (leaveScreen) leaveScreen();
  leaveScreen = null;
}

async function route() {
  stopScreen();
  const [path, search] = location.hash.replace(/^#\/?/, "").split("?");
  const [name, ...parts] = path.split("/");
  const screen = screens[name] || statusScreen;
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.dataset.screen === (screens[name] ? name : "status")) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  try {
    leaveScreen = await screen(config, parts.map(decodeURIComponent), new URLSearchParams(search || ""));
  } catch (error) {
    if (error instanceof api.SignedOut) return signedOut("Your sign-in has ended; please sign in again.");
    show(errorBox(error.message || String(error)));
  }
}

function signedOut(message) {
  document.getElementById("nav").hidden = true;
  const button = el("button", { type: "button", class: "primary", id: "sign-in" }, "Sign in");
  button.addEventListener("click", () => auth.signIn());
  show(el("section", { class: "signed-out" },
    el("h1", {}, "Nimbus console"),
    message ? errorBox(message) : null,
    el("p", {}, "See your things and their latest values as they arrive."),
    button));
  button.focus();
}

start();
