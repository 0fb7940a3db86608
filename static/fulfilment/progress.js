// Keeps the fulfilment panel live: while a job runs, fetch the panel again every few
// seconds and swap it in. Served by the app; without JavaScript the details page refreshes.
(function () {
  "use strict";
  if (window.fulfilmentPanelPolling) { return; }
  window.fulfilmentPanelPolling = true;
  function tick() {
    var panel = document.getElementById("fulfilment-panel");
    if (!panel || panel.getAttribute("data-live") !== "true") { return; }
    fetch(panel.getAttribute("data-refresh"), { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html) {
          var holder = document.createElement("div");
          holder.innerHTML = html;
          var fresh = holder.querySelector("#fulfilment-panel");
          if (fresh) { panel.replaceWith(fresh); }
        }
        setTimeout(tick, 3000);
      })
      .catch(function () { setTimeout(tick, 10000); });
  }
  document.addEventListener("DOMContentLoaded", function () { setTimeout(tick, 3000); });
})();
