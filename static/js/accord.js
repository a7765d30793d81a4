// Accord's only script besides htmx. No inline handlers (the Content-Security-Policy forbids them):
// a form with data-confirm="Question?" asks before it is sent.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form && form.dataset ? form.dataset.confirm : null;
  if (question && !window.confirm(question)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);
