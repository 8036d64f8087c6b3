// The page's one websocket: applies the server's ops ({"ops": [...]}) and marks stale rigs.
// No framework, no CDN: farms are often offline.
(function () {
  "use strict";
  const live = document.getElementById("live");
  if (!live) return;
  const state = document.getElementById("live-state");
  const offlineAfter = Number(live.dataset.offlineAfter || 30);
  const skew = Number(live.dataset.now || 0) * 1000 - Date.now();  // server clock minus ours
  let retry = 1000;

  function apply(op) {
    if (op.op === "replace") {
      const old = document.getElementById(op.id);
      if (old) { old.outerHTML = op.html; return; }
      const into = op.into && document.getElementById(op.into);
      if (into) into.insertAdjacentHTML("beforeend", op.html);
    } else if (op.op === "remove") {
      const old = document.getElementById(op.id);
      if (old) old.remove();
    } else if (op.op === "redirect") {
      window.location.assign(op.url);
    } else if (op.op === "reload") {
      window.location.reload();
    } else if (op.op === "points") {
      document.dispatchEvent(new CustomEvent("minerfarm:points", { detail: op }));
    }
  }

  function connect() {
    const url = new URL(live.dataset.url, window.location.href);
    if (url.protocol === "https:") url.protocol = "wss:";
    else if (url.protocol === "http:") url.protocol = "ws:";
    const socket = new WebSocket(url);
    socket.onopen = function () {
      retry = 1000;
      state.textContent = "";
      document.documentElement.dataset.live = "open";  // tests wait for this
    };
    socket.onmessage = function (event) {
      const frame = JSON.parse(event.data);
      frame.ops.forEach(apply);
      markStale();
    };
    socket.onclose = function () {
      document.documentElement.dataset.live = "closed";
      state.textContent = "Live updates paused; reconnecting…";
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    };
  }

  // A rig that stops reporting sends nothing: the page itself marks it offline.
  function markStale() {
    const now = (Date.now() + skew) / 1000;
    document.querySelectorAll(".status[data-last-seen]").forEach(function (el) {
      const seen = Number(el.dataset.lastSeen);
      const online = seen > 0 && now - seen <= offlineAfter;
      if (el.classList.contains("ok") !== online) {
        el.classList.toggle("ok", online);
        el.classList.toggle("off", !online);
        el.textContent = online ? "online" : "offline";
        const row = el.closest("tr");
        if (row) row.classList.toggle("stale", !online);
      }
    });
  }

  setInterval(markStale, 5000);
  connect();
})();
