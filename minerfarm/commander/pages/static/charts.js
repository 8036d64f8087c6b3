// History charts: the server's rollups drawn as SVG lines (no library, nothing fetched from
// outside the commander). Live samples from live.js are appended to the short ranges.
// Hashrates of different algorithms do not add: a rig mining several gets one hashrate chart
// per algorithm (each on its own scale), cloned from the page's hashrate figure.
(function () {
  "use strict";
  const box = document.querySelector(".charts[data-series]");
  if (!box) return;
  const SVG = "http://www.w3.org/2000/svg";
  const W = 600, H = 160, PAD = 4;
  const PREFIXES = [["E", 1e18], ["P", 1e15], ["T", 1e12], ["G", 1e9], ["M", 1e6], ["k", 1e3]];
  // A scale for the values of one chart: every label in the unit of the largest value, so
  // the axis reads "95.0 TH/s ... 90.0 TH/s", not a mix of units.
  const UNITS = {
    hashrate_hs: function (hi) {
      for (const [s, f] of PREFIXES) if (Math.abs(hi) >= f) return [f, " " + s + "H/s"];
      return [1, " H/s"];
    },
    temp_c: function () { return [1, " °C"]; },
  };
  const template = box.querySelector("figure[data-field=hashrate_hs]");
  let data = null, range = "1h", reloadAt = 0;

  function el(name, attrs, text) {
    const node = document.createElementNS(SVG, name);
    for (const key in attrs) node.setAttribute(key, attrs[key]);
    if (text) node.textContent = text;
    return node;
  }

  function formatter(field, lo, hi) {
    const [factor, unit] = UNITS[field](Math.max(Math.abs(lo), Math.abs(hi)));
    const span = (hi - lo) / factor;
    const digits = span >= 100 ? 0 : span >= 1 ? 1 : 2;
    return v => (v / factor).toFixed(field === "temp_c" ? 0 : digits) + unit;
  }

  function values(figure) {
    const algorithm = figure.dataset.algorithm;
    return algorithm ? data.hashrate_hs_by_algorithm[algorithm] : data[figure.dataset.field];
  }

  function draw(figure) {
    const field = figure.dataset.field, svg = figure.querySelector("svg.chart");
    const axis = figure.querySelector(".y-axis");
    svg.replaceChildren();
    axis.replaceChildren();
    const points = [], ys = values(figure) || [];
    data.t.forEach(function (t, i) { if (ys[i] != null) points.push([t, ys[i]]); });
    const caption = figure.querySelector("figcaption");
    if (points.length === 0) {
      svg.appendChild(el("text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "empty" },
                         "no data for this range yet"));
      caption.dataset.range = "";
      return;
    }
    const now = Date.now() / 1000, t0 = now - data.span;
    let lo = Math.min.apply(null, points.map(p => p[1])), hi = Math.max.apply(null, points.map(p => p[1]));
    if (hi === lo) { hi += Math.abs(hi) * 0.05 || 1; lo -= Math.abs(lo) * 0.05 || 1; }
    const x = t => PAD + (t - t0) / (now - t0) * (W - 2 * PAD);
    const y = v => H - PAD - (v - lo) / (hi - lo) * (H - 2 * PAD);
    [0.25, 0.5, 0.75].forEach(function (f) {
      const gy = (PAD + f * (H - 2 * PAD)).toFixed(1);
      svg.appendChild(el("line", { x1: 0, x2: W, y1: gy, y2: gy, class: "grid", "vector-effect": "non-scaling-stroke" }));
    });
    const path = points.map((p, i) => (i ? "L" : "M") + x(p[0]).toFixed(1) + " " + y(p[1]).toFixed(1)).join(" ");
    svg.appendChild(el("path", { d: path, class: "line", "vector-effect": "non-scaling-stroke" }));
    const fmt = formatter(field, lo, hi);
    // The axis labels are HTML beside the SVG: the SVG stretches (preserveAspectRatio none),
    // text inside it would too.
    [hi, lo + (hi - lo) * 0.5, lo].forEach(function (v) {
      const label = document.createElement("span");
      label.textContent = fmt(v);
      axis.appendChild(label);
    });
    caption.dataset.range = "last " + fmt(points[points.length - 1][1]);
  }

  function algorithmFigures() {
    box.querySelectorAll("figure[data-algorithm]").forEach(f => f.remove());
    const names = Object.keys(data.hashrate_hs_by_algorithm || {});
    template.hidden = names.length > 0;
    let after = template;
    names.forEach(function (name) {
      const figure = template.cloneNode(true);
      figure.hidden = false;
      figure.dataset.algorithm = name;
      figure.querySelector("figcaption").textContent = "Hashrate · " + name;
      figure.querySelector("svg.chart").setAttribute("aria-label", "hashrate chart, " + name);
      after.after(figure);
      after = figure;
    });
  }

  function drawAll() { box.querySelectorAll("figure[data-field]:not([hidden])").forEach(draw); }

  async function load(name) {
    range = name;
    box.querySelectorAll("button.range").forEach(b => b.classList.toggle("on", b.dataset.range === name));
    const url = new URL(box.dataset.series, window.location.href);
    url.searchParams.set("range", name);
    const answer = await fetch(url, { credentials: "same-origin" });
    if (!answer.ok) return;
    data = await answer.json();
    data.span = { "1h": 3600, "24h": 86400, "7d": 7 * 86400, "30d": 30 * 86400 }[name];
    algorithmFigures();
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
    const split = data.hashrate_hs_by_algorithm || {};
    for (const name in split) split[name].push(null);
    // A live sample carries only the rig's summed hashrate: per-algorithm charts refetch
    // the rollups instead (at most once a minute, as often as a minute bucket changes).
    if (Object.keys(split).length && Date.now() > reloadAt) {
      reloadAt = Date.now() + 60000;
      load(range);
      return;
    }
    drawAll();
  });
  load(range);
})();
