// Invitations: print button, import progress polling, QR check-in with BarcodeDetector.
// Every page works without this file (the import page also refreshes itself).
(function () {
  "use strict";

  var printButton = document.querySelector(".js-print");
  if (printButton) {
    printButton.hidden = false;
    printButton.addEventListener("click", function () { window.print(); });
  }

  var progress = document.getElementById("import-progress");
  if (progress && window.fetch) {
    var url = progress.getAttribute("data-status-url");
    var poll = function () {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (data.state === "queued" || data.state === "running") {
            progress.firstChild.textContent = progress.firstChild.textContent.replace(/\d[\d.]*/, String(data.progress));
            window.setTimeout(poll, 1000);
          } else {
            window.location.reload();
          }
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    };
    window.setTimeout(poll, 1000);
  }

  var scanner = document.getElementById("scanner");
  if (scanner && "BarcodeDetector" in window && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    scanner.hidden = false;
    var prefix = scanner.getAttribute("data-checkin-prefix");
    var video = document.getElementById("scan-video");
    var status = document.getElementById("scan-status");
    var start = document.getElementById("scan-start");
    start.addEventListener("click", function () {
      var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
        video.srcObject = stream;
        video.play();
        start.hidden = true;
        var tick = function () {
          detector.detect(video).then(function (codes) {
            for (var i = 0; i < codes.length; i++) {
              var value = codes[i].rawValue || "";
              var path = value.indexOf(prefix) === 0 ? value.slice(prefix.length) : null;
              if (path && /^[A-Za-z0-9_-]{32,64}$/.test(path)) {
                stream.getTracks().forEach(function (t) { t.stop(); });
                status.textContent = "…";
                window.location.href = value.replace(/^https?:\/\/[^/]+/, "");
                return;
              }
            }
            window.requestAnimationFrame(tick);
          }).catch(function () { window.setTimeout(tick, 500); });
        };
        tick();
      }).catch(function (err) { status.textContent = String(err && err.message || err); });
    });
  }
})();
