// "使用当前位置": fill the coordinates from the phone's location, on this page only. Listening on
// the document keeps working after htmx swaps the form.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-geolocate]");
  if (!button) return;
  const form = button.closest("form");
  const status = form.querySelector("[data-geolocate-status]");
  const say = (text) => { status.textContent = text; };
  if (!("geolocation" in navigator)) { say(button.dataset.unsupported); return; }
  say(button.dataset.locating);
  button.disabled = true;
  navigator.geolocation.getCurrentPosition(
    (position) => {
      form.querySelector("[name=latitude]").value = position.coords.latitude.toFixed(6);
      form.querySelector("[name=longitude]").value = position.coords.longitude.toFixed(6);
      say(button.dataset.done.replace("{n}", Math.round(position.coords.accuracy)));
      button.disabled = false;
    },
    (error) => {
      say(button.dataset["error" + error.code] || button.dataset.error2);
      button.disabled = false;
    },
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
  );
});
