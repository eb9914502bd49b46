// The page: log in, list realties and projects, a realty's gallery, a project's attachments.
// Every change goes through the public APIs (api.js); this module only draws and wires events.
import * as api from "./api.js";

const view = document.getElementById("view");
const messageBox = document.getElementById("message");

// -- small helpers ------------------------------------------------------------------------------

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child);
  return node;
}

function say(text, isError = false) {
  messageBox.textContent = text;
  messageBox.classList.toggle("error", isError);
  messageBox.hidden = !text;
}

function fail(error, doing) {
  const reason = error instanceof api.ApiError ? `${error.message} (${error.code})` : String(error);
  say(`${doing} failed: ${reason}`, true);
}

// At most `n` of the returned function's tasks run at once; the others wait their turn.
function limiter(n) {
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

// -- routing ------------------------------------------------------------------------------------

async function route() {
  say("");
  const user = api.currentUser() || (await api.resume())?.username;
  document.getElementById("who").hidden = document.getElementById("logout").hidden = !user;
  if (!user) { showLogin(); return; }
  document.getElementById("who").textContent = user;
  const [, kind, id] = location.hash.match(/^#\/(realty|project)\/(.+)$/) || [];
  try {
    if (kind === "realty") await showRealty(decodeURIComponent(id));
    else if (kind === "project") await showProject(decodeURIComponent(id));
    else await showHome();
  } catch (error) { fail(error, "Loading"); }
}

function showLogin() {
  const form = el("form", { class: "login", "aria-label": "Log in" },
    el("h1", {}, "Log in"),
    el("label", {}, "Username ", el("input", { name: "username", autocomplete: "username", required: true })),
    el("label", {}, "Password ", el("input", { name: "password", type: "password", autocomplete: "current-password", required: true })),
    el("button", { class: "primary", type: "submit" }, "Log in"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api.login(form.username.value, form.password.value);
      await route();
    } catch (error) { fail(error, "Login"); }
  });
  view.replaceChildren(form);
}

// -- home ---------------------------------------------------------------------------------------

async function showHome() {
  const [realties, projects] = await Promise.all([
    api.realties(),
    api.projects().catch((error) => { fail(error, "Loading projects"); return []; }),
  ]);
  const name = el("input", { name: "realty-name", placeholder: "Name of a new realty" });
  const create = el("form", { class: "toolbar" }, name, el("button", { type: "submit" }, "New realty"));
  create.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const made = await api.createRealty(name.value.trim());
      location.hash = `#/realty/${made.id}`;
    } catch (error) { fail(error, "Creating the realty"); }
  });
  view.replaceChildren(
    el("h1", {}, "Your media"),
    el("h2", {}, "Realties"),
    create,
    el("ul", { class: "plain", id: "realties" }, realties.map((r) =>
      el("li", {}, el("a", { href: `#/realty/${r.id}` }, r.name || r.id), " ",
        el("span", { class: r.published ? "badge published" : "badge" }, r.published ? "published" : "draft"),
        r.imageCount !== undefined ? ` ${r.imageCount} images` : ""))),
    el("h2", {}, "Projects"),
    el("ul", { class: "plain", id: "projects" }, projects.map((p) =>
      el("li", {}, el("a", { href: `#/project/${p["@id"] ?? p.id}` }, p.name || p.title || p["@id"]), " ",
        p.product ? el("span", { class: "badge" }, p.product) : null))),
  );
}

// -- a realty's gallery -------------------------------------------------------------------------

async function showRealty(id) {
  const [realty, others] = await Promise.all([api.getRealty(id), api.realties()]);
  const gallery = el("ol", { class: "gallery", id: "gallery", "aria-label": "Images" });
  const uploads = el("ul", { class: "plain uploads", id: "uploads" });
  const input = el("input", { type: "file", id: "files", multiple: true, accept: "image/jpeg,image/png,image/webp", hidden: true });
  const drop = el("label", { class: "dropzone", for: "files" }, "Drop photos here, or click to choose them", input);
  const source = el("select", { name: "source", "aria-label": "Copy from" },
    el("option", { value: "" }, "Copy images from…"),
    others.filter((r) => r.id !== id).map((r) => el("option", { value: r.id }, r.name || r.id)));

  const redraw = async () => drawGallery(id, gallery, await api.images(id));
  const act = async (doing, work, done) => {
    try { await work(); if (done) say(done); await redraw(); } catch (error) { fail(error, doing); }
  };

  input.addEventListener("change", () => { uploadFiles(id, [...input.files], uploads, redraw); input.value = ""; });
  drop.addEventListener("dragover", (event) => {
    if (event.dataTransfer.types.includes("Files")) { event.preventDefault(); drop.classList.add("over"); }
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    uploadFiles(id, [...event.dataTransfer.files], uploads, redraw);
  });

  view.replaceChildren(
    el("p", {}, el("a", { href: "#/" }, "← all media")),
    el("h1", {}, realty.name || `Realty ${realty.id}`, " ",
      el("span", { class: realty.published ? "badge published" : "badge", id: "realty-state" }, realty.published ? "published" : "draft")),
    el("div", { class: "toolbar" },
      el("button", { type: "button", id: "publish", onclick: () => act("Publishing", async () => {
        await api.publishRealty(id);
        document.getElementById("realty-state").textContent = "published";
        document.getElementById("realty-state").className = "badge published";
      }, "Published.") }, "Publish"),
      source,
      el("button", { type: "button", id: "copy", onclick: () => source.value && act("Copying", () => api.copyImages(id, source.value), "Copied.") }, "Copy")),
    drop, uploads, gallery);
  await redraw();
}

