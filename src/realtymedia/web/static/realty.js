// A realty's gallery (Realty Image API): upload many photos, reorder by drag or keyboard, edit
// descriptions, delete, publish, copy from another realty.
//
// Nothing typed is thrown away: a description being edited lives in `drafts` until the service
// has it, and every redraw shows the draft. A description or a move changes that one image
// (PATCH), so another tab's uploads never make this tab's edit fail.
import * as api from "./api.js";
import { bytes, reason, typeNames } from "./messages.js";
import { cardPicture } from "./renditions.js";
import { arrowMove, busy, coalesced, confirmed, dragToMove, dropTarget, el, fail, limiter, moved, realtyName, say } from "./ui.js";
import { uploadRow, wasCancelled } from "./uploads.js";

export async function showRealty(view, id, current = () => true) {
  const [realty, others, rules, first] = await Promise.all([api.getRealty(id), api.realties(), api.rules(), api.images(id)]);
  if (!current()) return;  // the user went elsewhere while the realty was read
  const page = { id, realty, rules, images: first, drafts: new Map(), selected: new Set(), filter: "", gallery: null, state: null, bulk: null, moves: limiter(1) };
  page.reread = coalesced(() => reread(page));
  const limits = rules.realtyImages;

  page.gallery = el("ol", { class: "gallery", id: "gallery", "aria-label": "Photos, in their order" });
  page.state = el("span", { id: "realty-state" });
  const uploads = el("ul", { class: "plain uploads", id: "uploads", "aria-label": "Uploads" });
  const input = el("input", { type: "file", id: "files", multiple: true, accept: limits.contentTypes.join(","), class: "visually-hidden" });
  const drop = el("label", { class: "dropzone", for: "files" },
    el("strong", {}, "Drop photos here, or click to choose them"),
    el("span", { class: "hint", id: "limits" },
      `${typeNames(limits.contentTypes)}, up to ${bytes(rules.maxUploadBytes)} each; a realty holds up to ${limits.maxImages} photos.`),
    input);
  const source = el("select", { name: "source", id: "copy-source" },
    el("option", { value: "" }, "Copy images from…"),
    others.filter((r) => r.id !== id).map((r) => el("option", { value: r.id }, `${realtyName(r)} (${r.imageCount} photos)`)));
  const copy = el("button", { type: "button", id: "copy" }, "Copy");
  const publish = el("button", { type: "button", id: "publish", class: "primary" }, "Publish");

  input.addEventListener("change", () => { const files = [...input.files]; input.value = ""; uploadFiles(page, files, uploads); });
  dropTarget(drop, (files) => uploadFiles(page, files, uploads));
  copy.addEventListener("click", () => busy(copy, async () => {
    if (!source.value) { say("Choose the realty to copy the photos from first.", true); return; }
    const from = source.selectedOptions[0].textContent;
    try {
      // One Request-ID for this press: api.js sends it again if the answer is lost, and the
      // service copies once.
      await api.copyImages(id, source.value, api.uuid4());
      say(`Copied the photos of ${from}.`);
    } catch (error) { fail(error, "Copying the photos", `the photos of ${from}`); }
    await refresh(page);
  }));
  publish.addEventListener("click", () => busy(publish, async () => {
    const count = page.images.length;
    if (!(await confirmed(`Publish “${realtyName(page.realty)}”? Its ${count} photos become public and can no longer be deleted.`, "Publish"))) return;
    try {
      page.realty = await api.publishRealty(id, api.uuid4());
      say("Published.");
    } catch (error) { fail(error, "Publishing"); }
    await refresh(page);
  }));

  // The media library's bar: a filter, and what can be done with the selected photos.
  const filter = el("input", { type: "search", id: "filter", placeholder: "Filter by description", autocomplete: "off" });
  filter.addEventListener("input", () => { page.filter = filter.value.trim().toLowerCase(); draw(page); });
  page.bulk = el("div", { class: "toolbar bulk", id: "bulk", "aria-live": "polite" });

  const heading = el("h1", {});
  const showName = () => {
    const rename = el("button", { type: "button", id: "rename", class: "small" }, "Rename");
    rename.addEventListener("click", () => editName());
    heading.replaceChildren(el("span", { id: "realty-name" }, realtyName(page.realty)), " ", page.state, " ", rename);
  };
  const editName = () => {
    const field = el("input", { id: "realty-name-field", value: page.realty.name || "", maxlength: "200", autocomplete: "off" });
    const save = el("button", { type: "submit", class: "primary" }, "Save name");
    const cancel = el("button", { type: "button", onclick: () => { showName(); document.getElementById("rename").focus(); } }, "Cancel");
    const form = el("form", { class: "toolbar rename", "aria-label": "Rename the realty" },
      el("label", { for: field.id }, "Name"), field, save, cancel);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      busy(save, async () => {
        try {
          page.realty = await api.renameRealty(id, field.value.trim(), api.uuid4());
          say("Renamed.");
          showName();
          draw(page);
        } catch (error) { fail(error, "Renaming the realty"); }
      });
    });
    heading.replaceChildren(form);
    field.focus();
    field.select();
  };
  showName();

  view.replaceChildren(
    el("nav", { "aria-label": "Breadcrumb" }, el("a", { href: "#/" }, "← All media")),
    heading,
    el("div", { class: "toolbar" },
      publish,
      el("label", { class: "inline" }, el("span", { class: "visually-hidden" }, "Copy from"), source),
      copy),
    drop, uploads,
    el("h2", { id: "gallery-title" }, "Photos ", el("span", { class: "hint", id: "summary" })),
    el("p", { class: "hint" }, "Drag a photo to move it, or focus its ✥ handle and use the arrow keys (Home, End: first, last)."),
    el("div", { class: "toolbar" }, el("label", { for: "filter", class: "inline" }, "Filter ", filter)),
    page.bulk,
    page.gallery);
  draw(page);
}

