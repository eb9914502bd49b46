// Pictures at the size of their box: a WebP rendition from the service's SCALE_AND_CROP template
// (1x and 2x), the picture's tiny placeholder behind it until it arrives, the full picture a
// click away. The box is the cards' (4:3, about 240 pixels wide): the sizes the service warms up.
const BOX = [240, 180];

export function fill(template, width, height, format = "webp") {
  return template.replace("%WIDTH%", String(width)).replace("%HEIGHT%", String(height)).replace(/\.jpg$/, `.${format}`);
}

// The <img> of a card: `props` as for el("img"), `template` the SCALE_AND_CROP template (or
// none: then the full picture), `full` the original's URL, which a click opens when `link`
// (a card whose click does something else already passes false).
export function cardPicture(el, props, template, placeholder, full, link = true) {
  const [width, height] = BOX;
  const sized = template
    ? { src: fill(template, width, height), srcset: `${fill(template, width, height)} 1x, ${fill(template, 2 * width, 2 * height)} 2x`, width, height }
    : { src: full };
  const img = el("img", { ...props, ...sized });
  img.addEventListener("error", () => askAgain(img));
  if (placeholder) img.style.backgroundImage = `url("${placeholder}")`; // CSSOM: allowed by the page's CSP
  return full && link ? el("a", { href: full, target: "_blank", rel: "noopener", class: "full", draggable: "false" }, img) : img;
}

// A picture refused for the moment (the rate limits count every request of the session, and an
// <img> cannot read a Retry-After) is asked for again 1, 2, 4 and 8 s later: setting its sources
// anew loads them again. One that is really missing just fails once more each time.
const AGAIN_MS = [1000, 2000, 4000, 8000];
function askAgain(img) {
  const tries = Number(img.dataset.tries || 0);
  if (tries >= AGAIN_MS.length) return;
  img.dataset.tries = String(tries + 1);
  setTimeout(() => {
    if (!img.isConnected) return;
    if (img.srcset) img.setAttribute("srcset", img.getAttribute("srcset"));
    img.setAttribute("src", img.getAttribute("src"));
  }, AGAIN_MS[tries]);
}
