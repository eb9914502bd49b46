// The page's side of the two public APIs. The session cookie is HttpOnly: this module never sees
// it; it only sends the CSRF token the service handed over at login with every change.

export class ApiError extends Error {
  // `reference` is what support needs to find the request in the service's logs: the Request-ID
  // (Realty Image API) or the L-IS24-RequestRefnum (IS24) of the answer.
  // `retryAfter`: the seconds a rate limit's refusal (429, storage's 503 SlowDown) asks to wait.
  constructor(status, code, message, details = [], reference = null, retryAfter = null) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.details = details;
    this.reference = reference;
    this.retryAfter = retryAfter;
  }
}

const session = { csrf: null, username: null, realtyBase: "/realty-image/v2" };
export const IS24_BASE = "/restapi/api/offer/v1.0/user/me/realestateproject";

export function currentUser() { return session.username; }

function remember(data) {
  session.csrf = data.csrfToken;
  session.username = data.username;
  session.realtyBase = data.realtyImageBase || session.realtyBase;
  return data;
}

// A v4 UUID from getRandomValues, which (unlike randomUUID) also exists outside secure contexts.
export function uuid4() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// Both dialects' error bodies: Realty Image {errorCode, message, errors[]}, IS24 common.messages.
function errorFrom(status, data, text, reference) {
  if (data && data.errorCode) {
    const details = (data.errors || []).map((e) => ({ target: e.target, code: e.errorCode, message: e.message }));
    const extra = details.map((d) => d.message).filter((m) => m && m !== data.message);
    return new ApiError(status, data.errorCode, [data.message, ...extra].filter(Boolean).join(" "), details, reference);
  }
  const messages = findAll(data, "message").filter((m) => m.messageCode);
  if (messages.length) {
    const details = messages.map((m) => ({ code: m.messageCode, message: m.message }));
    return new ApiError(status, details[0].code, details.map((d) => d.message).join(" "), details, reference);
  }
  return new ApiError(status, `HTTP_${status}`, text ? text.slice(0, 300) : `HTTP ${status}`, [], reference);
}

// Every object under a key named `name` (IS24's JSON prefixes keys with a namespace: "common.messages").
export function findAll(data, name) {
  const found = [];
  const walk = (value) => {
    if (Array.isArray(value)) { value.forEach(walk); return; }
    if (value && typeof value === "object") {
      for (const [key, item] of Object.entries(value)) {
        if (key.split(".").pop() === name) {
          for (const each of Array.isArray(item) ? item : [item]) if (each && typeof each === "object") found.push(each);
        } else walk(item);
      }
    }
  };
  walk(data);
  return found;
}

// One request as it is sent. A rate limit's refusal (429) comes before the service does anything,
// so any request, write or read, may be sent again after the wait it names (see `patiently`).
async function send(method, url, { json, headers = {} } = {}) {
  const h = { Accept: "application/json", ...headers };
  if (method !== "GET" && session.csrf) h["X-CSRF-Token"] = session.csrf;
  let body;
  if (json !== undefined) { h["Content-Type"] = "application/json"; body = JSON.stringify(json); }
  let response;
  try {
    response = await fetch(url, { method, headers: h, body, credentials: "same-origin" });
  } catch {
    throw new ApiError(0, "NETWORK", "the service could not be reached", [], h["Request-ID"] || null);
  }
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  const reference = response.headers.get("Request-ID") || response.headers.get("L-IS24-RequestRefnum") || h["Request-ID"] || null;
  if (!response.ok) {
    const error = errorFrom(response.status, data, text, reference);
    error.retryAfter = seconds(response.headers.get("Retry-After"));
    throw error;
  }
  return data;
}

const seconds = (header) => (header && /^\d+$/.test(header.trim()) ? Number(header) : null);
const pause = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

// Whether the same request may simply be sent again: it never arrived, or the service could not
// answer it (a Request-ID still in progress is a 409 the service answers the same way).
const RETRIED = new Set([0, 429, 500, 502, 503, 504]);
const resendable = (error) => error instanceof ApiError
  && (RETRIED.has(error.status) || (error.status === 409 && / is in progress/.test(error.message)));