// The realty and its photos as the service has them now, drawn; one reading at a time (uploads
// ask for one after every save). A read refused by a rate limit is sent again (api.js); if it
// still fails, the page says so, keeps what it shows, and the error is returned.
async function refresh(page, { quiet = false } = {}) {
  try {
    await page.reread();
    return null;
  } catch (error) {
    if (!quiet) fail(error, "Reading the photos again", "the photos");
    return error;
  }
}

async function reread(page) {
  const moves = page.movesMade || 0;
  const [realty, images] = await Promise.all([api.getRealty(page.id), api.images(page.id)]);
  // A move made while this read was under way is drawn already and not in what it read: drawing
  // the read would put the old order back. That move reads the list again once it is saved.
  if ((page.movesMade || 0) !== moves) return;
  page.realty = realty;
  page.images = images;
  draw(page);
}

function draw(page) {
  const { realty, images } = page;
  const drafts = images.some((i) => !i.published);
  page.state.replaceChildren(...[
    el("span", { class: realty.published ? "badge published" : "badge" }, realty.published ? "published" : "draft"),
    realty.published && drafts ? el("span", { class: "badge changes", id: "unpublished" }, "unpublished changes") : null,
  ].filter(Boolean));

  // A redraw keeps focus (and the caret) where it was, so the keyboard user and the typist never lose their place.
  const active = document.activeElement;
  const card = active && active.closest ? active.closest("#gallery li") : null;
  const focus = card ? { id: card.dataset.id, role: active.dataset.role, start: active.selectionStart, end: active.selectionEnd } : null;

  for (const id of [...page.selected]) if (!images.some((i) => i.id === id)) page.selected.delete(id);
  const total = images.reduce((sum, i) => sum + (i.size || 0), 0);
  document.getElementById("summary").textContent = `${images.length} of ${page.rules.realtyImages.maxImages} · ${bytes(total)}`;
  const shown = images.map((image, index) => [image, index])
    .filter(([image]) => !page.filter || (page.drafts.get(image.id) ?? image.description ?? "").toLowerCase().includes(page.filter));
  page.gallery.replaceChildren(...shown.map(([image, index]) => card_(page, image, index)));
  if (!images.length) page.gallery.append(el("li", { class: "empty" }, "No photos yet."));
  else if (!shown.length) page.gallery.append(el("li", { class: "empty" }, "No photo's description matches the filter."));
  drawBulk(page);
  if (focus) {
    const again = page.gallery.querySelector(`li[data-id="${focus.id}"] [data-role="${focus.role}"]`);
    if (again) {
      again.focus();
      if (focus.start !== undefined && focus.start !== null && again.setSelectionRange) again.setSelectionRange(focus.start, focus.end);
    }
  }
}

