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