const rateLimited = (error) => error instanceof ApiError && (error.status === 429 || error.code === "SlowDown");

// Send `attempt()` again while `again(error)` says it may be: after the wait a rate limit names
// (Retry-After), at most RATE_LIMITED_RETRIES times and RATE_LIMITED_WAIT_MS in all (a wait
// longer than what is left is not begun: the refusal is the answer); after anything else, three
// times, 0.2, 0.4 and 0.8 s apart.
const RATE_LIMITED_RETRIES = 6;
const RATE_LIMITED_WAIT_MS = 30_000;
async function patiently(attempt, again) {
  let waited = 0;
  for (let retry = 0; ; retry += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (!again(error)) throw error;
      const named = typeof error.retryAfter === "number";
      if (retry >= (named ? RATE_LIMITED_RETRIES : 3)) throw error;
      const wait = named ? error.retryAfter * 1000 : 200 * 2 ** retry;
      if (named && waited + wait > RATE_LIMITED_WAIT_MS) throw error;
      waited += wait;
      await pause(wait);
    }
  }
}

// Reads are sent again whenever resending is safe; other requests only after a rate limit's
// refusal (IS24's changes carry no idempotency key, so a lost answer is not retried).
const call = (method, url, options) =>
  patiently(() => send(method, url, options), method === "GET" ? resendable : rateLimited);

// Send a change of the Realty Image API, again with the same Request-ID when it did not get
// through: the service does a Request-ID's work once, so a retry after a lost answer is safe.
const once = (method, url, json, requestId) =>
  patiently(() => send(method, url, { json, headers: { "Request-ID": requestId } }), resendable);

// -- session ------------------------------------------------------------------------------------

export async function resume() {
  try { return remember(await call("GET", "/web/session")); } catch (e) { if (e.status === 401) return null; throw e; }
}
export async function login(username, password) { return remember(await call("POST", "/web/login", { json: { username, password } })); }
export async function logout() { await call("POST", "/web/logout"); session.csrf = session.username = null; }

// -- Realty Image API ---------------------------------------------------------------------------

// Every change carries a Request-ID, the service's idempotency key: one per user action, given
// by the caller (so that a retry of the action is the same request), or a new one.
const realty = (method, path, json, requestId) =>
  (method === "GET" && !path.startsWith("/uploadGrants")
    ? call(method, session.realtyBase + path, { json })
    : once(method, session.realtyBase + path, json, requestId || uuid4()));
const listOf = (data, name) => (Array.isArray(data) ? data : (data && data[name]) || Object.values(data || {}).find(Array.isArray) || []);

export const realties = async () => listOf(await realty("GET", "/realty"), "realties");
export const getRealty = (id) => realty("GET", `/realty/${encodeURIComponent(id)}`);
export const createRealty = (name, rid) => realty("POST", "/realty", name ? { name } : {}, rid);
export const publishRealty = (id, rid) => realty("POST", `/realty/${encodeURIComponent(id)}/publish`, undefined, rid);
export const images = async (id) => listOf(await realty("GET", `/realty/${encodeURIComponent(id)}/images`), "realtyImages");
export const uploadGrant = (type) => realty("GET", `/uploadGrants?type=${encodeURIComponent(type)}`);
export const saveImages = async (id, uploaded, rid) =>
  listOf(await realty("POST", `/realty/${encodeURIComponent(id)}/images`, { uploadedImages: uploaded }, rid), "realtyImages");
export const deleteImage = (id, imageId, rid) =>
  realty("DELETE", `/realty/${encodeURIComponent(id)}/images/${encodeURIComponent(imageId)}`, undefined, rid);
export const copyImages = (id, sourceRealtyId, rid) => realty("POST", `/realty/${encodeURIComponent(id)}/images/copy`, { sourceRealtyId }, rid);

