/* The portal's day strip: after a page load, scroll the strip (never the page) so that the
   chosen day's chip sits in the middle of it, in view; then fade the strip's edges where
   more days lie beyond them, and drop the "swipe for more" hint when every day fits.
   Progressive enhancement only: without this file the strip starts at its first day and
   the hint stays. Loaded with `defer` (the CSP allows scripts from this site only, never
   inline ones). */
(function () {
  "use strict";

  function revealChosenDay(strip) {
    var chosen = strip.querySelector("a[aria-current]");
    if (!chosen || strip.scrollWidth <= strip.clientWidth) {
      return;
    }
    var box = strip.getBoundingClientRect();
    var chip = chosen.getBoundingClientRect();
    var offset = chip.left - box.left - (box.width - chip.width) / 2;
    var max = strip.scrollWidth - strip.clientWidth;
    strip.scrollLeft = Math.max(0, Math.min(max, strip.scrollLeft + offset));
  }

  function markEdges(nav, strip) {
    var max = strip.scrollWidth - strip.clientWidth;
    nav.classList.toggle("pt-days--more-before", max > 1 && strip.scrollLeft > 1);
    nav.classList.toggle("pt-days--more-after", max > 1 && strip.scrollLeft < max - 1);
    var hint = nav.querySelector(".pt-days__hint");
    if (hint) {
      hint.hidden = max <= 1;
    }
  }

  function start() {
    var nav = document.querySelector(".pt-days");
    var strip = nav && nav.querySelector("ul");
    if (!strip) {
      return;
    }
    revealChosenDay(strip);
    markEdges(nav, strip);
    strip.addEventListener("scroll", function () { markEdges(nav, strip); }, { passive: true });
    window.addEventListener("resize", function () { markEdges(nav, strip); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