function card_(page, image, index) {
  const count = page.images.length;
  const name = `Photo ${index + 1}`;
  const draft = page.drafts.get(image.id);
  const description = el("textarea", {
    rows: "3", "data-role": "description", id: `description-${image.id}`, maxlength: String(page.rules.realtyImages.descriptionMaxLength),
  });
  description.value = draft ?? image.description ?? "";
  const status = el("span", { class: "save-state" }, draft !== undefined ? "not saved yet" : "");
  description.addEventListener("input", () => { page.drafts.set(image.id, description.value); status.textContent = "not saved yet"; });
  // Saved when the field is left, or on Enter (a description is one line); until then a draft.
  description.addEventListener("blur", () => saveDescription(page, image.id, name, status));
  description.addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); saveDescription(page, image.id, name, status); }
  });

  const handle = el("button", {
    type: "button", class: "handle", "data-role": "handle",
    "aria-label": `Move ${name} of ${count}; arrow keys move it, Home and End to the first or last place`,
  }, "✥");
  handle.addEventListener("keydown", (event) => arrowMove(event, index, count, (to) => move(page, image.id, to, name)));
  const position = el("select", { "data-role": "position", id: `position-${image.id}` },
    page.images.map((_, i) => el("option", { value: String(i), selected: i === index }, String(i + 1))));
  position.addEventListener("change", () => move(page, image.id, Number(position.value), name));

  const remove = el("button", { type: "button", class: "danger", "data-role": "delete", disabled: image.published,
    "aria-describedby": image.published ? `why-${image.id}` : null }, "Delete");
  remove.addEventListener("click", () => busy(remove, async () => {
    if (!(await confirmed(`Delete ${name}${image.description ? ` (“${image.description}”)` : ""}? This cannot be undone.`, "Delete", true))) return;
    try {
      await api.deleteImage(page.id, image.id, api.uuid4());
      page.drafts.delete(image.id);
      say(`Deleted ${name}.`);
    } catch (error) { fail(error, "Deleting", name); }
    await refresh(page);
  }));

  const pick = el("input", { type: "checkbox", id: `select-${image.id}`, "data-role": "select", checked: page.selected.has(image.id) });
  pick.addEventListener("change", () => { if (pick.checked) page.selected.add(image.id); else page.selected.delete(image.id); drawBulk(page); });
  const preview = el("button", { type: "button", class: "preview", "data-role": "preview", "aria-label": `Details of ${name}` },
    cardPicture(el, { alt: image.description || name, loading: "lazy", draggable: "false" },
      image.renditions && image.renditions.SCALE_AND_CROP, image.placeholder, image.url, false));
  preview.addEventListener("click", () => details(image, name));
  const li = el("li", { draggable: "true", dataset: { id: image.id }, "aria-label": name, class: page.selected.has(image.id) ? "selected" : "" },
    el("label", { for: pick.id, class: "pick" }, pick, el("span", { class: "visually-hidden" }, `Select ${name}`)),
    preview,
    el("label", { for: description.id, class: "visually-hidden" }, `Description of ${name}`),
    description,
    el("div", { class: "meta" },
      el("span", {}, `#${index + 1}${image.width ? ` · ${image.width}×${image.height}` : ""}${image.size ? ` · ${bytes(image.size)}` : ""}`),
      image.published ? el("span", { class: "badge published" }, "published") : null,
      status),
    el("div", { class: "actions" },
      handle,
      el("label", { for: position.id, class: "inline" }, "Position ", position),
      remove),
    image.published ? el("p", { class: "hint", id: `why-${image.id}` }, "Published photos cannot be deleted.") : null);
  dragToMove(page, li, image.id, (dragged) => move(page, dragged, index, `Photo ${page.images.findIndex((i) => i.id === dragged) + 1}`));
  return li;
}

