// While a letter renders, ask for its status every two seconds and reload the page once
// it is ready or failed. Served by the app itself; no other script on the page is needed.
(function () {
  "use strict";
  var panel = document.querySelector("[data-letters-poll]");
  if (!panel) { return; }
  var urls = panel.getAttribute("data-letters-poll").split(" ").filter(Boolean);
  var tries = 0;
  function poll() {
    tries += 1;
    Promise.all(urls.map(function (url) {
      return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { status: "rendering" }; });
    })).then(function (answers) {
      if (answers.some(function (answer) { return answer.status !== "rendering"; })) {
        window.location.reload();
      } else if (tries < 150) {
        window.setTimeout(poll, 2000);
      }
    }).catch(function () { if (tries < 150) { window.setTimeout(poll, 5000); } });
  }
  window.setTimeout(poll, 1500);
})();
