/* The portal's day strip: after a page load, scroll the strip (never the page) so that the
   chosen day's chip sits in the middle of it, in view. Progressive enhancement only: without
   this file the strip simply starts at its first day. Loaded with `defer` (the CSP allows
   scripts from this site only, never inline ones). */
(function () {
  "use strict";

  function revealChosenDay() {
    var strip = document.querySelector(".pt-days ul");
    var chosen = strip && strip.querySelector("a[aria-current]");
    if (!chosen || strip.scrollWidth <= strip.clientWidth) {
      return;
    }
    var box = strip.getBoundingClientRect();
    var chip = chosen.getBoundingClientRect();
    var offset = chip.left - box.left - (box.width - chip.width) / 2;
    var max = strip.scrollWidth - strip.clientWidth;
    strip.scrollLeft = Math.max(0, Math.min(max, strip.scrollLeft + offset));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", revealChosenDay);
  } else {
    revealChosenDay();
  }
})();