async function saveDescription(page, imageId, name, status) {
  const text = page.drafts.get(imageId);
  if (text === undefined || page.saving === imageId) return;
  if (text === (page.images.find((i) => i.id === imageId)?.description ?? "")) { page.drafts.delete(imageId); status.textContent = ""; return; }
  page.saving = imageId;
  status.textContent = "saving…";
  try {
    await api.patchImage(page.id, imageId, { description: text }, api.uuid4());
    // Typed on while saving? Then the newer text is still a draft, to be saved on its own change.
    if (page.drafts.get(imageId) === text) page.drafts.delete(imageId);
    say("Description saved.");
  } catch (error) {
    if (error instanceof api.ApiError && error.status === 404) {
      page.drafts.delete(imageId);
      say(`${name} was deleted elsewhere (another tab?), so its description could not be saved. Your text: “${text}”`, true);
    } else {
      fail(error, "Saving the description", name);
      status.textContent = "not saved: press Enter or leave the field to try again";
      page.saving = null;
      return;
    }
  }
  page.saving = null;
  await refresh(page);
}

async function move(page, imageId, position, name) {
  // Shown at once, so a second arrow key moves on from there; the moves go to the service one
  // after the other, in the order they were made, and the list is read again once all are done.
  const ids = moved(page.images.map((i) => i.id), imageId, position);
  page.images = ids.map((id) => page.images.find((i) => i.id === id));
  draw(page);
  page.movesMade = (page.movesMade || 0) + 1;
  page.moving = (page.moving || 0) + 1;
  await page.moves(async () => {
    try {
      await api.patchImage(page.id, imageId, { position }, api.uuid4());
      say("Order saved.");
    } catch (error) { fail(error, "Moving", name); }
  });
  page.moving -= 1;
  if (!page.moving) await refresh(page);
}

// Checks first (type, size, room left): what the service would refuse is never sent. Then grants
// and storage POSTs three at once; saves in the order the files were given, each with its own
// Request-ID, so a retry never saves a file twice.
function uploadFiles(page, files, list) {
  if (!files.length) return;
  const { maxUploadBytes } = page.rules;
  const { contentTypes, maxImages } = page.rules.realtyImages;
  let room = maxImages - page.images.length;
  const rows = files.map((file) => {
    let refusal = null;
    if (!contentTypes.includes(file.type)) refusal = `not a ${typeNames(contentTypes)} photo`;
    else if (file.size > maxUploadBytes) refusal = `${bytes(file.size)} is more than the limit of ${bytes(maxUploadBytes)}`;
    else if (room <= 0) refusal = `the realty is full (${maxImages} photos)`;
    else room -= 1;
    const row = uploadRow(list, file, { preview: !refusal });
    row.refusal = refusal;
    if (refusal) row.refused(refusal);
    return row;
  });
  const accepted = rows.filter((row) => !row.refusal);
  const limit = limiter(3);
  const stored = accepted.map((row) => limit(async () => {
    row.start("asking to upload");
    const grant = await api.uploadGrant(row.file.type);
    row.start("uploading");
    await api.postToStorage({ ...grant, signal: row.signal }, row.file, row.progress);
    row.status("uploaded, waiting to be saved");
    return grant.fields.key;
  }));
  stored.forEach((promise) => promise.catch(() => {}));  // each is awaited below, in order
  (async () => {
    let failed = rows.length - accepted.length;
    let cancelled = 0;
    for (const [index, row] of accepted.entries()) {
      try {
        const key = await stored[index];
        row.saving();
        await api.saveImages(page.id, [{ key, description: row.file.name.replace(/\.[^.]+$/, "") }], api.uuid4());
        row.saved();
      } catch (error) {
        if (wasCancelled(error)) {
          cancelled += 1;
          row.cancelled();
        } else {
          failed += 1;
          row.failed(`failed: ${reason(error)}`, `${error.code || ""} ${error.message || ""}`.trim());
        }
      }
      refresh(page, { quiet: true });  // the last one below decides what is said
    }
    const unread = await refresh(page, { quiet: true });
    const done = rows.length - failed - cancelled;
    const also = cancelled ? ` ${cancelled} cancelled.` : "";
    if (failed) say(`${failed} of ${rows.length} files were not uploaded: the list above says why for each.${also}`, true);
    else say(`${done} photo${done === 1 ? "" : "s"} uploaded.${also}`);
    if (unread) {
      const saved = failed ? `${done} of ${rows.length} files were uploaded (the list above says why not for the others)` : `${done} photo${done === 1 ? " was" : "s were"} uploaded`;
      fail(unread, "", "", `${saved}, but the gallery could not be read again (${reason(unread)}). Reload the page in a moment to see ${done === 1 ? "it" : "them"}.`);
    }
  })();
}

