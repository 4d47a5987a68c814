// Small behaviours shared by every page.
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
