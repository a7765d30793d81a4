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

  /* <form data-confirm="question" data-confirm-action="Button label">: the browser's own checks run
     first (the submit event comes after them), then a modal <dialog> asks; only "confirm" sends. */
  function confirmDialog(form, submitter) {
    var dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog card";
    dialog.setAttribute("aria-labelledby", "confirm-dialog-title");
    var title = document.createElement("h2");
    title.id = "confirm-dialog-title";
    title.textContent = "Please confirm";
    var text = document.createElement("p");
    text.textContent = form.getAttribute("data-confirm");
    var row = document.createElement("div");
    row.className = "btn-row";
    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "btn";
    cancel.textContent = "Cancel";
    var ok = document.createElement("button");
    ok.type = "button";
    ok.className = "btn btn-danger";
    ok.textContent = form.getAttribute("data-confirm-action") || "Confirm";
    row.appendChild(cancel);
    row.appendChild(ok);
    dialog.appendChild(title);
    dialog.appendChild(text);
    dialog.appendChild(row);
    document.body.appendChild(dialog);
    cancel.addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("close", function () { dialog.remove(); });
    ok.addEventListener("click", function () {
      form.setAttribute("data-confirmed", "1");
      dialog.close();
      if (submitter && form.requestSubmit) form.requestSubmit(submitter);
      else if (form.requestSubmit) form.requestSubmit();
      else form.submit();
    });
    dialog.showModal();
    cancel.focus();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-confirm")) return;
    if (form.getAttribute("data-confirmed") === "1") {
      form.removeAttribute("data-confirmed");
      return;
    }
    event.preventDefault();
    confirmDialog(form, event.submitter);
  }, true);

  document.addEventListener("DOMContentLoaded", function () { wrapTables(document); });
  document.addEventListener("htmx:load", function (event) { wrapTables(event.target); });
})();
