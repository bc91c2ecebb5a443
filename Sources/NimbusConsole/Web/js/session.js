// Who is signed in and what they may do in their account: `GET /cayenne/users/me`, then their own effective
// permissions (`GET /cayenne/users/{id}/permissions`, which needs no permission for oneself). Screens leave out the
// controls the person may not use; the server refuses those calls anyway.
import { api } from "./api.js";

let current = null;

export async function loadSession() {
  const me = await api("/users/me");
  const member = await api(`/users/${me.id}/permissions`);
  current = { me, permissions: member.permissions || {} };
  return current;
}

export function clearSession() {
  current = null;
}

export function me() {
  return current?.me;
}

/** Whether the signed-in person holds `access` (`view`, `add_edit`, `delete`) on `feature` (`devices`, `rules`, `users`, …). */
export function can(feature, access) {
  return (current?.permissions?.[feature] || []).includes(access);
}
