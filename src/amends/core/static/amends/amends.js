// The few behaviours the pages need beyond htmx, wired by data attributes so that
// no page carries inline script (the Content-Security-Policy allows none).
(function () {
  "use strict";

  function on(event, selector, handler) {
    document.addEventListener(event, function (e) {
      var target = e.target.closest ? e.target.closest(selector) : null;
      if (target) handler(e, target);
    });
  }

  // <select data-submit-on-change>: the language switch submits its form.
  on("change", "[data-submit-on-change]", function (e, el) {
    el.form.submit();
  });

  // <input data-select-on-focus>: a link to copy is selected whole.
  on("focusin", "[data-select-on-focus]", function (e, el) {
    el.select();
  });

  // <button data-copy="#id" data-copied="Copied">: copies the field's value.
  on("click", "[data-copy]", function (e, el) {
    var field = document.querySelector(el.dataset.copy);
    if (!field || !navigator.clipboard) return;
    navigator.clipboard.writeText(field.value).then(function () {
      el.textContent = el.dataset.copied;
    });
  });

  // <input data-no-enter-submit>: Enter searches in place instead of posting the form.
  on("keydown", "[data-no-enter-submit]", function (e) {
    if (e.key === "Enter") e.preventDefault();
  });

  // <input data-no-form-change>: a search box inside a form does not change the form.
  // Its change event (on leaving the box) would make the form's listeners ask the
  // server again, and their answer could move the page under the click that left it.
  document.addEventListener(
    "change",
    function (e) {
      if (e.target.closest && e.target.closest("[data-no-form-change]")) e.stopPropagation();
    },
    true
  );

  // <input type="checkbox" data-check-all>: chooses every row of its form's list.
  on("change", "[data-check-all]", function (e, el) {
    el.form.querySelectorAll("input[type=checkbox][name=ids]").forEach(function (box) {
      box.checked = el.checked;
    });
  });

  // <button data-remove-closest="li">: takes its row out of the form.
  on("click", "[data-remove-closest]", function (e, el) {
    var row = el.closest(el.dataset.removeClosest);
    if (row) row.remove();
  });
})();
