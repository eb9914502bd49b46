// A project's attachments (IS24 dialect): pictures with titles, logos, the brochure, the virtual tour.
//
// Upload captures everything at the moment it is pressed (files, type, title) and queues one job
// per file, each with its own progress; the form is never redrawn, so what is typed or chosen for
// the next upload stays. Which slots are free comes from the service (/web/projects/{id}/rules).
import * as api from "./api.js";
import { bytes, label, typeNames } from "./messages.js";
import { cardPicture } from "./renditions.js";
import { arrowMove, busy, coalesced, confirmed, dragToMove, dropTarget, el, fail, limiter, moved, say } from "./ui.js";
import { uploadRow, wasCancelled } from "./uploads.js";

const kindOf = (a) => String(a["@xsi.type"] || "").split(":").pop();
const typeOf = (a) => a.pictureType || a.pdfDocumentType || a.linkType;

// What a refusal code of the contract means, short (beside a menu entry) and as a sentence.
const REFUSALS = {
  numberOfItemsExceeded: ["taken", (type) => `The project has its ${label(type)}: delete it to add another.`],
  deniedForProduct: ["PROFESSIONAL only", (type) => `A ${label(type)} needs a PROFESSIONAL project; this one is not.`],
};
const why = (slot) => (REFUSALS[slot.refusal] || [slot.refusal])[0];
const whySentence = (slot) => (REFUSALS[slot.refusal] ? REFUSALS[slot.refusal][1](slot.type) : `Not admitted now (${slot.refusal}).`);

