// A new round's form (assessments.forms.AssessmentForm): choosing a department selects
// the model preselected for it (data-suggested-versions on the department's select),
// unless a model was chosen by hand; the target level offers only the chosen model's
// levels (data-levels on the model's select). Without the script the page works as
// rendered, and the server refuses a target above the model's levels.
(() => {
  const model = document.querySelector("select[data-levels]");
  if (!model) return;
  const target = document.getElementById(model.dataset.targetLevel);
  const department = document.querySelector("select[data-suggested-versions]");
  const levels = JSON.parse(model.dataset.levels);
  const options = target ? Array.from(target.options) : [];  // every level the page offers

  const offerLevels = () => {
    if (!target) return;
    const top = levels[model.value];
    const chosen = target.value;
    target.replaceChildren(...options.filter(
      (option) => option.value === "" || top === undefined || Number(option.value) <= top));
    target.value = Array.from(target.options).some((option) => option.value === chosen)
      ? chosen : "";
  };

  let chosenByHand = false;
  model.addEventListener("change", () => {
    chosenByHand = true;
    offerLevels();
  });
  if (department) {
    const suggested = JSON.parse(department.dataset.suggestedVersions);
    department.addEventListener("change", () => {
      const version = suggested[department.value];
      if (chosenByHand || version === undefined) return;
      model.value = version;
      offerLevels();
    });
  }
  offerLevels();
})();
