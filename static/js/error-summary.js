/* After a form comes back with errors, move focus to its error summary, so that a screen
   reader reads what went wrong (a page load alone announces nothing). The summary has
   tabindex="-1" (templates/macros.html); the page title already starts with "Error: ". */
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
})();