export async function showProject(view, id, current = () => true) {
  const [project, items, rules] = await Promise.all([api.project(id), api.attachments(id), api.projectRules(id)]);
  if (!current()) return;  // the user went elsewhere while the project was read
  const page = { id, project, items, rules, titles: new Map(), lists: el("div", { id: "attachments" }) };
  const queue = el("ul", { class: "plain uploads", id: "project-uploads", "aria-label": "Uploads" });
  const jobs = limiter(2);
  const slot = (type) => page.rules.slots.find((s) => s.type === type);

  // -- pictures -------------------------------------------------------------------------------
  const pictureFiles = el("input", { type: "file", id: "picture-files", name: "picture", multiple: true });
  const pictureType = el("select", { name: "pictureType", id: "picture-type" });
  const title = el("input", { name: "title", id: "picture-title", placeholder: "e.g. Harbour view", autocomplete: "off" });
  const pictureUpload = el("button", { type: "button", class: "primary", id: "picture-upload" }, "Upload");
  const pictureDrop = el("div", { class: "dropzone small", id: "picture-drop" }, "…or drop pictures here");
  const pictureHint = el("p", { class: "hint", id: "picture-hint" });

  const startPictures = (files) => {
    const type = pictureType.value;
    const typed = title.value.trim();
    if (!files.length) { say("Choose a picture to upload first (or drop one on the form).", true); pictureFiles.focus(); return; }
    const chosen = slot(type);
    if (!chosen.free) { say(whySentence(chosen), true); return; }
    if (chosen.single && files.length > 1) { say(`A project holds one ${label(type)}: choose one file.`, true); return; }
    // Captured now: the queued jobs never read the form again.
    files.forEach((file, n) => {
      const caption = type === "IMAGE" && typed ? (files.length > 1 ? `${typed} (${n + 1})` : typed) : null;
      enqueue(file, chosen, (attachmentId) => {
        const attachment = { "@xsi.type": "realestateproject:Picture", "@id": attachmentId, pictureType: type };
        if (caption) attachment.title = caption;
        return attachment;
      });
    });
    pictureFiles.value = "";
    title.value = "";
  };
  pictureUpload.addEventListener("click", () => startPictures([...pictureFiles.files]));
  dropTarget(pictureDrop, startPictures);

  // -- brochure and tour ------------------------------------------------------------------------
  const brochure = el("input", { type: "file", name: "brochure", id: "brochure-file" });
  const brochureUpload = el("button", { type: "button", id: "brochure-upload" }, "Upload");
  const brochureNote = el("p", { class: "hint", id: "brochure-note" });
  brochureUpload.addEventListener("click", () => {
    const file = brochure.files[0];
    if (!file) { say("Choose the brochure (a PDF) first.", true); return; }
    const chosen = slot("BROCHURE");
    if (!chosen.free) { say(whySentence(chosen), true); return; }
    enqueue(file, chosen, (attachmentId) => ({ "@xsi.type": "realestateproject:PDFDocument", "@id": attachmentId, pdfDocumentType: "BROCHURE" }));
    brochure.value = "";
  });
  const tour = el("input", { type: "url", name: "tour", id: "tour-url", placeholder: "https://virtualtours.immobilienscout24.de/..." });
  const tourAdd = el("button", { type: "button", id: "tour-add" }, "Add");
  const tourNote = el("p", { class: "hint", id: "tour-note" });
  tourAdd.addEventListener("click", () => busy(tourAdd, async () => {
    const url = tour.value.trim();
    if (!url) { say("Type the virtual tour's address first.", true); tour.focus(); return; }
    try {
      await api.assign(id, { "@xsi.type": "realestateproject:Link", url, linkType: "VIRTUAL_TOUR" });
      tour.value = "";
      say("Virtual tour added.");
    } catch (error) { fail(error, "Adding the virtual tour", "the virtual tour"); }
    await refresh(page, applyRules);
  }));

  // Checks that can be made before sending (type, size, free slot), then ticket, storage, assign.
  // Cancel (uploads.js) takes a waiting file out of the queue, or aborts its storage POST, and
  // then nothing is assigned.
  function enqueue(file, chosen, attachment) {
    const row = uploadRow(queue, file, { caption: `${file.name} (${label(chosen.type)})`, preview: chosen.kind === "Picture" && chosen.contentTypes.includes(file.type) });
    if (!chosen.contentTypes.includes(file.type)) { row.refused(`a ${label(chosen.type)} must be ${typeNames(chosen.contentTypes)}`); return; }
    if (file.size > page.rules.maxUploadBytes) { row.refused(`${bytes(file.size)} is more than the limit of ${bytes(page.rules.maxUploadBytes)}`); return; }
    jobs(async () => {
      if (row.signal.aborted) return;  // cancelled while waiting: its row is gone already
      try {
        row.start("uploading");
        const ticket = await api.uploadTicket(id, file.type);
        await api.postToStorage({ ...ticket, signal: row.signal }, file, row.progress);
        row.saving();
        await api.assign(id, attachment(ticket.attachmentId));
        row.saved();
        say(`${file.name} added.`);
      } catch (error) {
        if (wasCancelled(error)) { row.cancelled(); say(`The upload of ${file.name} was cancelled: nothing of it was added.`); return; }
        row.failed("failed");
        fail(error, `Adding ${file.name}`, `“${file.name}”`);
      }
      await refresh(page, applyRules);
    });
  }

  // The parts of the form that depend on the contract, updated in place (never redrawn).
  function applyRules() {
    const current = pictureType.value || "IMAGE";
    pictureType.replaceChildren(...page.rules.slots.filter((s) => s.kind === "Picture").map((s) =>
      el("option", { value: s.type, disabled: !s.free, selected: s.type === current && s.free }, s.free ? label(s.type) : `${label(s.type)} (${why(s)})`)));
    if (pictureType.selectedOptions[0]?.disabled) pictureType.value = "IMAGE";
    const image = slot("IMAGE");
    pictureHint.textContent = `${typeNames(image.contentTypes)}, up to ${bytes(page.rules.maxUploadBytes)} each. `
      + `Titles (optional, pictures only) are ${page.rules.titleLength[0]}-${page.rules.titleLength[1]} characters; several files are numbered.`;
    for (const [type, input, button, note] of [["BROCHURE", brochure, brochureUpload, brochureNote], ["VIRTUAL_TOUR", tour, tourAdd, tourNote]]) {
      const s = slot(type);
      input.disabled = button.disabled = !s.free;
      note.textContent = s.free ? (type === "BROCHURE" ? `${typeNames(s.contentTypes)}, up to ${bytes(page.rules.maxUploadBytes)}.` : "One per project.") : whySentence(s);
    }
    if (brochure.accept !== slot("BROCHURE").contentTypes.join(",")) brochure.accept = slot("BROCHURE").contentTypes.join(",");
    pictureFiles.accept = image.contentTypes.join(",");
  }

  view.replaceChildren(
    el("nav", { "aria-label": "Breadcrumb" }, el("a", { href: "#/" }, "← All media")),
    el("h1", {}, project.name || project.title || `Project ${id}`, " ", el("span", { class: "badge", id: "product" }, rules.product)),
    el("fieldset", { id: "add-picture" }, el("legend", {}, "Add pictures or logos"),
      el("label", { for: "picture-files" }, "Files"), pictureFiles,
      el("label", { for: "picture-type" }, "Type"), pictureType,
      el("label", { for: "picture-title" }, "Title"), title,
      pictureUpload, pictureDrop, pictureHint),
    el("fieldset", { id: "add-brochure" }, el("legend", {}, "Brochure (PDF)"),
      el("label", { for: "brochure-file" }, "File"), brochure, brochureUpload, brochureNote),
    el("fieldset", { id: "add-tour" }, el("legend", {}, "Virtual tour"),
      el("label", { for: "tour-url" }, "Address"), tour, tourAdd, tourNote),
    queue,
    page.lists);
  applyRules();
  drawLists(page, applyRules);
}

