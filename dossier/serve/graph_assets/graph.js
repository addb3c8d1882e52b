// Dossier concept graph: a force layout on a canvas, search, and a concept panel.
// Everything from the tenant is shown through textContent; nothing is fetched.
(function () {
  "use strict";
  var status = document.getElementById("status");
  var errors = [];
  window.addEventListener("error", function (event) {
    errors.push(String(event.message || event));
    status.setAttribute("data-errors", errors.join(" | "));
  });

  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var nodes = data.nodes;
  var byId = {};
  nodes.forEach(function (n, i) { n.index = i; n.degree = 0; n.out = []; n.in = []; byId[n.id] = n; });
  var edges = [];
  data.edges.forEach(function (e) {
    var a = byId[e[0]], b = byId[e[1]];
    if (!a || !b) { return; }
    edges.push([a, b]); a.out.push(b); b.in.push(a); a.degree += 1; b.degree += 1;
  });

  // Colours: a fixed palette assigned to types in order of size, so a bundle's
  // main types always get the most distinct colours.
  var palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
    "#17becf", "#bcbd22", "#7f7f7f", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173"];
  var typeCount = {};
  nodes.forEach(function (n) { typeCount[n.type] = (typeCount[n.type] || 0) + 1; });
  var types = Object.keys(typeCount).sort(function (a, b) {
    return typeCount[b] - typeCount[a] || (a < b ? -1 : 1);
  });
  var colour = {};
  types.forEach(function (t, i) { colour[t] = palette[i % palette.length]; });
  var hiddenTypes = {};

  // -- layout ------------------------------------------------------------------------
  // Deterministic start (types on sectors of a spiral), then a force simulation:
  // springs on edges, repulsion between nodes in nearby grid cells, gravity to the
  // centre.  The grid keeps each step near-linear in the number of nodes.
  var typeIndex = {};
  types.forEach(function (t, i) { typeIndex[t] = i; });
  nodes.forEach(function (n, i) {
    var sector = (typeIndex[n.type] / Math.max(1, types.length)) * Math.PI * 2;
    var r = 40 + 6 * Math.sqrt(i);
    var a = sector + (i % 17) * 0.05;
    n.x = Math.cos(a) * r; n.y = Math.sin(a) * r; n.vx = 0; n.vy = 0;
    n.r = 3 + Math.min(9, Math.sqrt(n.degree) * 1.6);
  });

  function step(alpha) {
    var cell = 60, grid = {};
    nodes.forEach(function (n) {
      var key = Math.floor(n.x / cell) + "," + Math.floor(n.y / cell);
      (grid[key] = grid[key] || []).push(n);
    });
    nodes.forEach(function (n) {
      var gx = Math.floor(n.x / cell), gy = Math.floor(n.y / cell);
      for (var dx = -1; dx <= 1; dx++) {
        for (var dy = -1; dy <= 1; dy++) {
          var bucket = grid[(gx + dx) + "," + (gy + dy)];
          if (!bucket) { continue; }
          for (var k = 0; k < bucket.length; k++) {
            var m = bucket[k];
            if (m.index <= n.index) { continue; }
            var ddx = n.x - m.x, ddy = n.y - m.y;
            var d2 = ddx * ddx + ddy * ddy + 0.01;
            if (d2 > cell * cell) { continue; }
            var f = alpha * 1400 / d2;
            n.vx += ddx * f; n.vy += ddy * f; m.vx -= ddx * f; m.vy -= ddy * f;
          }
        }
      }
    });
    edges.forEach(function (e) {
      var a = e[0], b = e[1];
      var ddx = b.x - a.x, ddy = b.y - a.y;
      var d = Math.sqrt(ddx * ddx + ddy * ddy) + 0.01;
      var f = alpha * 0.04 * (d - 50) / d;
      a.vx += ddx * f; a.vy += ddy * f; b.vx -= ddx * f; b.vy -= ddy * f;
    });
    nodes.forEach(function (n) {
      n.vx -= n.x * alpha * 0.004; n.vy -= n.y * alpha * 0.004;
      n.vx *= 0.6; n.vy *= 0.6;
      n.x += Math.max(-20, Math.min(20, n.vx)); n.y += Math.max(-20, Math.min(20, n.vy));
    });
  }

  // -- view ----------------------------------------------------------------------------
  var canvas = document.getElementById("canvas");
  var ctx = canvas.getContext("2d");
  var view = { x: 0, y: 0, k: 1 };
  var selected = null;
  var query = "";
  var matches = [];

  function resize() {
    var ratio = window.devicePixelRatio || 1;
    canvas.width = canvas.clientWidth * ratio;
    canvas.height = canvas.clientHeight * ratio;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    draw();
  }

  function fit() {
    if (!nodes.length) { return; }
    var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    nodes.forEach(function (n) {
      minX = Math.min(minX, n.x); maxX = Math.max(maxX, n.x);
      minY = Math.min(minY, n.y); maxY = Math.max(maxY, n.y);
    });
    var w = canvas.clientWidth || 800, h = canvas.clientHeight || 600;
    view.k = Math.min(4, 0.9 * Math.min(w / (maxX - minX + 40), h / (maxY - minY + 40)));
    view.x = w / 2 - view.k * (minX + maxX) / 2;
    view.y = h / 2 - view.k * (minY + maxY) / 2;
  }

  function visible(n) { return !hiddenTypes[n.type]; }

  function draw() {
    var w = canvas.clientWidth, h = canvas.clientHeight;
    ctx.clearRect(0, 0, w, h);
    ctx.save();
    ctx.translate(view.x, view.y);
    ctx.scale(view.k, view.k);
    var focus = selected ? [selected].concat(selected.out, selected.in) : null;
    ctx.lineWidth = 0.6 / view.k;
    edges.forEach(function (e) {
      if (!visible(e[0]) || !visible(e[1])) { return; }
      var lit = selected && (e[0] === selected || e[1] === selected);
      ctx.strokeStyle = lit ? "rgba(11,98,196,.8)" : "rgba(120,130,140,.25)";
      ctx.beginPath(); ctx.moveTo(e[0].x, e[0].y); ctx.lineTo(e[1].x, e[1].y); ctx.stroke();
    });
    nodes.forEach(function (n) {
      if (!visible(n)) { return; }
      var dim = (query && !n.match) || (focus && focus.indexOf(n) < 0);
      ctx.globalAlpha = dim ? 0.15 : 1;
      ctx.fillStyle = colour[n.type];
      ctx.beginPath(); ctx.arc(n.x, n.y, n.r, 0, Math.PI * 2); ctx.fill();
      if (n === selected || (query && n.match)) {
        ctx.lineWidth = 2 / view.k; ctx.strokeStyle = "#111"; ctx.stroke();
      }
    });
    ctx.globalAlpha = 1;
    ctx.fillStyle = "#1d232b";
    ctx.font = (11 / view.k) + "px system-ui, sans-serif";
    nodes.forEach(function (n) {
      if (!visible(n)) { return; }
      var show = n === selected || (query && n.match) || n.r * view.k > 11 || view.k > 2.5;
      if (!show) { return; }
      var label = n.title.length > 34 ? n.title.slice(0, 33) + "…" : n.title;
      ctx.fillText(label, n.x + n.r + 2 / view.k, n.y + 3 / view.k);
    });
    ctx.restore();
  }

  // -- panel -----------------------------------------------------------------------------
  function text(id, value) { document.getElementById(id).textContent = value; }

  function linkItem(list, n) {
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.textContent = n.title + " (" + n.type + ")";
    a.addEventListener("click", function () { open(n, true); });
    li.appendChild(a); list.appendChild(li);
  }

  function open(n, centre) {
    selected = n;
    document.getElementById("panel").hidden = false;
    text("p-type", n.type + (n.status ? " · " + n.status : ""));
    text("p-title", n.title);
    text("p-id", n.id);
    text("p-description", n.description);
    text("p-body", n.body);
    var sources = document.getElementById("p-sources");
    sources.textContent = "";
    n.sources.forEach(function (s) {
      var li = document.createElement("li");
      if (s.href) {
        var a = document.createElement("a");
        a.href = s.href; a.textContent = s.title; a.target = "_blank"; a.rel = "noopener";
        li.appendChild(a);
      } else {
        li.textContent = s.title;
      }
      sources.appendChild(li);
    });
    if (!n.sources.length) { sources.textContent = "none cited"; }
    var links = document.getElementById("p-links");
    links.textContent = "";
    n.out.concat(n.in.filter(function (m) { return n.out.indexOf(m) < 0; }))
      .forEach(function (m) { linkItem(links, m); });
    if (centre) {
      view.x = canvas.clientWidth / 2 - n.x * view.k;
      view.y = canvas.clientHeight / 2 - n.y * view.k;
    }
    draw();
  }

  document.getElementById("close").addEventListener("click", function () {
    document.getElementById("panel").hidden = true; selected = null; draw();
  });

  // -- search ------------------------------------------------------------------------------
  var search = document.getElementById("search");
  function runSearch() {
    query = search.value.trim().toLowerCase();
    matches = [];
    nodes.forEach(function (n) {
      var hay = (n.title + "\n" + n.id + "\n" + n.description + "\n" + n.tags.join(" ")).toLowerCase();
      n.match = query !== "" && hay.indexOf(query) >= 0;
      if (n.match) { matches.push(n); }
    });
    text("matches", query ? matches.length + " match" + (matches.length === 1 ? "" : "es") : "");
    draw();
  }
  search.addEventListener("input", runSearch);
  search.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && matches.length) { open(matches[0], true); }
  });

  // -- legend ------------------------------------------------------------------------------
  var legend = document.getElementById("legend");
  types.forEach(function (t) {
    var row = document.createElement("div");
    var dot = document.createElement("i");
    dot.style.background = colour[t];
    row.appendChild(dot);
    row.appendChild(document.createTextNode(t + " (" + typeCount[t] + ")"));
    row.title = "Click to hide or show " + t;
    row.addEventListener("click", function () {
      hiddenTypes[t] = !hiddenTypes[t];
      row.className = hiddenTypes[t] ? "off" : "";
      draw();
    });
    legend.appendChild(row);
  });

  // -- pointer -----------------------------------------------------------------------------
  var drag = null;
  function worldAt(event) {
    var rect = canvas.getBoundingClientRect();
    return { x: (event.clientX - rect.left - view.x) / view.k,
             y: (event.clientY - rect.top - view.y) / view.k,
             sx: event.clientX, sy: event.clientY };
  }
  function nodeAt(p) {
    var best = null, bestD = Infinity;
    nodes.forEach(function (n) {
      if (!visible(n)) { return; }
      var d = (n.x - p.x) * (n.x - p.x) + (n.y - p.y) * (n.y - p.y);
      var reach = n.r + 4 / view.k;
      if (d < reach * reach && d < bestD) { best = n; bestD = d; }
    });
    return best;
  }
  canvas.addEventListener("mousedown", function (event) {
    var p = worldAt(event);
    drag = { sx: p.sx, sy: p.sy, vx: view.x, vy: view.y, moved: false };
  });
  window.addEventListener("mousemove", function (event) {
    if (!drag) { return; }
    var dx = event.clientX - drag.sx, dy = event.clientY - drag.sy;
    if (Math.abs(dx) + Math.abs(dy) > 3) { drag.moved = true; }
    view.x = drag.vx + dx; view.y = drag.vy + dy; draw();
  });
  window.addEventListener("mouseup", function (event) {
    if (drag && !drag.moved) {
      var n = nodeAt(worldAt(event));
      if (n) { open(n, false); }
    }
    drag = null;
  });
  canvas.addEventListener("wheel", function (event) {
    event.preventDefault();
    var rect = canvas.getBoundingClientRect();
    var mx = event.clientX - rect.left, my = event.clientY - rect.top;
    var factor = Math.exp(-event.deltaY * 0.0015);
    var k = Math.max(0.05, Math.min(12, view.k * factor));
    view.x = mx - (mx - view.x) * (k / view.k);
    view.y = my - (my - view.y) * (k / view.k);
    view.k = k; draw();
  }, { passive: false });

  // -- start -------------------------------------------------------------------------------
  text("tenant", data.tenant + " — " + nodes.length + " concepts, " + edges.length + " links");
  var steps = nodes.length > 3000 ? 60 : nodes.length > 800 ? 150 : 300;
  for (var i = 0; i < steps; i++) { step(1 - i / steps); }
  window.addEventListener("resize", resize);
  fit();
  resize();
  status.setAttribute("data-nodes", String(nodes.length));
  status.setAttribute("data-edges", String(edges.length));
  status.setAttribute("data-ready", "1");
})();
