// Campaign page: refresh the progress bar from the JSON endpoint while sending.
(function () {
  "use strict";
  var box = document.querySelector("[data-progress-url]");
  if (!box || box.getAttribute("data-finished") === "true" || !window.fetch) { return; }
  var url = box.getAttribute("data-progress-url");
  var bar = box.querySelector("progress");
  var percent = box.querySelector("[data-field=percent]");
  function update(data) {
    bar.max = data.total || 1;
    bar.value = data.done;
    bar.textContent = data.percent + "%";
    percent.textContent = data.percent;
    Object.keys(data.counts).forEach(function (status) {
      var cell = box.querySelector('[data-status="' + status + '"]');
      if (cell) { cell.textContent = data.counts[status]; }
    });
    return data.finished;
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) { if (!update(data)) { window.setTimeout(poll, 2000); } })
      .catch(function () { window.setTimeout(poll, 10000); });
  }
  window.setTimeout(poll, 2000);
})();
