// The live stock page: levels change in place when a sale, a cancellation, a return or an
// adjustment moves stock (websocket `stock` frames). After every (re)connect the page asks for
// the current levels of the products it shows, so nothing moved while offline is missed.
(function () {
  "use strict";
  var root = document.querySelector("[data-stock-socket]");
  if (!root || !window.WebSocket) { return; }
  var socket = null;
  var retry = 0;

  function url() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    return scheme + window.location.host + root.getAttribute("data-url");
  }

  function shown() {
    return Array.prototype.map.call(document.querySelectorAll("[data-product]"), function (row) {
      return row.getAttribute("data-product");
    });
  }

  function apply(level) {
    var row = document.querySelector('[data-product="' + level.product + '"]');
    if (!row) { return; }
    var cell = row.querySelector("[data-stock-quantity]");
    if (cell) { cell.textContent = String(level.quantity); }
    row.classList.toggle("low-stock", !!level.low);
    row.setAttribute("data-low", level.low ? "1" : "0");
  }

  function connect() {
    root.setAttribute("data-state", "connecting");
    socket = new WebSocket(url());
    socket.onopen = function () {
      retry = 0;
      socket.send(JSON.stringify({ type: "levels", products: shown() }));
    };
    socket.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame.type !== "stock" || !Array.isArray(frame.levels)) { return; }
      frame.levels.forEach(apply);
      // Online once the first answer (the current levels) has been applied.
      root.setAttribute("data-state", "online");
    };
    socket.onclose = function (event) {
      root.setAttribute("data-state", "offline");
      if (event.code === 4403) { return; }
      retry = Math.min(retry + 1, 6);
      setTimeout(connect, 500 * Math.pow(2, retry - 1));
    };
  }
  connect();
})();