function drawGallery(realtyId, gallery, items) {
  const save = async (doing) => {
    const list = [...gallery.children].map((li) => ({ id: li.dataset.id, description: li.querySelector("input").value }));
    try { await api.putImages(realtyId, list); say(`${doing} saved.`); } catch (error) { fail(error, doing); }
    drawGallery(realtyId, gallery, await api.images(realtyId));
  };
  let dragged = null;
  gallery.replaceChildren(...items.map((image, index) => {
    const li = el("li", { draggable: "true", dataset: { id: image.id }, "aria-label": image.description || `image ${index + 1}` },
      el("img", { src: image.url, alt: image.description || "", loading: "lazy", draggable: "false" }),
      el("input", { value: image.description || "", "aria-label": "Description", onchange: () => save("Description") }),
      el("div", { class: "meta" },
        el("span", {}, `#${index + 1}${image.width ? ` · ${image.width}×${image.height}` : ""}`),
        image.published ? el("span", { class: "badge published" }, "published") : null,
        el("button", { type: "button", class: "danger", onclick: async () => {
          try {
            await api.deleteImage(realtyId, image.id);
            say("Deleted.");
          } catch (error) { fail(error, "Delete"); }
          drawGallery(realtyId, gallery, await api.images(realtyId));
        } }, "Delete")));
    // Drag to reorder: drop an image on another to put it in that one's place.
    li.addEventListener("dragstart", (event) => {
      dragged = li;
      li.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("application/x-realty-image", image.id);
    });
    li.addEventListener("dragend", () => li.classList.remove("dragging"));
    li.addEventListener("dragover", (event) => {
      if (dragged && dragged !== li) { event.preventDefault(); li.classList.add("target"); }
    });
    li.addEventListener("dragleave", () => li.classList.remove("target"));
    li.addEventListener("drop", (event) => {
      event.preventDefault();
      li.classList.remove("target");
      if (!dragged || dragged === li) return;
      const children = [...gallery.children];
      const from = children.indexOf(dragged);
      const to = children.indexOf(li);
      li.insertAdjacentElement(from < to ? "afterend" : "beforebegin", dragged);
      dragged = null;
      save("Order");
    });
    return li;
  }));
}

// Grants and storage POSTs run three at once; saves go in the order the files were given.
async function uploadFiles(realtyId, files, list, redraw) {
  if (!files.length) return;
  const rows = files.map((file) => {
    const bar = el("progress", { max: "1", value: "0" });
    const state = el("span", {}, "waiting");
    list.append(el("li", { dataset: { name: file.name } }, el("span", {}, file.name), bar, state));
    return { file, bar, state };
  });
  const limit = limiter(3);
  const stored = rows.map((row) => limit(async () => {
    const grant = await api.uploadGrant(row.file.type || "application/octet-stream");
    row.state.textContent = "uploading";
    await api.postToStorage(grant, row.file, (part) => { row.bar.value = part; });
    return grant.fields.key;
  }));
  stored.forEach((promise) => promise.catch(() => {}));  // each is awaited below, in order
  let failed = 0;
  for (const [index, row] of rows.entries()) {
    try {
      const key = await stored[index];
      row.state.textContent = "saving";
      await api.saveImages(realtyId, [{ key, description: row.file.name.replace(/\.[^.]+$/, "") }]);
      row.state.textContent = "saved";
    } catch (error) {
      failed += 1;
      row.state.textContent = `failed: ${error.message}`;
      row.state.className = "failed";
    }
    await redraw();
  }
  if (failed) say(`${failed} of ${rows.length} files failed; see the list above.`, true);
  else say(`${rows.length} photos uploaded.`);
}

// -- a project's attachments --------------------------------------------------------------------

