// icpcheck console: small progressive enhancements. Every page works without this script;
// it only hides the form fields that do not apply to the current choice.
"use strict";

// showFor shows the elements whose data attribute lists the chosen value and hides the
// others, disabling their controls so that hidden fields are not submitted.
function showFor(root, attr, value) {
  root.querySelectorAll("[" + attr + "]").forEach(function (el) {
    var on = el.getAttribute(attr).split(" ").indexOf(value) >= 0;
    el.hidden = !on;
    el.querySelectorAll("input, select, textarea").forEach(function (c) { c.disabled = !on; });
  });
}

document.addEventListener("DOMContentLoaded", function () {
  // The filing form: domains for a website, a name for an app.
  document.querySelectorAll("[data-filing-type]").forEach(function (set) {
    var form = set.closest("form");
    var update = function () {
      var checked = set.querySelector("input:checked");
      showFor(form, "data-for-type", checked ? checked.value : "website");
    };
    set.addEventListener("change", update);
    update();
  });

  // The advice form: the CDN area only for CDN, the origin only for services that fetch one.
  document.querySelectorAll("form[data-advice]").forEach(function (form) {
    var service = form.querySelector("#service");
    var update = function () { showFor(form, "data-for-service", service.value); };
    service.addEventListener("change", update);
    update();
  });
});