// What can be done with the selected photos (WordPress's bulk select): delete the unpublished ones.
function drawBulk(page) {
  const chosen = page.images.filter((i) => page.selected.has(i.id));
  for (const li of page.gallery.querySelectorAll("li[data-id]")) li.classList.toggle("selected", page.selected.has(li.dataset.id));
  if (!chosen.length) { page.bulk.replaceChildren(); return; }
  const deletable = chosen.filter((i) => !i.published);
  const remove = el("button", { type: "button", class: "danger", id: "delete-selected", disabled: !deletable.length },
    `Delete ${deletable.length} selected`);
  remove.addEventListener("click", () => busy(remove, async () => {
    const kept = chosen.length - deletable.length;
    const question = `Delete ${deletable.length} photo${deletable.length > 1 ? "s" : ""}? This cannot be undone.`
      + (kept ? ` ${kept} published photo${kept > 1 ? "s stay" : " stays"}: published photos cannot be deleted.` : "");
    if (!(await confirmed(question, "Delete", true))) return;
    let failed = null;
    for (const image of deletable) {
      try {
        await api.deleteImage(page.id, image.id, api.uuid4());
        page.selected.delete(image.id);
        page.drafts.delete(image.id);
      } catch (error) { failed = failed || { error, image }; }
    }
    if (failed) fail(failed.error, "Deleting", `Photo ${page.images.indexOf(failed.image) + 1}`);
    else say(`Deleted ${deletable.length} photo${deletable.length > 1 ? "s" : ""}.`);
    await refresh(page);
  }));
  const clear = el("button", { type: "button", id: "clear-selection" }, "Clear selection");
  clear.addEventListener("click", () => { page.selected.clear(); draw(page); });
  page.bulk.replaceChildren(el("span", { id: "selected-count" }, `${chosen.length} selected`), remove, clear,
    deletable.length < chosen.length ? el("span", { class: "hint" }, "Published photos cannot be deleted.") : null);
}

// A photo's details, as media libraries show them: the picture larger, its facts, its address.
function details(image, name) {
  const address = el("input", { readonly: true, id: "detail-url", value: image.url });
  const copy = el("button", { type: "button" }, "Copy address");
  copy.addEventListener("click", async () => {
    address.select();
    try { await navigator.clipboard.writeText(image.url); copy.textContent = "Copied"; } catch { copy.textContent = "Press Ctrl+C"; }
  });
  const facts = [
    ["Position", name.replace("Photo ", "")],
    ["Type", typeNames([image.contentType])],
    ["Size", image.width ? `${image.width} × ${image.height} px, ${bytes(image.size)}` : bytes(image.size)],
    ["Added", new Date(image.createdAt).toLocaleString()],
    ["State", image.published ? "published" : "not published"],
    ["SHA-256", el("code", {}, image.sha256)],
  ];
  const dialog = el("dialog", { class: "details", "aria-label": `Details of ${name}` },
    el("img", { src: image.url, alt: image.description || name }),
    el("div", {},
      el("h2", {}, name),
      image.description ? el("p", {}, image.description) : null,
      el("dl", {}, facts.flatMap(([term, value]) => [el("dt", {}, term), el("dd", {}, value)])),
      el("label", { for: "detail-url" }, "Address"), el("div", { class: "toolbar" }, address, copy),
      el("form", { method: "dialog" }, el("button", { type: "submit", class: "primary" }, "Close"))));
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}
