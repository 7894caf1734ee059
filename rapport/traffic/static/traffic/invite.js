// Live-chat invitation: after the visitor has lingered on a page, ask whether their visit looks
// like a purchase in the making (the purchase-intent score of the traffic log); if so, show the
// invitation already in the page. Without JavaScript nothing happens (the footer link stays).
(function () {
  "use strict";
  var LINGER_MS = 45000;
  function ask() {
    var box = document.getElementById("chat-invite");
    if (!box || !window.fetch) return;
    fetch(box.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { invite: false }; })
      .then(function (data) { if (data.invite) box.hidden = false; })
      .catch(function () {});
  }
  window.setTimeout(ask, LINGER_MS);
})();
