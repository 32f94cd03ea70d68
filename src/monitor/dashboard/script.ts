/**
 * The dashboard's browser script (plain ES2017, no modules, no library), inlined into
 * the page. Polls `api/dashboard` every second (only new samples after the first load)
 * and `api/services` every two seconds; draws the rate charts on canvas.
 * Written without template literals so it can live inside String.raw.
 */
export const DASHBOARD_SCRIPT = String.raw`
(function () {
  "use strict";
  var HISTORY = 300;
  var series = [];
  var lastT = 0;
  var data = null;
  var sortKey = "cid", sortDir = 1;
  var $ = function (id) { return document.getElementById(id); };

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function num(n) {
    n = Number(n) || 0;
    var a = Math.abs(n);
    if (a >= 1e9) return (n / 1e9).toFixed(2) + "G";
    if (a >= 1e6) return (n / 1e6).toFixed(2) + "M";
    if (a >= 1e4) return (n / 1e3).toFixed(1) + "k";
    return a % 1 === 0 ? String(n) : n.toFixed(1);
  }
  function bytes(n) {
    n = Number(n) || 0;
    var u = ["B", "KiB", "MiB", "GiB", "TiB"], i = 0;
    while (Math.abs(n) >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return (i === 0 ? String(Math.round(n)) : n.toFixed(1)) + " " + u[i];
  }
  /** A round-trip time: microseconds below a millisecond, else milliseconds. */
  function rtt(ms) {
    if (ms < 1) return Math.round(ms * 1000) + "\u00b5s";
    return (ms < 10 ? ms.toFixed(2) : Math.round(ms)) + "ms";
  }
  function dur(ms) {
    var s = Math.floor(ms / 1000);
    if (s < 60) return s + "s";
    var m = Math.floor(s / 60); if (m < 60) return m + "m" + (s % 60) + "s";
    var h = Math.floor(m / 60); if (h < 24) return h + "h" + (m % 60) + "m";
    return Math.floor(h / 24) + "d" + (h % 24) + "h";
  }
  function nanos(ns) {
    ns = Number(ns) || 0;
    if (ns >= 1e9) return (ns / 1e9).toFixed(2) + "s";
    if (ns >= 1e6) return (ns / 1e6).toFixed(2) + "ms";
    if (ns >= 1e3) return (ns / 1e3).toFixed(1) + "µs";
    return ns + "ns";
  }

  // ---- charts ----
  function niceMax(v) {
    if (v <= 0) return 1;
    var p = Math.pow(10, Math.floor(Math.log10(v))), f = v / p;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
  }
  function css(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim(); }
  function drawChart(canvas, keyIn, keyOut, fmt) {
    var dpr = window.devicePixelRatio || 1;
    var w = canvas.clientWidth, h = canvas.clientHeight;
    if (w === 0 || h === 0) return;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr); canvas.height = Math.round(h * dpr);
    }
    var g = canvas.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    var padL = 58, padR = 14, padT = 8, padB = 20;
    var pw = w - padL - padR, ph = h - padT - padB;
    var max = 0;
    for (var i = 0; i < series.length; i++) max = Math.max(max, series[i][keyIn], series[i][keyOut]);
    max = niceMax(max);
    g.font = "11px system-ui, sans-serif";
    g.strokeStyle = css("--line"); g.fillStyle = css("--muted"); g.lineWidth = 1;
    g.textAlign = "right"; g.textBaseline = "middle";
    for (var k = 0; k <= 4; k++) {
      var y = padT + ph - (ph * k) / 4;
      g.beginPath(); g.moveTo(padL, Math.round(y) + 0.5); g.lineTo(padL + pw, Math.round(y) + 0.5); g.stroke();
      g.fillText(fmt((max * k) / 4), padL - 6, y);
    }
    g.textAlign = "center"; g.textBaseline = "top";
    var now = series.length ? series[series.length - 1].t : Date.now();
    // The window grows with the history: one minute at first, up to HISTORY seconds.
    var spanSec = series.length ? Math.min(HISTORY, Math.max(60, Math.ceil((now - series[0].t) / 60000) * 60)) : 60;
    for (var m = 0; m <= 4; m++) {
      var x = padL + pw - (pw * m) / 4;
      var ago = (spanSec * m) / 4;
      g.fillText(m === 0 ? "now" : "-" + (ago >= 60 && ago % 60 === 0 ? ago / 60 + "m" : Math.round(ago) + "s"), x, padT + ph + 4);
    }
    function line(key, color) {
      g.strokeStyle = color; g.lineWidth = 1.6; g.beginPath();
      var started = false;
      for (var i = 0; i < series.length; i++) {
        var p = series[i];
        var x = padL + pw - ((now - p.t) / 1000 / spanSec) * pw;
        if (x < padL) continue;
        var y = padT + ph - (p[key] / max) * ph;
        if (!started) { g.moveTo(x, y); started = true; } else g.lineTo(x, y);
      }
      g.stroke();
    }
    line(keyIn, css("--in"));
    line(keyOut, css("--out"));
    var last = series[series.length - 1];
    canvas.setAttribute("data-points", String(series.length));
    canvas.setAttribute("data-last-t", String(last ? last.t : 0));
    canvas.setAttribute("data-last-in", String(last ? last[keyIn] : 0));
    canvas.setAttribute("data-last-out", String(last ? last[keyOut] : 0));
  }
  function drawCharts() {
    drawChart($("chart-msgs"), "inMsgs", "outMsgs", num);
    drawChart($("chart-bytes"), "inBytes", "outBytes", bytes);
  }

  // ---- tables ----
  function renderConnections() {
    if (!data) return;
    var f = $("conn-filter").value.toLowerCase();
    var rows = data.connections.filter(function (c) {
      return !f || (c.name + " " + c.lang + " " + c.version + " " + c.ip + " " + c.cid).toLowerCase().indexOf(f) >= 0;
    });
    rows.sort(function (a, b) {
      var x = a[sortKey], y = b[sortKey];
      if (typeof x === "string") return sortDir * x.localeCompare(y) || a.cid - b.cid;
      return sortDir * (x - y) || a.cid - b.cid;
    });
    var html = rows.map(function (c) {
      return "<tr data-cid='" + c.cid + "' data-name='" + esc(c.name) + "'>" +
        "<td class='num'>" + c.cid + "</td>" +
        "<td class='name'>" + esc(c.name || "(unnamed)") + "</td>" +
        "<td>" + esc(c.lang) + (c.version ? " " + esc(c.version) : "") + "</td>" +
        "<td class='num'>" + c.subs + "</td>" +
        "<td class='num'>" + bytes(c.pendingBytes) + "</td>" +
        "<td class='num'>" + num(c.inMsgs) + "</td>" +
        "<td class='num'>" + num(c.outMsgs) + "</td>" +
        "<td class='num'>" + dur(c.uptimeMs) + "</td>" +
        "<td class='num'>" + (c.rttMs ? rtt(c.rttMs) : "–") + "</td></tr>";
    }).join("");
    document.querySelector("#conn-table tbody").innerHTML = html || "<tr><td colspan='9' class='empty'>No connections</td></tr>";
    $("conn-count").textContent = rows.length + " shown of " + data.connectionsTotal;
    var ths = document.querySelectorAll("#conn-table th");
    for (var i = 0; i < ths.length; i++) {
      ths[i].className = (ths[i].className.replace(/ ?(asc|desc)/g, "")) + (ths[i].getAttribute("data-key") === sortKey ? (sortDir > 0 ? " asc" : " desc") : "");
    }
  }
  function renderSubjects() {
    var rows = data.subjects.map(function (s) {
      return "<tr data-subject='" + esc(s.subject) + "'><td>" + esc(s.subject) + (s.queues.length ? " <span class='pill'>" + esc(s.queues.join(", ")) + "</span>" : "") + "</td>" +
        "<td class='num'>" + num(s.msgsPerSec) + "</td><td class='num'>" + num(s.delivered) + "</td><td class='num'>" + s.subscriptions + "</td></tr>";
    }).join("");
    document.querySelector("#subject-table tbody").innerHTML = rows ||
      "<tr><td colspan='4' class='empty'>" + (data.subjectsWarmingUp ? "Measuring… (needs two samples with traffic)" : "No deliveries yet") + "</td></tr>";
  }
  function renderSlow() {
    var s = data.slow;
    $("slow-total").textContent = s.total + " since start";
    var html = "";
    if (s.atRisk.length) {
      html += "<p><b>Falling behind now</b></p><table><tbody>" + s.atRisk.map(function (c) {
        return "<tr><td>cid " + c.cid + "</td><td>" + esc(c.name) + "</td><td class='num err'>" + bytes(c.pendingBytes) + " pending</td></tr>";
      }).join("") + "</tbody></table>";
    }
    if (s.recent.length) {
      html += "<p><b>Recently disconnected</b></p><table><tbody>" + s.recent.map(function (c) {
        return "<tr><td>cid " + c.cid + "</td><td>" + esc(c.name) + "</td><td>" + esc(c.reason) + "</td><td class='num'>" + new Date(c.stopMs).toLocaleTimeString() + "</td></tr>";
      }).join("") + "</tbody></table>";
    }
    $("slow-body").innerHTML = html || "<p class='empty'>None so far.</p>";
  }
  // The cluster view: this server in the middle, each route (solid) and leaf node (dashed) around it.
  function renderCluster() {
    var c = data.cluster, box = $("cluster");
    if (!c) { box.hidden = true; return; }
    box.hidden = false;
    var routes = c.links.filter(function (l) { return l.kind === "route"; }).length;
    $("cluster-hint").textContent = (c.name ? "cluster " + c.name + " · " : "") + routes + " route" + (routes === 1 ? "" : "s") + " · " + (c.links.length - routes) + " leaf node" + (c.links.length - routes === 1 ? "" : "s");
    var cx = 160, cy = 110, r = 80, n = c.links.length;
    var short = function (s) { return s.length > 14 ? s.slice(0, 6) + "…" + s.slice(-6) : s; };
    var svg = c.links.map(function (l, i) {
      var a = (2 * Math.PI * i) / Math.max(n, 1) - Math.PI / 2, x = cx + r * Math.cos(a), y = cy + r * Math.sin(a);
      return "<line x1='" + cx + "' y1='" + cy + "' x2='" + x.toFixed(1) + "' y2='" + y.toFixed(1) + "' class='link " + l.kind + "'" + (l.kind === "leaf" ? " stroke-dasharray='4 3'" : "") + "/>" +
        "<circle cx='" + x.toFixed(1) + "' cy='" + y.toFixed(1) + "' r='9' class='node " + l.kind + "'/>" +
        "<text x='" + x.toFixed(1) + "' y='" + (y + 20).toFixed(1) + "' text-anchor='middle'>" + esc(short(l.remoteName || l.remoteId)) + "</text>";
    }).join("");
    svg += "<circle cx='" + cx + "' cy='" + cy + "' r='12' class='node self'/><text x='" + cx + "' y='" + (cy + 26) + "' text-anchor='middle'><tspan font-weight='600'>" + esc(short(c.self.name)) + "</tspan></text>";
    var g = $("cluster-graph");
    g.innerHTML = svg;
    g.setAttribute("data-links", String(n));
    document.querySelector("#cluster-table tbody").innerHTML = c.links.map(function (l) {
      return "<tr data-peer='" + esc(l.remoteName) + "'><td title='" + (l.solicited ? "dialed by this server" : "accepted by this server") + "'>" + l.kind + (l.solicited ? " →" : " ←") + "</td><td title='" + esc(l.remoteId) + "'>" + esc(short(l.remoteName || l.remoteId)) + "</td><td>" + esc(l.account) +
        "</td><td class='num'>" + num(l.subs) + "</td><td class='num'>" + num(l.inMsgs) + "</td><td class='num'>" + num(l.outMsgs) + "</td><td class='num'>" + rtt(l.rttMs) + "</td></tr>";
    }).join("") || "<tr><td colspan='7' class='empty'>No links yet</td></tr>";
  }
  function renderJetStream() {
    var j = data.jetstream;
    $("jetstream").hidden = !j;
    if (!j) return;
    $("js-summary").textContent = num(j.total) + " streams · " + bytes(j.memory) + " memory · " + bytes(j.storage) + " file · API " +
      num(j.api.total) + " requests, " + num(j.api.errors) + " errors";
    if (!j.streams.length) { $("js-body").innerHTML = "<p class='empty'>No streams.</p>"; return; }
    $("js-body").innerHTML = "<table id='js-table'><thead><tr><th>Stream</th><th>Subjects</th><th>Storage</th><th class='num'>Messages</th>" +
      "<th class='num'>Bytes</th><th class='num'>First · Last</th></tr></thead><tbody>" + j.streams.map(function (s) {
      var cons = s.consumers.map(function (c) {
        return "<tr class='consumer' data-consumer='" + esc(c.name) + "'><td>↳ " + esc(c.name) + " <span class='pill'>" + c.kind + "</span></td>" +
          "<td colspan='2'>" + (c.lastActiveMs ? "active " + dur(Date.now() - c.lastActiveMs) + " ago" : "idle") + "</td>" +
          "<td class='num'>" + num(c.pending) + " pending</td><td class='num'>" + num(c.ackPending) + " unacked · " + num(c.redelivered) +
          " redelivered</td><td class='num'>" + (c.kind === "pull" ? num(c.waiting) + " waiting" : "") + "</td></tr>";
      }).join("");
      return "<tr data-stream='" + esc(s.name) + "'><td class='name'>" + esc(s.name) + (s.account !== "$G" ? " <span class='pill'>" + esc(s.account) + "</span>" : "") +
        "</td><td>" + esc(s.subjects.join(", ")) + "</td><td>" + esc(s.storage) + " · " + esc(s.retention) + "</td><td class='num'>" + num(s.messages) +
        "</td><td class='num'>" + bytes(s.bytes) + "</td><td class='num'>" + num(s.firstSeq) + " · " + num(s.lastSeq) + "</td></tr>" + cons;
    }).join("") + "</tbody></table>";
  }
  function renderServer() {
    var v = data.server, last = series[series.length - 1] || {};
    $("srv-name").textContent = v.name;
    $("srv-meta").textContent = "nats " + v.version + " · tsnats " + v.tsnats_version + " · up " + v.uptime + " · " + num(v.total_connections) + " connections since start";
    $("k-conns").textContent = num(v.connections);
    $("k-subs").textContent = num(v.subscriptions);
    $("k-min").textContent = num(last.inMsgs || 0);
    $("k-mout").textContent = num(last.outMsgs || 0);
    $("k-bin").textContent = bytes(last.inBytes || 0);
    $("k-bout").textContent = bytes(last.outBytes || 0);
    $("k-slow").textContent = num(v.slow_consumers);
    $("k-res").textContent = v.cpu + "% · " + bytes(v.mem);
    document.title = "tsnats · " + v.name;
  }
  function renderServices(snap) {
    var box = $("svc-list");
    if (!snap.available) {
      box.innerHTML = "<p class='empty err'>Service discovery unavailable: " + esc(snap.error) + "</p>";
      box.setAttribute("data-count", "0");
      return;
    }
    box.setAttribute("data-count", String(snap.services.length));
    if (!snap.services.length) { box.innerHTML = "<p class='empty'>No NATS micro services answered $SRV.INFO.</p>"; return; }
    box.innerHTML = snap.services.map(function (s) {
      var eps = s.endpoints.map(function (e) {
        return "<tr><td>" + esc(e.name) + "</td><td>" + esc(e.subject) + "</td><td>" + esc(e.queueGroup) + "</td><td class='num'>" + num(e.numRequests) +
          "</td><td class='num" + (e.numErrors ? " err" : "") + "'>" + num(e.numErrors) + "</td><td class='num'>" + nanos(e.averageProcessingTimeNs) +
          "</td><td class='err'>" + esc(e.lastError) + "</td></tr>";
      }).join("");
      var inst = s.instances.map(function (i) {
        return "<tr data-instance='" + esc(i.id) + "'><td>" + esc(i.id) + "</td><td>" + esc(i.version) + "</td><td class='num'>" + num(i.numRequests) +
          "</td><td class='num'>" + num(i.numErrors) + "</td><td>" + (i.started ? new Date(i.started).toLocaleString() : "") + "</td></tr>";
      }).join("");
      return "<div class='svc' data-service='" + esc(s.name) + "' data-instances='" + s.instances.length + "' data-requests='" + s.numRequests + "'>" +
        "<div class='svc-head'><span class='svc-name'>" + esc(s.name) + "</span><span class='pill'>v" + esc(s.versions.join(", v")) + "</span>" +
        "<span class='pill'>" + s.instances.length + " instance" + (s.instances.length === 1 ? "" : "s") + "</span>" +
        "<span>" + num(s.numRequests) + " requests</span><span class='" + (s.numErrors ? "err" : "") + "'>" + num(s.numErrors) + " errors</span>" +
        "<span>avg " + nanos(s.averageProcessingTimeNs) + "</span>" + (s.description ? "<span class='hint'>" + esc(s.description) + "</span>" : "") + "</div>" +
        (s.lastError ? "<div class='err'>last error: " + esc(s.lastError) + "</div>" : "") +
        "<div class='scroll'><table><thead><tr><th>Endpoint</th><th>Subject</th><th>Queue</th><th class='num'>Requests</th><th class='num'>Errors</th><th class='num'>Avg time</th><th>Last error</th></tr></thead><tbody>" + eps + "</tbody></table></div>" +
        "<details><summary>Instances</summary><div class='scroll'><table><thead><tr><th>ID</th><th>Version</th><th class='num'>Requests</th><th class='num'>Errors</th><th>Started</th></tr></thead><tbody>" + inst + "</tbody></table></div></details></div>";
    }).join("");
  }

  // ---- polling ----
  function setStatus(ok) { $("status-dot").className = "dot " + (ok ? "ok" : "bad"); }
  function poll() {
    fetch("api/dashboard?since=" + lastT, { cache: "no-store" }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    }).then(function (d) {
      data = d;
      for (var i = 0; i < d.series.length; i++) series.push(d.series[i]);
      if (series.length > HISTORY) series.splice(0, series.length - HISTORY);
      if (series.length) lastT = series[series.length - 1].t;
      setStatus(true);
      renderServer(); drawCharts(); renderCluster(); renderConnections(); renderSubjects(); renderSlow(); renderJetStream();
    }).catch(function () { setStatus(false); }).then(function () { setTimeout(poll, 1000); });
  }
  function pollServices() {
    fetch("api/services", { cache: "no-store" }).then(function (r) { return r.json(); })
      .then(renderServices).catch(function () {}).then(function () { setTimeout(pollServices, 2000); });
  }

  var ths = document.querySelectorAll("#conn-table th");
  for (var i = 0; i < ths.length; i++) {
    ths[i].addEventListener("click", function (ev) {
      var key = ev.currentTarget.getAttribute("data-key");
      if (key === sortKey) sortDir = -sortDir; else { sortKey = key; sortDir = key === "name" || key === "lang" || key === "cid" ? 1 : -1; }
      renderConnections();
    });
  }
  $("conn-filter").addEventListener("input", renderConnections);
  window.addEventListener("resize", drawCharts);
  poll();
  pollServices();
})();
`;
