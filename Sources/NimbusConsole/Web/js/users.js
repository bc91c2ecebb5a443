// Users: the people of the account with their role and what it lets them do; adding a person, changing a role or a
// person's permissions feature by feature, and taking someone out of the account, each offered only to those whose
// permissions allow it (`users: add_edit`, `users: delete`). The account users API is `docs/cayenne-auth.md`'s.
import { api } from "./api.js";
import { el, field, reporting, show } from "./dom.js";
import { can, me } from "./session.js";

const FEATURES = ["devices", "rules", "jobs", "alerts", "history", "users"];
const ACCESS = ["view", "add_edit", "delete"];

export async function usersScreen() {
  const [users, roles] = await Promise.all([api("/users"), api("/roles")]);
  const self = String(me()?.id);
  const failure = el("div");
  const rows = users.map((user) => userRow(user, roles, self, failure));
  show(
    el("h1", {}, "Users"),
    failure,
    el("table", { class: "users" },
      el("thead", {}, el("tr", {}, ["Name", "Email", "Role", "May", ""].map((name) => el("th", { scope: "col" }, name)))),
      el("tbody", {}, rows)),
    can("users", "add_edit") ? addForm(roles) : null);
}

function userRow(user, roles, self, failure) {
  const name = [user.first_name, user.last_name].filter(Boolean).join(" ") || user.email;
  const isSelf = String(user.id) === self;
  let role = el("span", {}, user.role);
  if (can("users", "add_edit") && !isSelf) {
    role = el("select", { "aria-label": `Role of ${name}` },
      roles.map((item) => el("option", { value: item.id, selected: item.id === user.permission_role_id }, item.name)));
    role.addEventListener("change", async () => {
      await reporting(failure, async () => {
        await api(`/users/${user.id}/permissions`, { method: "PUT", body: { permission_role_id: Number(role.value) } });
        await usersScreen();
      });
    });
  }
  let remove = null;
  if (can("users", "delete") && !isSelf) {
    remove = el("button", { type: "button", class: "link" }, "Remove");
    remove.addEventListener("click", async () => {
      if (!confirm(`Take ${name} out of the account?`)) return;
      await reporting(failure, async () => {
        await api(`/users/${user.id}`, { method: "DELETE" });
        await usersScreen();
      });
    });
  }
  let edit = null;
  const may = el("td", { class: "may" }, summary(user.permissions || {}));
  if (can("users", "add_edit") && !isSelf && user.role !== "owner") {
    edit = el("button", { type: "button", class: "link edit-permissions" }, "Permissions");
    edit.addEventListener("click", () => may.replaceChildren(permissionsEditor(user, failure)));
  }
  return el("tr", { dataset: { userId: user.id } },
    el("td", {}, name, isSelf ? " (you)" : ""), el("td", {}, user.email || ""), el("td", {}, role),
    may, el("td", {}, edit, " ", remove));
}

/** A box per feature and access, ticked as the person's permissions are now; saving sets them as overrides of the
 * role (`PUT /cayenne/users/{id}/permissions` with `permissions`). Nobody grants what they do not hold: the server
 * refuses it, and the message says so. */
function permissionsEditor(user, failure) {
  const boxes = [];
  const rows = FEATURES.map((feature) => el("tr", {}, el("th", { scope: "row" }, feature), ACCESS.map((access) => {
    const box = el("input", { type: "checkbox", checked: (user.permissions?.[feature] || []).includes(access),
      "aria-label": `${feature} ${access}`, dataset: { feature, access } });
    boxes.push(box);
    return el("td", {}, box);
  })));
  const save = el("button", { type: "button", class: "primary save-permissions" }, "Save");
  save.addEventListener("click", async () => {
    const permissions = Object.fromEntries(FEATURES.map((feature) => [feature,
      boxes.filter((box) => box.dataset.feature === feature && box.checked).map((box) => box.dataset.access)]));
    await reporting(failure, async () => {
      await api(`/users/${user.id}/permissions`, { method: "PUT", body: { permissions } });
      await usersScreen();
    });
  });
  return el("div", { class: "permissions-editor" },
    el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, ""), ACCESS.map((access) => el("th", { scope: "col" }, access)))), el("tbody", {}, rows)),
    save);
}

/** `devices: view, add_edit` … for the features the person has any access to. */
function summary(permissions) {
  return FEATURES.filter((feature) => (permissions[feature] || []).length > 0)
    .map((feature) => `${feature}: ${permissions[feature].join(", ")}`).join("; ") || "nothing";
}

function addForm(roles) {
  const fields = {
    first_name: el("input", { name: "first_name", required: true, autocomplete: "off" }),
    last_name: el("input", { name: "last_name", required: true, autocomplete: "off" }),
    email: el("input", { name: "email", type: "email", required: true, autocomplete: "off" }),
    password: el("input", { name: "password", type: "password", required: true, autocomplete: "new-password" }),
  };
  const role = el("select", { name: "permission_role_id" },
    roles.filter((item) => item.name !== "owner").map((item) => el("option", { value: item.id, selected: item.name === "user" }, item.name)));
  const failure = el("div");
  const form = el("form", { class: "alert-form", id: "add-user" },
    el("h2", {}, "Add a person"),
    field("First name", fields.first_name),
    field("Last name", fields.last_name),
    field("Email", fields.email),
    field("Password", fields.password),
    field("Role", role),
    failure,
    el("p", {}, el("button", { type: "submit", class: "primary" }, "Add")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = Object.fromEntries(Object.entries(fields).map(([key, input]) => [key, input.value]));
    await reporting(failure, async () => {
      await api("/users", { method: "POST", body: { ...body, permission_role_id: Number(role.value) } });
      await usersScreen();
    });
  });
  return form;
}
