// Small progressive enhancements shared by every page (no inline scripts: CSP).
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el.matches("select[data-autosubmit]")) el.form.requestSubmit();
});
document.addEventListener("submit", (event) => {
  const message = event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});
// "Copy link" buttons (templates/assessments/_copy_link.html): shown only where the
// script can copy; without it the read-only field beside them is selected by hand.
document.querySelectorAll("button[data-copy]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", async () => {
    const field = document.getElementById(button.dataset.copy);
    if (!field) return;
    const label = button.textContent;
    try {
      await navigator.clipboard.writeText(field.value);
    } catch {
      field.select();
      document.execCommand("copy");
    }
    button.textContent = button.dataset.copied;
    button.setAttribute("aria-live", "polite");
    setTimeout(() => { button.textContent = label; }, 2000);
  });
});
// A table that scrolls sideways in its .table-responsive box (a phone, a long name) can be
// scrolled with the keyboard: the box becomes a focusable, named region while it
// overflows, and stops being one when it no longer does (WCAG 2.1.1; axe's
// scrollable-region-focusable). Boxes that fit add no tab stop.
const scrollables = () => document.querySelectorAll(".table-responsive").forEach((box) => {
  const overflows = box.scrollWidth > box.clientWidth + 1;
  if (overflows && !box.hasAttribute("tabindex")) {
    const named = box.querySelector("caption")
      || box.closest("section, .card")?.querySelector("h2, h3, .card-header");
    box.setAttribute("tabindex", "0");
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", (named ? named.textContent : document.title).trim());
    box.dataset.madeScrollable = "";
  } else if (!overflows && box.hasAttribute("data-made-scrollable")) {
    ["tabindex", "role", "aria-label", "data-made-scrollable"].forEach((name) => box.removeAttribute(name));
  }
});
scrollables();
window.addEventListener("resize", scrollables);
