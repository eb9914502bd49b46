// What every view of the page shares: building elements, the message banner, confirmations,
// actions that cannot run twice at once, and moving an item of a list by keyboard.
import * as api from "./api.js";
import { explain } from "./messages.js";

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "value") node.value = value;
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

// The banner floats over the page (it never pushes the content down) and stays until replaced or closed.
const banner = document.getElementById("message");
export function say(text, isError = false, support = null) {
  const close = el("button", { type: "button", class: "close", "aria-label": "Close the message", onclick: () => say("") }, "×");
  const parts = [el("span", { class: "text" }, text)];
  if (support) {
    parts.push(el("details", {}, el("summary", {}, "Details for support"), el("code", {}, support)));
  }
  banner.replaceChildren(...(text ? [...parts, close] : []));
  banner.classList.toggle("error", isError);
  banner.setAttribute("role", isError ? "alert" : "status");
  banner.hidden = !text;
}

// `sentence`, when given, is said in place of the one messages.js would choose.
export function fail(error, doing, subject = "", sentence = null) {
  const support = error instanceof api.ApiError
    ? [`${error.code}${error.status ? ` (HTTP ${error.status})` : ""}: ${error.message}`,
      error.reference ? `reference ${error.reference}` : ""].filter(Boolean).join(" · ")
    : String(error);
  say(sentence || explain(error, doing, subject), true, support);
}

// Run `work` once per press: the control is disabled until it ends, so a double click (or a
// second press while the first is still running) does nothing more.
export async function busy(control, work) {
  if (control.disabled || control.getAttribute("aria-busy") === "true") return undefined;
  control.disabled = true;
  control.setAttribute("aria-busy", "true");
  try { return await work(); } finally {
    control.removeAttribute("aria-busy");
    if (control.isConnected) control.disabled = false;
  }
}

// Files dropped on `zone` go to `take(files)`; the zone shows when files are held over it.
export function dropTarget(zone, take) {
  zone.addEventListener("dragover", (event) => {
    if (event.dataTransfer.types.includes("Files")) { event.preventDefault(); zone.classList.add("over"); }
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    take([...event.dataTransfer.files]);
  });
}

// A modal question; resolves true when confirmed. The browser's <dialog> gives focus and Escape.
export function confirmed(question, confirmLabel, danger = false) {
  return new Promise((resolve) => {
    const dialog = el("dialog", { class: "confirm", "aria-label": question },
      el("form", { method: "dialog" },
        el("p", {}, question),
        el("div", { class: "toolbar" },
          el("button", { value: "cancel", type: "submit" }, "Cancel"),
          el("button", { value: "ok", type: "submit", class: danger ? "primary danger-fill" : "primary" }, confirmLabel))));
    dialog.addEventListener("close", () => { dialog.remove(); resolve(dialog.returnValue === "ok"); });
    document.body.append(dialog);
    dialog.showModal();
    dialog.querySelector("button[value=ok]").focus();
  });
}

// At most `n` of the returned function's tasks run at once; the others wait their turn.
export function limiter(n) {
  let active = 0;
  const queue = [];
  const next = () => {
    if (active >= n || !queue.length) return;
    active += 1;
    const { task, resolve, reject } = queue.shift();
    task().then(resolve, reject).finally(() => { active -= 1; next(); });
  };
  return (task) => new Promise((resolve, reject) => { queue.push({ task, resolve, reject }); next(); });
}

// The list `ids` with `id` moved to `position` (0-based, clamped).
export function moved(ids, id, position) {
  const rest = ids.filter((x) => x !== id);
  const to = Math.max(0, Math.min(position, rest.length));
  return [...rest.slice(0, to), id, ...rest.slice(to)];
}

// Reorder by dragging one of a list's items (`item`, standing for `id`) onto another: `onto(dragged)`
// is called on the item it was dropped on. `page.dragged` is what is being dragged, shared by the list.
export function dragToMove(page, item, id, onto) {
  item.addEventListener("dragstart", (event) => {
    page.dragged = id;
    item.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("application/x-realtymedia-item", id);
  });
  item.addEventListener("dragend", () => item.classList.remove("dragging"));
  item.addEventListener("dragover", (event) => {
    if (page.dragged && page.dragged !== id) { event.preventDefault(); item.classList.add("target"); }
  });
  item.addEventListener("dragleave", () => item.classList.remove("target"));
  item.addEventListener("drop", (event) => {
    event.preventDefault();
    item.classList.remove("target");
    const dragged = page.dragged;
    page.dragged = null;
    if (dragged && dragged !== id) onto(dragged);
  });
}

// Keyboard reorder on a list item's handle: arrow keys move by one, Home and End to either end.
// `move(position)` does the change; returns whether the key was one of these.
export function arrowMove(event, index, count, move) {
  const step = { ArrowLeft: -1, ArrowUp: -1, ArrowRight: 1, ArrowDown: 1 }[event.key];
  let to = null;
  if (step) to = index + step;
  else if (event.key === "Home") to = 0;
  else if (event.key === "End") to = count - 1;
  if (to === null) return false;
  event.preventDefault();
  if (to >= 0 && to < count && to !== index) move(to);
  return true;
}

// The name to show for a realty: its own, or when it has none, when it was created (never a UUID).
export function realtyName(realty) {
  if (realty.name) return realty.name;
  const made = realty.createdAt ? new Date(realty.createdAt) : null;
  return made ? `Untitled realty of ${made.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" })}` : "Untitled realty";
}

// `read` at most once at a time: asked for while it runs, it runs once more afterwards (however
// many asked meanwhile), so every caller gets a reading begun after its call.
export function coalesced(read) {
  let current = null;
  let next = null;
  const run = () => { current = read().finally(() => { current = null; }); return current; };
  return () => {
    if (!current) return run();
    if (!next) next = current.catch(() => {}).then(() => { next = null; return run(); });
    return next;
  };
}