// One image's own change (our addition to the dialect): its description and/or its position,
// whatever the rest of the list is now, so another tab's uploads never make this edit fail.
export const patchImage = (id, imageId, changes, rid) =>
  realty("PATCH", `/realty/${encodeURIComponent(id)}/images/${encodeURIComponent(imageId)}`, changes, rid);
export const renameRealty = (id, name, rid) => realty("PATCH", `/realty/${encodeURIComponent(id)}`, { name }, rid);

// What the service will accept (sizes, types, a project's free slots): asked, never assumed.
export const rules = () => call("GET", "/web/rules");
export const projectRules = (id) => call("GET", `/web/projects/${encodeURIComponent(id)}/rules`);

// -- IS24 dialect (JSON) ------------------------------------------------------------------------

const is24 = (method, path, json) => call(method, IS24_BASE + path, { json });
export const projects = async () => findAll(await is24("GET", ""), "realEstateProject");
export async function project(id) {
  const data = await is24("GET", `/${encodeURIComponent(id)}`);
  const values = data && typeof data === "object" ? Object.values(data) : [];
  return values.length === 1 && values[0] && typeof values[0] === "object" ? values[0] : data;
}
export const attachments = async (id) => findAll(await is24("GET", `/${encodeURIComponent(id)}/attachment`), "attachment");
export async function uploadTicket(id, contentType) {
  const data = await is24("POST", `/${encodeURIComponent(id)}/attachment/upload-ticket`, {
    "realestateproject.uploadTicketRequest": { attachmentContentType: contentType },
  });
  const ticket = findAll(data, "uploadTicket")[0] || data;
  const fields = {};
  for (const f of findAll(ticket.fields, "field")) fields[f["@key"]] = f["@value"];
  return { url: ticket.url, fields, attachmentId: ticket.attachmentId };
}
export const assign = (id, attachment) =>
  is24("POST", `/${encodeURIComponent(id)}/attachment`, { "realestateproject.attachment": attachment });
export const updateAttachment = (id, attachment) =>
  is24("PUT", `/${encodeURIComponent(id)}/attachment`, { "realestateproject.attachment": attachment });
export const orderAttachments = (id, ids) =>
  is24("PUT", `/${encodeURIComponent(id)}/attachment/order`, { "realestateproject.attachmentsOrder": { attachmentId: ids } });
export const deleteAttachment = (id, attachmentId) =>
  is24("DELETE", `/${encodeURIComponent(id)}/attachment/${encodeURIComponent(attachmentId)}`);

// -- storage ------------------------------------------------------------------------------------

// The S3 browser POST: every signed field, then the file last. XHR, for upload progress. A rate
// limit's SlowDown (nothing was stored) is sent again after its Retry-After, as the APIs' 429s are.
export const postToStorage = (form, file, onProgress) =>
  patiently(() => postOnce(form, file, onProgress), rateLimited);

function postOnce(form, file, onProgress) {
  return new Promise((resolve, reject) => {
    const aborted = () => new ApiError(0, "ABORTED", "the upload was cancelled");
    if (form.signal && form.signal.aborted) { reject(aborted()); return; }
    const body = new FormData();
    for (const [key, value] of Object.entries(form.fields)) body.append(key, value);
    body.append("file", file);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.url);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
    xhr.onload = () => {
      if (xhr.status < 300) { onProgress(1); resolve(); return; }
      const xml = new DOMParser().parseFromString(xhr.responseText || "<Error/>", "application/xml");
      const code = xml.querySelector("Code")?.textContent || `HTTP_${xhr.status}`;
      reject(new ApiError(xhr.status, code, xml.querySelector("Message")?.textContent || "storage refused the file", [], null,
        seconds(xhr.getResponseHeader("Retry-After"))));
    };
    xhr.onerror = () => reject(new ApiError(0, "NETWORK", "the storage could not be reached"));
    xhr.onabort = () => reject(aborted());
    if (form.signal) form.signal.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(body);
  });
}