async function showProject(id) {
  const [project, items] = await Promise.all([api.project(id), api.attachments(id)]);
  const kind = (a) => String(a["@xsi.type"] || "").split(":").pop();
  const type = (a) => a.pictureType || a.pdfDocumentType || a.linkType;
  const link = (a) => (typeof a.url === "string" ? a.url : null) || findUrl(a);
  const act = async (doing, work) => {
    try { await work(); say(`${doing} done.`); await showProject(id); } catch (error) { fail(error, doing); }
  };

  const figure = (a) => el("figure", { dataset: { id: a["@id"] } },
    kind(a) === "Picture" ? el("img", { src: link(a), alt: a.title || type(a) }) : null,
    el("figcaption", {},
      kind(a) === "Picture"
        ? `${type(a)}${a.title ? `: ${a.title}` : ""}`
        : [`${type(a) || kind(a)}: `, el("a", { href: link(a), target: "_blank", rel: "noopener" }, kind(a) === "Link" ? link(a) : "PDF")],
      " ",
      el("button", { type: "button", class: "danger", onclick: () => act("Delete", () => api.deleteAttachment(id, a["@id"])) }, "Delete")));
  const section = (title, list) => [el("h2", {}, title), list.length ? el("div", { class: "attachments" }, list.map(figure)) : el("p", { class: "rules" }, "None yet.")];

  const pictureFile = el("input", { type: "file", accept: "image/jpeg,image/png,image/gif", name: "picture" });
  const pictureType = el("select", { name: "pictureType" }, ["IMAGE", "PROJECT_LOGO", "COMPANY_LOGO"].map((t) => el("option", { value: t }, t)));
  const title = el("input", { name: "title", placeholder: "Title (for IMAGE)" });
  const brochure = el("input", { type: "file", accept: "application/pdf", name: "brochure" });
  const tour = el("input", { type: "url", name: "tour", placeholder: "https://virtualtours.immobilienscout24.de/..." });

  const uploadFile = async (file) => {
    const ticket = await api.uploadTicket(id, file.type);
    await api.postToStorage(ticket, file, () => {});
    return ticket.attachmentId;
  };

  view.replaceChildren(
    el("p", {}, el("a", { href: "#/" }, "← all media")),
    el("h1", {}, project.name || project.title || `Project ${id}`, " ", project.product ? el("span", { class: "badge" }, project.product) : null),
    el("p", { class: "rules" }, "Pictures of type IMAGE are unlimited; one virtual tour; brochure, project logo and company logo once each, PROFESSIONAL only. The service reports any rule a change breaks."),
    el("fieldset", {}, el("legend", {}, "Add a picture"), pictureFile, pictureType, title,
      el("button", { type: "button", onclick: () => pictureFile.files[0] && act("Adding the picture", async () => {
        const attachment = { "@xsi.type": "realestateproject:Picture", "@id": await uploadFile(pictureFile.files[0]), pictureType: pictureType.value };
        if (title.value.trim()) attachment.title = title.value.trim();
        await api.assign(id, attachment);
      }) }, "Upload")),
    el("fieldset", {}, el("legend", {}, "Brochure (PDF)"), brochure,
      el("button", { type: "button", onclick: () => brochure.files[0] && act("Adding the brochure", async () => {
        await api.assign(id, { "@xsi.type": "realestateproject:PDFDocument", "@id": await uploadFile(brochure.files[0]), pdfDocumentType: "BROCHURE" });
      }) }, "Upload")),
    el("fieldset", {}, el("legend", {}, "Virtual tour"), tour,
      el("button", { type: "button", onclick: () => act("Adding the virtual tour", () =>
        api.assign(id, { "@xsi.type": "realestateproject:Link", url: tour.value.trim(), linkType: "VIRTUAL_TOUR" })) }, "Add")),
    ...section("Pictures", items.filter((a) => kind(a) === "Picture" && type(a) === "IMAGE")),
    ...section("Logos", items.filter((a) => kind(a) === "Picture" && type(a) !== "IMAGE")),
    ...section("Brochure", items.filter((a) => kind(a) === "PDFDocument")),
    ...section("Virtual tour", items.filter((a) => kind(a) === "Link")),
  );
}

function findUrl(attachment) {
  const urls = api.findAll(attachment.urls, "url");
  const best = urls.find((u) => u["@scale"] === "SCALE_MAX") || urls[0];
  return best ? best["@href"] : attachment.href || null;
}

// -- start --------------------------------------------------------------------------------------

document.getElementById("logout").addEventListener("click", async () => {
  try { await api.logout(); } catch (error) { fail(error, "Logout"); return; }
  location.hash = "#/";
  await route();
});
window.addEventListener("hashchange", route);
route();
