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

  // Index pages: tell the server which rows are on screen; it sends reports for those only.
  const rows = document.querySelector("#rig-rows, #sentries");
  const visible = new Set();
  let socket = null, viewTimer = null, observed = false;
  const viewport = rows && "IntersectionObserver" in window && new IntersectionObserver(
    function (entries) {
      observed = true;
      entries.forEach(function (entry) {
        const id = Number(entry.target.id.split("-")[1]);
        if (entry.isIntersecting) visible.add(id); else visible.delete(id);
      });
      clearTimeout(viewTimer);
      viewTimer = setTimeout(sendViewport, 200);
    });

  function watchRow(el) {
    if (viewport && el && /^(rig|sentry)-\d+$/.test(el.id) && rows.contains(el)) viewport.observe(el);
  }

  function sendViewport() {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ visible: Array.from(visible) }));
    }
  }

  function apply(op) {
    if (op.op === "replace") {
      const old = document.getElementById(op.id);
      if (old) {
        if (viewport) viewport.unobserve(old);
        const pick = old.querySelector("input.pick");  // a ticked row stays ticked
        const ticked = pick && pick.checked;
        old.outerHTML = op.html;
        const fresh = document.getElementById(op.id);
        watchRow(fresh);
        const again = ticked && fresh && fresh.querySelector("input.pick");
        if (again) again.checked = true;
        return;
      }
      const into = op.into && document.getElementById(op.into);
      if (into) {
        into.insertAdjacentHTML(op.at === "start" ? "afterbegin" : "beforeend", op.html);
        watchRow(document.getElementById(op.id));
      }
    } else if (op.op === "remove") {
      const old = document.getElementById(op.id);
      if (old) {
        if (viewport) viewport.unobserve(old);
        visible.delete(Number(op.id.split("-")[1]));
        old.remove();
      }
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
    socket = new WebSocket(url);
    socket.onopen = function () {
      retry = 1000;
      state.textContent = "";
      if (observed) sendViewport();  // a new socket starts with every row: narrow it
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

  // "12 s ago" from each <time datetime> (the UTC stays as its title, and is the text
  // without script).
  function ago(seconds) {
    if (seconds < 60) return Math.max(0, Math.round(seconds)) + " s ago";
    if (seconds < 3600) return Math.floor(seconds / 60) + " min ago";
    if (seconds < 86400) return Math.floor(seconds / 3600) + " h ago";
    return Math.floor(seconds / 86400) + " d ago";
  }

  function relativeTimes(now) {
    document.querySelectorAll("time.ago[datetime]").forEach(function (el) {
      const at = Date.parse(el.getAttribute("datetime"));
      if (!isNaN(at)) el.textContent = ago(now - at / 1000);
    });
  }

  // A rig that stops reporting sends nothing: the page itself marks it offline.
  function markStale() {
    const now = (Date.now() + skew) / 1000;
    relativeTimes(now);
    document.querySelectorAll(".status[data-last-seen]").forEach(function (el) {
      const seen = Number(el.dataset.lastSeen);
      const online = seen > 0 && now - seen <= offlineAfter;
      if (el.classList.contains("ok") !== online) {
        el.classList.toggle("ok", online);
        el.classList.toggle("off", !online);
        el.textContent = online ? "online" : "offline";
        const row = el.closest("tr");
        if (row) row.classList.toggle("stale", !online);
        // a silent rig is offline, not "degraded": its health badge waits for a report
        el.parentElement.querySelectorAll(".health, .health-label").forEach(function (badge) {
          badge.hidden = !online;
        });
      }
    });
  }

  // Bulk selection on the index: the header box ticks every row of the page.
  const pickPage = document.getElementById("pick-page");
  if (pickPage && rows) {
    pickPage.addEventListener("change", function () {
      rows.querySelectorAll("input.pick").forEach(function (box) { box.checked = pickPage.checked; });
    });
  }

  setInterval(markStale, 5000);
  markStale();
  if (rows) rows.querySelectorAll("[id]").forEach(watchRow);
  connect();
})();
