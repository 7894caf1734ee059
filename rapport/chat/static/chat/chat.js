// Rapport live chat: one small script for staff and customers (no inline script: CSP).
//
// A page marks its socket with [data-chat-socket] (data-url; data-room and data-last-seq when it
// shows one room), the message list with [data-chat-log] and the composer with [data-chat-form].
// Text is always inserted as text (textContent), never as HTML. Each message carries its room's
// number: older or equal numbers are dropped (no duplicates), a jump asks the server for what
// was missed (no gaps), and a reconnect starts with "send me everything after N".
(function () {
  "use strict";
  var root = document.querySelector("[data-chat-socket]");
  if (!root || !window.WebSocket) { return; }
  var room = root.getAttribute("data-room") || "";
  var lastSeq = parseInt(root.getAttribute("data-last-seq") || "0", 10);
  var log = document.querySelector("[data-chat-log]");
  var form = document.querySelector("[data-chat-form]");
  var statusEl = document.querySelector("[data-chat-status]");
  var socket = null;
  var retry = 0;
  var syncing = false;
  var pendingMax = 0; // highest number heard of but not shown yet
  var ref = 0;
  var pingTimer = null;

  function url() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    return scheme + window.location.host + root.getAttribute("data-url");
  }

  function setStatus(state) {
    root.setAttribute("data-state", state);
    if (statusEl) { statusEl.textContent = statusEl.getAttribute("data-" + state) || state; }
  }

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify(frame)); }
  }

  function sync() {
    if (!room || syncing) { return; }
    syncing = true;
    send({ type: "sync", room: room, after: lastSeq });
  }

  function append(msg) {
    if (!log) { return; }
    var item = document.createElement("li");
    item.className = "chat-message" + (msg.from_staff ? " from-staff" : "") +
      (msg.system ? " system" : "");
    item.setAttribute("data-seq", String(msg.seq));
    var who = document.createElement("strong");
    who.className = "chat-author";
    who.textContent = msg.author;
    var body = document.createElement("span");
    body.className = "chat-body";
    body.textContent = msg.body;
    item.appendChild(who);
    item.appendChild(document.createTextNode(" "));
    item.appendChild(body);
    log.appendChild(item);
    item.scrollIntoView({ block: "nearest" });
  }

  function onMessage(msg) {
    if (msg.room !== room) {
      bump(msg.room);
      return;
    }
    if (msg.seq <= lastSeq) { return; }           // seen already
    if (msg.seq > lastSeq + 1) {                  // missed some: ask for them
      pendingMax = Math.max(pendingMax, msg.seq);
      sync();
      return;
    }
    append(msg);
    lastSeq = msg.seq;
    if (!document.hidden) { send({ type: "read", room: room, seq: lastSeq }); }
  }

  function bump(otherRoom) {
    var badge = document.querySelector('[data-unread-for="' + otherRoom + '"]');
    if (badge) { badge.textContent = String(parseInt(badge.textContent || "0", 10) + 1); }
  }

  function connect() {
    setStatus("connecting");
    socket = new WebSocket(url());
    socket.onopen = function () {
      retry = 0;
      syncing = false;
      setStatus("online");
      sync();
      clearInterval(pingTimer);
      pingTimer = setInterval(function () { send({ type: "ping" }); }, 30000);
    };
    socket.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame.type === "message") { onMessage(frame); }
      else if (frame.type === "synced" && frame.room === room) {
        syncing = false;
        // A message announced while the answer was being read may be newer than it.
        if (pendingMax > lastSeq) { sync(); return; }
        root.setAttribute("data-synced", String(frame.last_seq));
        if (!document.hidden) { send({ type: "read", room: room, seq: lastSeq }); }
      }
      else if (frame.type === "closed" && frame.room === room) {
        root.setAttribute("data-closed", "1");
        if (form) { form.hidden = true; }
        var note = document.querySelector("[data-chat-closed]");
        if (note) { note.hidden = false; }
      }
      else if (frame.type === "error") {
        var err = document.querySelector("[data-chat-error]");
        if (err) { err.textContent = frame.error; }
      }
      else if (frame.type === "tasks" || frame.type === "room" || frame.type === "presence") {
        document.body.dispatchEvent(new CustomEvent("rapport:tasks"));
      }
    };
    socket.onclose = function (event) {
      clearInterval(pingTimer);
      setStatus("offline");
      if (event.code === 4403) { return; } // refused: signed out or not allowed
      retry = Math.min(retry + 1, 6);
      setTimeout(connect, 500 * Math.pow(2, retry - 1));
    };
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var field = form.querySelector("[name=body]");
      var text = field.value.trim();
      if (!text) { return; }
      ref += 1;
      send({ type: "send", room: room, body: text, ref: ref });
      field.value = "";
      field.focus();
    });
  }
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && room) { send({ type: "read", room: room, seq: lastSeq }); }
  });
  connect();
})();