// The attachments and the free slots as the service has them now, one reading at a time. A read
// refused by a rate limit is sent again (api.js); if it still fails, the page says so and keeps
// what it shows.
async function refresh(page, applyRules) {
  page.reread = page.reread || coalesced(async () => {
    const [items, rules] = await Promise.all([api.attachments(page.id), api.projectRules(page.id)]);
    page.items = items;
    page.rules = rules;
    applyRules();
    drawLists(page, applyRules);
  });
  try { await page.reread(); } catch (error) { fail(error, "Reading the attachments again", "the attachments"); }
}

function drawLists(page, applyRules) {
  const { items } = page;
  const pictures = items.filter((a) => kindOf(a) === "Picture" && typeOf(a) === "IMAGE");
  const logos = items.filter((a) => kindOf(a) === "Picture" && typeOf(a) !== "IMAGE");
  const active = document.activeElement;
  const focus = active && active.closest && active.closest("#attachments figure")
    ? { id: active.closest("figure").dataset.id, role: active.dataset.role } : null;

  const remove = (a, name) => {
    const button = el("button", { type: "button", class: "danger", "data-role": "delete" }, "Delete");
    button.addEventListener("click", () => busy(button, async () => {
      if (!(await confirmed(`Delete ${name}? This cannot be undone.`, "Delete", true))) return;
      try {
        await api.deleteAttachment(page.id, a["@id"]);
        page.titles.delete(a["@id"]);
        say(`Deleted ${name}.`);
      } catch (error) { fail(error, "Deleting", name); }
      await refresh(page, applyRules);
    }));
    return button;
  };

  const picture = (a, index) => {
    const name = a.title ? `picture ${index + 1} (“${a.title}”)` : `picture ${index + 1}`;
    const field = el("input", { id: `title-${a["@id"]}`, "data-role": "title", autocomplete: "off" });
    field.value = page.titles.get(a["@id"]) ?? a.title ?? "";
    field.addEventListener("input", () => page.titles.set(a["@id"], field.value));
    field.addEventListener("change", () => saveTitle(page, a, field, name, applyRules));
    const handle = el("button", { type: "button", class: "handle", "data-role": "handle",
      "aria-label": `Move picture ${index + 1} of ${pictures.length}; arrow keys move it, Home and End to the first or last place` }, "✥");
    handle.addEventListener("keydown", (event) => arrowMove(event, index, pictures.length, (to) => reorder(page, a["@id"], to, applyRules)));
    const position = el("select", { id: `position-${a["@id"]}`, "data-role": "position" },
      pictures.map((_, i) => el("option", { value: String(i), selected: i === index }, String(i + 1))));
    position.addEventListener("change", () => reorder(page, a["@id"], Number(position.value), applyRules));
    const figure = el("figure", { dataset: { id: a["@id"] }, draggable: "true", "aria-label": `Picture ${index + 1}` },
      cardPicture(el, { alt: a.title || `Picture ${index + 1}`, loading: "lazy", draggable: "false" },
        findUrl(a, "SCALE_AND_CROP"), a.placeholder, findUrl(a)),
      el("figcaption", {},
        el("label", { for: field.id, class: "visually-hidden" }, `Title of picture ${index + 1}`), field,
        el("div", { class: "actions" }, handle, el("label", { for: position.id, class: "inline" }, "Position ", position), remove(a, name))));
    dragToMove(page, figure, a["@id"], (dragged) => reorder(page, dragged, index, applyRules));
    return figure;
  };
  const other = (a) => {
    const kind = kindOf(a);
    const name = `the ${label(typeOf(a))}`;
    return el("figure", { dataset: { id: a["@id"] }, class: kind === "Picture" ? "logo" : "" },
      kind === "Picture" ? cardPicture(el, { alt: label(typeOf(a)), loading: "lazy" }, findUrl(a, "SCALE_AND_CROP"), a.placeholder, findUrl(a)) : null,
      el("figcaption", {},
        kind === "Picture" ? label(typeOf(a)) : [`${label(typeOf(a)) || kind}: `,
          el("a", { href: kind === "Link" ? a.url : findUrl(a), target: "_blank", rel: "noopener" }, kind === "Link" ? a.url : "PDF")],
        " ", remove(a, name)));
  };
  const section = (heading, list, draw, extra = null) => [el("h2", {}, heading), ...(extra ? [extra] : []),
    list.length ? el("div", { class: "attachments" }, list.map(draw)) : el("p", { class: "hint" }, "None yet.")];

  page.lists.replaceChildren(
    ...section("Pictures", pictures, picture, pictures.length > 1 ? el("p", { class: "hint" }, "Drag a picture to move it, or focus its ✥ handle and use the arrow keys.") : null),
    ...section("Logos", logos, other),
    ...section("Brochure", items.filter((a) => kindOf(a) === "PDFDocument"), other),
    ...section("Virtual tour", items.filter((a) => kindOf(a) === "Link"), other));
  if (focus) page.lists.querySelector(`figure[data-id="${focus.id}"] [data-role="${focus.role}"]`)?.focus();
}

