// The consensus session on a phone (templates/assessments/session.html): every statement
// is folded to its text and whether it is agreed, and unfolds when tapped, so the agenda
// of fifty statements reads in a few screens. A wide screen (the projector) shows them
// all open, as does a browser without this script. The statement a link points to
// (#statement-N, where recording without JavaScript returns) stays open. The page's
// updates (htmx) replace what is inside a statement, never its folding.
(() => {
  const wide = window.matchMedia("(min-width: 992px)");
  const targeted = () => {
    const id = decodeURIComponent(window.location.hash.slice(1));
    return id ? document.getElementById(id) : null;
  };
  const fold = () => {
    const target = targeted();
    document.querySelectorAll("details[data-session-details]").forEach((details) => {
      details.open = wide.matches || (target !== null && target.contains(details));
    });
  };
  fold();
  wide.addEventListener("change", fold);
  window.addEventListener("hashchange", () => {
    const details = targeted()?.querySelector("details[data-session-details]");
    if (details) details.open = true;
  });
})();
