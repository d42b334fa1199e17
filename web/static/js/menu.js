// The phone menu: on a narrow screen the main navigation folds behind the
// header's Menu link (which, without this script, opens it as its
// #target). The script makes the link a button that says whether the
// menu is open; Escape closes it and gives focus back to the button.
(() => {
  const button = document.querySelector(".menu-button");
  const nav = document.getElementById("site-nav");
  if (!button || !nav) return;
  const header = button.closest(".site-header");
  button.setAttribute("role", "button");
  button.setAttribute("aria-controls", nav.id);
  const set = open => {
    button.setAttribute("aria-expanded", String(open));
    header.classList.toggle("menu-open", open);
  };
  set(false);
  button.addEventListener("click", e => {
    e.preventDefault();
    set(button.getAttribute("aria-expanded") !== "true");
  });
  button.addEventListener("keydown", e => {
    if (e.key === " ") { e.preventDefault(); button.click(); }
  });
  nav.addEventListener("keydown", e => {
    if (e.key === "Escape") { set(false); button.focus(); }
  });
})();
