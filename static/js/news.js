// Album viewer: the track already swipes (CSS scroll-snap); this adds buttons and arrow keys.
(function () {
  "use strict";
  document.querySelectorAll("[data-album]").forEach(function (track) {
    var controls = track.parentElement.querySelector("[data-album-controls]");
    if (!controls) { return; }
    controls.hidden = false;
    function step(direction) {
      var slide = track.querySelector(".album-slide");
      var width = slide ? slide.getBoundingClientRect().width + 12 : track.clientWidth;
      track.scrollBy({ left: direction * width, behavior: "smooth" });
    }
    controls.querySelector("[data-album-prev]").addEventListener("click", function () { step(-1); });
    controls.querySelector("[data-album-next]").addEventListener("click", function () { step(1); });
    track.addEventListener("keydown", function (event) {
      if (event.key === "ArrowRight") { step(1); event.preventDefault(); }
      if (event.key === "ArrowLeft") { step(-1); event.preventDefault(); }
    });
  });
  // Forms that destroy something ask first.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
})();
