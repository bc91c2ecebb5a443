// Signing in through Nimbus's own OAuth pages: the authorization code flow with PKCE (RFC 7636) for a public client,
// as OAuth for browser-based apps recommends. The access token lives in memory only. The refresh token is kept in
// this tab's sessionStorage so that a reload does not sign the person out; it rotates on every use (a stolen one that
// is used twice revokes the whole sign-in), the page's Content-Security-Policy runs no script but the console's own,
// and it is gone when the tab closes or the person signs out. The PKCE verifier and state wait in sessionStorage
// during the round trip to the sign-in page, as the flow needs.

const PENDING = "nimbus.console.pending";
const REFRESH = "nimbus.console.refresh";

let config = null;
let access = null; // { token, expires (ms since 1970) }

export function configure(serverConfig) {
  config = serverConfig;
}

function base64url(bytes) {
  let text = "";
  for (const byte of new Uint8Array(bytes)) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomText(size) {
  return base64url(crypto.getRandomValues(new Uint8Array(size)));
}

/** Sends the browser to the sign-in page; it comes back to the console with `?code=…&state=…`. */
export async function signIn() {
  const verifier = randomText(48);
  const state = randomText(24);
  const challenge = base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state }));
  const query = new URLSearchParams({
    response_type: "code", client_id: config.clientId, redirect_uri: config.redirectUri, state,
    code_challenge: challenge, code_challenge_method: "S256",
  });
  location.assign(`${config.authorize}?${query}`);
}

/** After the sign-in page: trades the code for tokens and takes it out of the address bar. Returns an error text
 * when the sign-in failed or was refused, `null` when there was nothing to finish or it went well. */
export async function finishSignIn() {
  const query = new URLSearchParams(location.search);
  if (!query.has("code") && !query.has("error")) return null;
  const pending = JSON.parse(sessionStorage.getItem(PENDING) || "null");
  sessionStorage.removeItem(PENDING);
  history.replaceState(null, "", location.pathname + location.hash);
  if (query.has("error")) return query.get("error_description") || query.get("error");
  if (!pending || pending.state !== query.get("state")) return "The sign-in did not start here; please sign in again.";
  return await tokenRequest({
    grant_type: "authorization_code", code: query.get("code"), redirect_uri: config.redirectUri,
    client_id: config.clientId, code_verifier: pending.verifier,
  });
}

async function tokenRequest(fields) {
  const answer = await fetch(config.token, {
    method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(fields),
  });
  const body = await answer.json().catch(() => ({}));
  if (!answer.ok) return body.error_description || body.error || `sign-in failed (${answer.status})`;
  // Renewed a little before it ends (a tenth of its life, at most 30 s), so that no call goes out with a token about to expire.
  access = { token: body.access_token, expires: Date.now() + (body.expires_in - Math.min(30, body.expires_in / 10)) * 1000 };
  if (body.refresh_token) sessionStorage.setItem(REFRESH, body.refresh_token);
  return null;
}

export function isSignedIn() {
  return access !== null || sessionStorage.getItem(REFRESH) !== null;
}

let renewing = null; // the refresh under way, which every caller that needs a token meanwhile waits for

/** A valid access token, refreshed first when it has expired (or when `renew` says the server refused it). Calls made
 * at once share one refresh: a refresh token is good for one use, and using it twice revokes the whole sign-in. */
export async function accessToken({ renew = false } = {}) {
  if (renewing) return await renewing;
  if (access && !renew && Date.now() < access.expires) return access.token;
  renewing = (async () => {
    const refresh = sessionStorage.getItem(REFRESH);
    access = null;
    if (!refresh) return null;
    sessionStorage.removeItem(REFRESH); // rotated: used once
    const error = await tokenRequest({ grant_type: "refresh_token", refresh_token: refresh, client_id: config.clientId });
    return error ? null : access.token;
  })();
  try {
    return await renewing;
  } finally {
    renewing = null;
  }
}

/** Ends the sign-in: the refresh token is revoked (which ends its access tokens too) and forgotten. */
export async function signOut() {
  const refresh = sessionStorage.getItem(REFRESH);
  sessionStorage.removeItem(REFRESH);
  access = null;
  if (refresh) {
    await fetch(config.revoke, {
      method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: refresh, token_type_hint: "refresh_token", client_id: config.clientId }),
    }).catch(() => {});
  }
}
