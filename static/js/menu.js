// The phone header's menu button: shows and hides the store navigation. Without this script the
// navigation simply stays visible (the `js` class is what lets the stylesheet fold it away).
document.documentElement.classList.add("js");
document.addEventListener("click", (event) => {
  const button = event.target.closest(".menu-button");
  if (!button) return;
  const nav = document.getElementById(button.getAttribute("aria-controls"));
  const open = button.getAttribute("aria-expanded") !== "true";
  button.setAttribute("aria-expanded", String(open));
  nav.classList.toggle("open", open);
});
// The portal's menu groups (<details>): one open at a time, and a click elsewhere closes them.
document.addEventListener("click", (event) => {
  const inside = event.target.closest(".nav-group");
  document.querySelectorAll(".nav-group[open]").forEach((group) => {
    if (group !== inside) group.open = false;
  });
});
