// History charts: the server's rollups drawn as SVG lines (no library, nothing fetched from
// outside the commander). Live samples from live.js are appended to the short ranges.
(function () {
  "use strict";
  const box = document.querySelector(".charts[data-series]");
  if (!box) return;
  const SVG = "http://www.w3.org/2000/svg";
  const W = 600, H = 160, PAD = 4;
  const UNITS = {
    hashrate_hs: function (v) {
      const p = [["E", 1e18], ["P", 1e15], ["T", 1e12], ["G", 1e9], ["M", 1e6], ["k", 1e3]];
      for (const [s, f] of p) if (Math.abs(v) >= f) return (v / f).toFixed(2) + " " + s + "H/s";
      return v.toFixed(2) + " H/s";
    },
    temp_c: function (v) { return v.toFixed(0) + " °C"; },
  };
  let data = null, range = "1h";

  function el(name, attrs, text) {
    const node = document.createElementNS(SVG, name);
    for (const key in attrs) node.setAttribute(key, attrs[key]);
    if (text) node.textContent = text;
    return node;
  }

  function draw(svg) {
    const field = svg.dataset.field;
    svg.replaceChildren();
    const points = [];
    data.t.forEach(function (t, i) { if (data[field][i] != null) points.push([t, data[field][i]]); });
    if (points.length === 0) {
      svg.appendChild(el("text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "empty" },
                         "no data for this range yet"));
      return;
    }
    const now = Date.now() / 1000, t0 = now - data.span;
    let lo = Math.min.apply(null, points.map(p => p[1])), hi = Math.max.apply(null, points.map(p => p[1]));
    if (hi === lo) { hi += Math.abs(hi) * 0.05 || 1; lo -= Math.abs(lo) * 0.05 || 1; }
    const x = t => PAD + (t - t0) / (now - t0) * (W - 2 * PAD);
    const y = v => H - PAD - (v - lo) / (hi - lo) * (H - 2 * PAD);
    const path = points.map((p, i) => (i ? "L" : "M") + x(p[0]).toFixed(1) + " " + y(p[1]).toFixed(1)).join(" ");
    svg.appendChild(el("path", { d: path, class: "line", "vector-effect": "non-scaling-stroke" }));
    const fmt = UNITS[field];
    svg.parentNode.querySelector("figcaption").dataset.range =
      fmt(lo) + " – " + fmt(hi) + " · last " + fmt(points[points.length - 1][1]);
  }

  function drawAll() { box.querySelectorAll("svg.chart").forEach(draw); }

  async function load(name) {
    range = name;
    box.querySelectorAll("button.range").forEach(b => b.classList.toggle("on", b.dataset.range === name));
    const url = new URL(box.dataset.series, window.location.href);
    url.searchParams.set("range", name);
    const answer = await fetch(url, { credentials: "same-origin" });
    if (!answer.ok) return;
    data = await answer.json();
    data.span = { "1h": 3600, "24h": 86400, "7d": 7 * 86400, "30d": 30 * 86400 }[name];
    box.querySelectorAll(".axis-start").forEach(function (label) {
      label.textContent = { "1h": "1 h ago", "24h": "24 h ago", "7d": "7 days ago", "30d": "30 days ago" }[name];
    });
    drawAll();
  }

  box.addEventListener("click", function (event) {
    const button = event.target.closest("button.range");
    if (button) load(button.dataset.range);
  });
  document.addEventListener("minerfarm:points", function (event) {
    if (!data || (range !== "1h" && range !== "24h")) return;
    const p = event.detail;
    data.t.push(p.t);
    data.hashrate_hs.push(p.hashrate_hs);
    data.temp_c.push(p.temp_c);
    drawAll();
  });
  load(range);
})();
