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

// A search box that lists business units by name: <input data-finder-url="…" data-finder-for="ID">
// (templates/shared/unit_finder.html). The choice with that id is a <select> or holds checkboxes marked
// data-unit-item; the chosen entries stay and the others give way to the units the server finds.
var finderTimers = {};
document.addEventListener("input", function (event) {
  var box = event.target;
  if (!box.dataset || !box.dataset.finderUrl) return;
  clearTimeout(finderTimers[box.id]);
  finderTimers[box.id] = setTimeout(function () { findUnits(box); }, 250);
});

function findUnits(box) {
  var url = new URL(box.dataset.finderUrl, window.location.href);
  url.searchParams.set("q", box.value.trim());
  fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (answer) {
      if (!answer.ok) throw new Error(answer.status);
      return answer.json();
    })
    .then(function (found) { listUnits(box, found); })
    .catch(function () { finderNote(box, "The business units could not be loaded. Please try again."); });
}

function listUnits(box, found) {
  var target = document.getElementById(box.dataset.finderFor);
  var keep = box.dataset.finderKeep;
  var have = {};
  if (target.tagName === "SELECT") {
    Array.prototype.slice.call(target.options).forEach(function (option) {
      if (!option.selected && option.value !== keep) option.remove();
      else have[option.value] = true;
    });
    found.units.forEach(function (unit) {
      if (!have[unit.id]) target.add(new Option(unit.name, unit.id));
    });
  } else {
    var items = Array.prototype.slice.call(target.querySelectorAll("[data-unit-item]"));
    target.finderSample = target.finderSample || items[0].cloneNode(true);
    items.forEach(function (item) {
      var input = item.querySelector("input");
      if (!input.checked) item.remove();
      else have[input.value] = true;
    });
    found.units.forEach(function (unit) {
      if (have[unit.id]) return;
      var item = target.finderSample.cloneNode(true);
      var input = item.querySelector("input"), label = item.querySelector("label");
      input.checked = false;
      input.value = unit.id;
      input.id = target.id + "-unit-" + unit.id;
      label.htmlFor = input.id;
      label.textContent = unit.name;
      target.appendChild(item);
    });
  }
  var typed = box.value.trim();
  finderNote(box, !found.units.length ? "No business unit has that in its name."
    : !typed ? "" : "Listed: the units whose name holds “" + typed + "”, and those chosen."
    + (found.more ? " More match: type more of the name." : ""));
}

function finderNote(box, text) {
  var note = document.getElementById(box.id + "-note");
  note.textContent = text || note.dataset.finderDefault;
}
