// Atrium's page behaviour, for the portal and the back office. No page carries inline
// script (the Content-Security-Policy forbids it): elements say what they need with
// data attributes and the handlers here act on them.

// Ask before destructive actions: <form data-confirm="Delete …?">.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// A select that applies itself: <select data-autosubmit>.
document.addEventListener("change", function (event) {
  if (event.target.hasAttribute && event.target.hasAttribute("data-autosubmit")) {
    event.target.form.submit();
  }
});

// Links that only trigger script (Flask-Admin's menus, filter menu, disabled pager links and
// tab labels) must not navigate: a javascript: URL breaks the CSP. This runs in the capture
// phase, before Bootstrap's handlers (which stop the click from bubbling).
document.addEventListener("click", function (event) {
  if (event.target.closest && event.target.closest("a[href^='javascript:'], a.filter")) {
    event.preventDefault();
  }
}, true);

document.addEventListener("click", function (event) {
  if (!event.target.closest) {
    return;
  }
  var target = event.target.closest("[data-model-action], [data-add-inline]");
  if (!target) {
    return;
  }
  event.preventDefault();
  // Back office bulk actions ("With selected"): Flask-Admin's modelActions.
  if (target.hasAttribute("data-model-action") && window.modelActions) {
    window.modelActions.execute(target.getAttribute("data-model-action"));
  }
  // Back office inline rows ("Add State"): Flask-Admin's faForm.
  if (target.hasAttribute("data-add-inline") && window.faForm) {
    window.faForm.addInlineField(target, target.getAttribute("data-add-inline"));
  }
});

// A button that shows or hides another element: <button data-atrium-toggle="ID" aria-expanded="false">.
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-atrium-toggle]");
  if (!button) {
    return;
  }
  var target = document.getElementById(button.getAttribute("data-atrium-toggle"));
  var open = target.classList.toggle("atrium-open");
  button.setAttribute("aria-expanded", open ? "true" : "false");
});

// Flask-Admin's column help icons carry their text only as a tooltip: give them an accessible name.
window.addEventListener("load", function () {
  document.querySelectorAll(".column-header .fa-question-circle").forEach(function (icon) {
    var text = icon.getAttribute("data-original-title") || icon.getAttribute("title") || "About this column";
    icon.setAttribute("aria-label", text);
  });
});
