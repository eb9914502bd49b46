// The services' errors as sentences a person understands, naming the photo or file concerned.
// The raw code and message stay available (ui.js shows them under "Details for support"): this
// module only chooses the words, so an unknown code still reads "<what> failed: <service text>".
import { ApiError } from "./api.js";

const LABELS = {
  IMAGE: "picture", COMPANY_LOGO: "company logo", PROJECT_LOGO: "project logo",
  BROCHURE: "brochure", VIRTUAL_TOUR: "virtual tour",
};
export const label = (type) => LABELS[type] || String(type || "").toLowerCase();

export function bytes(n) {
  if (n >= 1024 * 1024) return `${Math.round((n / 1024 / 1024) * 10) / 10} MiB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KiB`;
  return `${n} bytes`;
}

const TYPE_NAMES = { "image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP", "image/gif": "GIF", "application/pdf": "PDF" };
export const typeNames = (types) => {
  const names = types.map((t) => TYPE_NAMES[t] || t);
  return names.length > 1 ? `${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}` : names[0] || "";
};

// IS24 words a broken rule "[MESSAGE: field : value : attachment.field.rule]" (or ": RULE (why)]").
function is24Rule(error) {
  const text = [error.message, ...(error.details || []).map((d) => d.message)].join(" ");
  const found = text.match(/\[MESSAGE: ([\w.]+) : (.*?) : (?:attachment\.\w+\.)?(\w+)/);
  return found ? { field: found[1], value: found[2].trim(), rule: found[3] } : null;
}

// `subject` names what the action was about: "“beach.jpg”", "photo 3", "the company logo".
export function explain(error, doing, subject = "") {
  if (!(error instanceof ApiError)) return `${doing} failed: ${String(error)}`;
  const what = subject || "it";
  const rule = is24Rule(error);
  if (rule) {
    const kind = label(rule.value);
    if (rule.rule === "numberOfItemsExceeded") return `This project already has a ${kind}: delete that one first to add another.`;
    if (rule.rule === "deniedForProduct") return `A ${kind} needs a PROFESSIONAL project; this one's product does not include it.`;
    if (rule.field === "title") return `The title of ${what} must be 3 to 100 letters, digits, spaces or , . - + ( ) ! & % " / € @ : ;`;
    if (rule.field === "url") return `The virtual tour must be a link to a supported virtual-tour service (https://…).`;
    if (rule.field === "file" || rule.rule === "CONTENT_MISMATCH" || rule.rule === "UPLOAD_INCOMPLETE") return `${cap(what)} is not a file of the type it claims to be, or it is damaged. Save or export it again and retry.`;
  }
  switch (error.code) {
    case "INVALID_TYPE":
    case "CONTENT_MISMATCH":
      return `${cap(what)} could not be read as a photo: it is damaged, cut short, or not of the type its name says. Export it again and retry.`;
    case "UPLOAD_INCOMPLETE":
      return `${cap(what)} did not reach the storage completely. Upload it again.`;
    case "EntityTooLarge":
      return `${cap(what)} is larger than the service accepts.`;
    case "AccessDenied":
    case "TICKET_EXPIRED":
      return `The permission to upload ${what} ran out before it arrived. Upload it again.`;
    case "NETWORK":
      return `${doing} failed: the service could not be reached. Check the connection and try again; nothing you typed is lost.`;
    case "ABORTED":
      return `${cap(what)} was not uploaded: the upload was cancelled.`;
    case "UNAUTHORIZED":
    case "ERROR_COMMON_AUTHENTICATION_REQUIRED":
      return "Your session has ended. Log in again.";
    case "NOT_FOUND":
    case "ERROR_RESOURCE_NOT_FOUND":
      return `${cap(what)} is no longer there (deleted elsewhere, perhaps in another tab). The page shows the current state.`;
    case "STATUS_CONFLICT":
      if (/has been published/.test(error.message)) return `${cap(what)} is published, and published photos cannot be deleted.`;
      return `${doing} failed: ${error.message}`;
    case "TOO_MANY_REQUESTS":
    case "ERROR_COMMON_TOO_MANY_REQUESTS":
    case "SlowDown":
      return `${doing} failed: the service is busy (too many requests at once), and it still was after the page waited${error.retryAfter ? ` the ${error.retryAfter} s it asked for` : ""}. Wait a moment and try again; nothing is lost.`;
    case "TECHNICAL_ERROR":
    case "ERROR_COMMON_INTERNAL_SERVER_ERROR":
      return `${doing} failed because of an error at the service. Try again; if it keeps failing, send support the details below.`;
    default:
      return `${doing} failed: ${error.message}`;
  }
}

// Why something failed, in a few words (beside a file in the upload queue, or after a comma).
export function reason(error) {
  if (!(error instanceof ApiError)) return String(error);
  if (error.code === "INVALID_TYPE") return "the file is damaged or not the photo type its name says";
  if (error.code === "EntityTooLarge") return "too large for the service";
  if (error.code === "NETWORK") return "the service could not be reached";
  if (error.status === 429 || error.code === "SlowDown") return "the service is busy: too many requests at once";
  return error.message;
}

const cap = (text) => (text ? text[0].toUpperCase() + text.slice(1) : text);
