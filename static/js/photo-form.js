// Forms with photos are sent by htmx, so that the chosen photos survive when the form comes back
// with a question or an error. Whatever else comes back (the sign-in page once a session has
// ended) is opened as a page; a send that fails says so and leaves the form as it was.
document.addEventListener("htmx:beforeSwap", (event) => {
  const form = event.detail.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-photo-form")) return;
  if (event.detail.xhr.status === 200 && !event.detail.serverResponse.includes(`id="${form.id}"`)) {
    event.detail.shouldSwap = false;
    window.location.assign(event.detail.xhr.responseURL);
  }
});
for (const name of ["htmx:responseError", "htmx:sendError"]) {
  document.addEventListener(name, (event) => {
    const form = event.detail.elt.closest("form[data-photo-form]");
    const box = form && form.querySelector("[data-photo-form-failed]");
    if (box) box.hidden = false;
  });
}
