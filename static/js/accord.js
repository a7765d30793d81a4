/* Accord's small behaviours, kept out of the markup so a strict Content-Security-Policy holds:
   - the menu button opens and closes the navigation below the layout breakpoint;
   - tables get a scrolling wrapper so a wide table scrolls inside its card, not the page;
   - forms and buttons marked data-confirm ask before an irreversible action (native <dialog>). */
(function () {
  "use strict";

  function setMenu(open) {
    var button = document.querySelector("[data-menu-toggle]");
    if (!button) return;
    button.setAttribute("aria-expanded", open ? "true" : "false");
    document.body.classList.toggle("nav-open", open);
  }

  function wrapTables(root) {
    var tables = (root || document).querySelectorAll("table");
    if (root && root.tagName === "TABLE") tables = [root];
    Array.prototype.forEach.call(tables, function (table) {
      var parent = table.parentElement;
      if (!parent || parent.classList.contains("table-scroll")) return;
      var wrap = document.createElement("div");
      wrap.className = "table-scroll";
      parent.insertBefore(wrap, table);
      wrap.appendChild(table);
    });
  }

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-menu-toggle]");
    if (toggle) {
      setMenu(toggle.getAttribute("aria-expanded") !== "true");
      return;
    }
    if (document.body.classList.contains("nav-open") && !event.target.closest("#sidebar")) setMenu(false);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && document.body.classList.contains("nav-open")) {
      setMenu(false);
      var button = document.querySelector("[data-menu-toggle]");
      if (button) button.focus();
    }
  });

  document.addEventListener("DOMContentLoaded", function () { wrapTables(document); });
  document.addEventListener("htmx:load", function (event) { wrapTables(event.target); });
})();
