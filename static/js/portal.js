// Small behaviours shared by every page.

// A choice that applies at once (language, year, period): the form is sent when it changes. Here
// rather than in an onchange attribute, which the Content-Security-Policy does not run.
document.addEventListener("change", (event) => {
  const field = event.target.closest("[data-auto-submit]");
  if (field && field.form) field.form.submit();
});

document.addEventListener("DOMContentLoaded", () => {
  // Role assignment form: show only the scope field that the chosen role needs.
  const role = document.querySelector("[data-role-select]");
  if (role) {
    const levels = JSON.parse(role.dataset.roleSelect);
    const sync = () => {
      const level = levels[role.value];
      document.querySelectorAll("[data-scope-field]").forEach((el) => {
        el.hidden = el.dataset.scopeField !== level;
      });
    };
    role.addEventListener("change", sync);
    sync();
  }
});