async function saveTitle(page, attachment, field, name, applyRules) {
  const text = page.titles.get(attachment["@id"]);
  if (text === undefined) return;
  const changed = { "@xsi.type": "realestateproject:Picture", "@id": attachment["@id"], pictureType: "IMAGE" };
  if (text.trim()) changed.title = text.trim();
  try {
    await api.updateAttachment(page.id, changed);
    if (page.titles.get(attachment["@id"]) === text) page.titles.delete(attachment["@id"]);
    say("Title saved.");
  } catch (error) {
    // The typed title stays in the field (page.titles) for another try.
    fail(error, "Saving the title", name);
    return;
  }
  await refresh(page, applyRules);
}

// IS24's order puts the given files first: send every file, in the new order of the pictures,
// as the service has them now (another tab may have added some).
async function reorder(page, attachmentId, position, applyRules) {
  try {
    const current = await api.attachments(page.id);
    const files = current.filter((a) => kindOf(a) !== "Link");
    const pictures = files.filter((a) => kindOf(a) === "Picture" && typeOf(a) === "IMAGE").map((a) => a["@id"]);
    const rest = files.map((a) => a["@id"]).filter((i) => !pictures.includes(i));
    await api.orderAttachments(page.id, [...moved(pictures, attachmentId, position), ...rest]);
    say("Order saved.");
  } catch (error) { fail(error, "Moving the picture", "the picture"); }
  await refresh(page, applyRules);
}

// The URL of one scale of a Picture (SCALE_MAX: the full picture; a template for the others).
function findUrl(attachment, scale = "SCALE_MAX") {
  if (typeof attachment.url === "string") return scale === "SCALE_MAX" ? attachment.url : null;
  const urls = api.findAll(attachment.urls, "url");
  const best = urls.find((u) => u["@scale"] === scale) || (scale === "SCALE_MAX" ? urls[urls.length - 1] : null);
  return best ? best["@href"] : scale === "SCALE_MAX" ? attachment.href || null : null;
}
