// The page: log in, list realties and projects, and route to a realty's gallery (realty.js) or a
// project's attachments (project.js). Every change goes through the public APIs (api.js).
import * as api from "./api.js";
import { showProject } from "./project.js";
import { showRealty } from "./realty.js";
import { busy, el, fail, realtyName, say } from "./ui.js";

const view = document.getElementById("view");

// -- routing ------------------------------------------------------------------------------------

let routes = 0;  // a later route() draws over an earlier one, never the other way round

async function route() {
  const mine = ++routes;
  say("");
  const user = api.currentUser() || (await api.resume())?.username;
  document.getElementById("who").hidden = document.getElementById("logout").hidden = !user;
  if (!user) { showLogin(); return; }
  document.getElementById("who").textContent = user;
  const [, kind, id] = location.hash.match(/^#\/(realty|project)\/(.+)$/) || [];
  try {
    const current = () => mine === routes;
    if (kind === "realty") await showRealty(view, decodeURIComponent(id), current);
    else if (kind === "project") await showProject(view, decodeURIComponent(id), current);
    else await showHome(current);
  } catch (error) { fail(error, "Loading"); }
}

function showLogin() {
  const submit = el("button", { class: "primary", type: "submit" }, "Log in");
  const form = el("form", { class: "login", "aria-label": "Log in" },
    el("h1", {}, "Log in"),
    el("label", {}, "Username ", el("input", { name: "username", autocomplete: "username", required: true })),
    el("label", {}, "Password ", el("input", { name: "password", type: "password", autocomplete: "current-password", required: true })),
    submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      try {
        await api.login(form.username.value, form.password.value);
        await route();
      } catch (error) { fail(error, "Logging in"); }
    });
  });
  view.replaceChildren(form);
}

// -- home ---------------------------------------------------------------------------------------

async function showHome(current = () => true) {
  const [realties, projects] = await Promise.all([
    api.realties(),
    api.projects().catch((error) => { fail(error, "Loading projects"); return []; }),
  ]);
  if (!current()) return;  // the user went elsewhere while the lists were read
  const name = el("input", { name: "realty-name", id: "realty-name-new", placeholder: "e.g. Sunny two-room flat, Kallio", autocomplete: "off" });
  // A redraw of the home view (a second route() while the first was drawing) keeps what was typed.
  const before = document.getElementById("realty-name-new");
  const typing = before && document.activeElement === before;
  if (before && before.value) name.value = before.value;
  const submit = el("button", { type: "submit" }, "New realty");
  const create = el("form", { class: "toolbar", "aria-label": "New realty" },
    el("label", { for: "realty-name-new" }, "Name"), name, submit);
  create.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(submit, async () => {
      try {
        const made = await api.createRealty(name.value.trim(), api.uuid4());
        location.hash = `#/realty/${made.id}`;
      } catch (error) { fail(error, "Creating the realty"); }
    });
  });
  view.replaceChildren(
    el("h1", {}, "Your media"),
    el("h2", {}, "Realties"),
    create,
    el("ul", { class: "plain", id: "realties" }, realties.map((r) =>
      el("li", {}, el("a", { href: `#/realty/${r.id}` }, realtyName(r)), " ",
        el("span", { class: r.published ? "badge published" : "badge" }, r.published ? "published" : "draft"),
        r.imageCount !== undefined ? ` ${r.imageCount} photos` : ""))),
    el("h2", {}, "Projects"),
    el("ul", { class: "plain", id: "projects" }, projects.map((p) =>
      el("li", {}, el("a", { href: `#/project/${p["@id"] ?? p.id}` }, p.name || p.title || p["@id"]), " ",
        p.product ? el("span", { class: "badge" }, p.product) : null))),
  );
  if (typing) name.focus();
}

// -- start --------------------------------------------------------------------------------------

document.getElementById("logout").addEventListener("click", async () => {
  try { await api.logout(); } catch (error) { fail(error, "Logout"); return; }
  location.hash = "#/";
  await route();
});
window.addEventListener("hashchange", route);
route();
