// The public Cayenne APIs, called with the signed-in person's token. A refused token is renewed once; any other
// failure becomes an `ApiError` whose message the screens show as it is.
import { accessToken } from "./auth.js";

let base = "/cayenne";

export function configure(serverConfig) {
  base = serverConfig.api;
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export class SignedOut extends Error {}

export async function api(path, { method = "GET", body } = {}) {
  for (const renew of [false, true]) {
    const token = await accessToken({ renew });
    if (!token) throw new SignedOut("signed out");
    const answer = await fetch(base + path, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (answer.status === 401 && !renew) continue;
    const text = await answer.text();
    const json = text ? JSON.parse(text) : null;
    if (!answer.ok) throw new ApiError(answer.status, (json && (json.message || json.error_description || json.error)) || `${method} ${path}: ${answer.status}`);
    return json;
  }
}
