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
  const answer = await call(path, { method, body });
  const text = await answer.text();
  return text ? JSON.parse(text) : null;
}

/** The items of an API that takes at most 100 things a call (`?devices=a,b,…`), for any number of things. */
export async function perThings(path, things) {
  const items = [];
  for (let start = 0; start < things.length; start += 100) {
    items.push(...await api(`${path}?devices=${things.slice(start, start + 100).map((thing) => thing.id).join(",")}`));
  }
  return items;
}

/** A `multipart/form-data` post (a CSV file), answered with JSON. */
export async function apiForm(path, form) {
  const answer = await call(path, { method: "POST", form });
  const text = await answer.text();
  return text ? JSON.parse(text) : null;
}

/** A file the API answers with (a CSV export), as a Blob. */
export async function apiBlob(path) {
  return await (await call(path, {})).blob();
}

async function call(path, { method = "GET", body, form }) {
  for (const renew of [false, true]) {
    const token = await accessToken({ renew });
    if (!token) throw new SignedOut("signed out");
    const answer = await fetch(base + path, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      body: form ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    if (answer.status === 401 && !renew) continue;
    if (!answer.ok) {
      const json = await answer.json().catch(() => null);
      throw new ApiError(answer.status, (json && (json.message || json.error_description || json.error)) || `${method} ${path}: ${answer.status}`);
    }
    return answer;
  }
}
