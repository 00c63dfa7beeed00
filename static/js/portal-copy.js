/* The portal's Copy buttons: a button with data-copy="<input id>" copies that input's text
   and says so. A phone makes a read-only field hard to select, so the field also selects
   its whole text when tapped. Progressive enhancement: the buttons stay hidden without this
   file (or without a clipboard), and the field can still be selected by hand. */
(function () {
  "use strict";

  function said(input, text) {
    var status = document.getElementById(input.id + "-copied");
    if (status) {
      status.textContent = text;
    }
  }

  document.querySelectorAll("input.pt-copy").forEach(function (input) {
    input.addEventListener("focus", function () {
      input.select();
    });
  });

  if (!navigator.clipboard) {
    return;
  }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-copy"));
    if (!input) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(input.value).then(
        function () {
          said(input, "Copied. Paste it into your calendar app.");
        },
        function () {
          input.select();
          said(input, "Copying did not work here: the address is selected, copy it by hand.");
        }
      );
    });
  });
})();
