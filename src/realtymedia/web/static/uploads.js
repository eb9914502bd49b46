// The upload queue both pages share (Uppy's Dashboard, WordPress's media library): one row per
// file with its preview, name, size, progress, a Cancel and its state.
//
// Cancel on a file still waiting its turn takes it out of the queue; on a file under way it
// aborts the storage POST (the row's `signal`), and the page saves nothing of it. Once the
// service is saving the file (`saving`) it is too late, and Cancel goes.
import { ApiError } from "./api.js";
import { bytes } from "./messages.js";
import { el } from "./ui.js";

const cancelled = () => new ApiError(0, "ABORTED", "the upload was cancelled");
export const wasCancelled = (error) => error instanceof ApiError && error.code === "ABORTED";

export function uploadRow(list, file, { caption = file.name, preview = false } = {}) {
  const bar = el("progress", { max: "1", value: "0", "aria-label": `Upload of ${file.name}` });
  const state = el("span", { class: "state" }, "waiting");
  const cancel = el("button", { type: "button", class: "small", "aria-label": `Cancel the upload of ${file.name}` }, "Cancel");
  const thumb = preview
    ? el("img", { class: "thumb", alt: "", src: URL.createObjectURL(file), onload: (e) => URL.revokeObjectURL(e.target.src) }) : null;
  // The state stays the row's last element (what tests and screen readers read last).
  const li = el("li", { dataset: { name: file.name } }, thumb, el("span", { class: "name" }, caption), el("span", { class: "size" }, bytes(file.size)), bar, cancel, state);
  list.append(li);
  const aborted = new AbortController();
  let started = false;
  const end = (text, failed = false) => {
    cancel.remove();
    bar.remove();
    state.textContent = text;
    state.className = failed ? "state failed" : "state";
  };
  cancel.addEventListener("click", () => {
    aborted.abort();
    cancel.remove();
    if (!started) li.remove();
  });
  return {
    file,
    signal: aborted.signal,
    progress: (part) => { bar.value = part; },
    // Its turn has come: from now on Cancel aborts rather than removes. Throws if it was cancelled.
    start(text = "uploading") { this.check(); started = true; state.textContent = text; },
    check() { if (aborted.signal.aborted) throw cancelled(); },
    status(text) { state.textContent = text; },
    saving(text = "saving") { this.check(); cancel.remove(); state.textContent = text; },
    saved(text = "saved") { cancel.remove(); state.textContent = text; },
    refused(reason) { end(`not uploaded: ${reason}`, true); },
    failed(text, title = "") { end(text, true); if (title) state.title = title; },
    cancelled() { end("cancelled"); },
  };
}
