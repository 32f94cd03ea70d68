/**
 * The dashboard page: one self-contained HTML document (styles and script inline, charts
 * drawn by hand on canvas, no library, no CDN), so it loads in one request, works
 * offline and needs no build step. Kept as a string module because tsc does not copy
 * assets into dist/. The script lives in ./script.ts.
 *
 * Elements carry `data-*` attributes (chart point counts, row names, instance counts)
 * that the browser test reads; keep them when restyling.
 */
import { DASHBOARD_SCRIPT } from "./script.js";
import { DASHBOARD_STYLE } from "./style.js";

export const DASHBOARD_HTML = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tsnats dashboard</title>
<link rel="icon" href="data:,">
<style>${DASHBOARD_STYLE}</style>
</head>
<body>
<header>
  <div class="brand"><span class="dot" id="status-dot"></span> tsnats</div>
  <div class="srv" id="srv-name">connecting…</div>
  <div class="meta" id="srv-meta"></div>
</header>
<main>
  <section class="kpis" id="kpis">
    <div class="kpi"><div class="k">Connections</div><div class="v" id="k-conns">–</div></div>
    <div class="kpi"><div class="k">Subscriptions</div><div class="v" id="k-subs">–</div></div>
    <div class="kpi"><div class="k">Msgs in /s</div><div class="v in" id="k-min">–</div></div>
    <div class="kpi"><div class="k">Msgs out /s</div><div class="v out" id="k-mout">–</div></div>
    <div class="kpi"><div class="k">Bytes in /s</div><div class="v in" id="k-bin">–</div></div>
    <div class="kpi"><div class="k">Bytes out /s</div><div class="v out" id="k-bout">–</div></div>
    <div class="kpi"><div class="k">Slow consumers</div><div class="v" id="k-slow">–</div></div>
    <div class="kpi"><div class="k">CPU · Memory</div><div class="v small" id="k-res">–</div></div>
  </section>
  <section class="charts">
    <div class="card">
      <h2>Messages per second <span class="legend"><i class="in"></i>in <i class="out"></i>out</span></h2>
      <canvas id="chart-msgs" class="chart" data-points="0"></canvas>
    </div>
    <div class="card">
      <h2>Bytes per second <span class="legend"><i class="in"></i>in <i class="out"></i>out</span></h2>
      <canvas id="chart-bytes" class="chart" data-points="0"></canvas>
    </div>
  </section>
  <section class="card" id="cluster" hidden>
    <h2>Cluster <span class="hint" id="cluster-hint"></span></h2>
    <div class="cluster-view">
      <svg id="cluster-graph" viewBox="0 0 320 220" role="img" aria-label="this server and its links" data-links="0"></svg>
      <div class="scroll">
        <table id="cluster-table">
          <thead><tr><th>Link</th><th>Peer</th><th>Account</th><th class="num">Subs</th><th class="num">Msgs in</th><th class="num">Msgs out</th><th class="num">RTT</th></tr></thead>
          <tbody></tbody>
        </table>
      </div>
    </div>
  </section>
  <section class="card" id="jetstream" hidden>
    <h2>JetStream <span class="hint" id="js-summary"></span></h2>
    <div id="js-body"><p class="empty">No streams.</p></div>
  </section>
  <section class="card" id="services">
    <h2>Services <span class="hint" id="svc-hint">via $SRV.INFO / $SRV.STATS</span></h2>
    <div id="svc-list" data-count="0"><p class="empty">Looking for services…</p></div>
  </section>
  <section class="card">
    <h2>Connections <span class="hint" id="conn-count"></span>
      <input id="conn-filter" type="search" placeholder="filter by name, lang, ip" aria-label="filter connections"></h2>
    <div class="scroll">
      <table id="conn-table" class="sortable">
        <thead><tr>
          <th data-key="cid" class="num">CID</th>
          <th data-key="name">Name</th>
          <th data-key="lang">Lang / version</th>
          <th data-key="subs" class="num">Subs</th>
          <th data-key="pendingBytes" class="num">Pending</th>
          <th data-key="inMsgs" class="num">Msgs in</th>
          <th data-key="outMsgs" class="num">Msgs out</th>
          <th data-key="uptimeMs" class="num">Uptime</th>
          <th data-key="rttMs" class="num">RTT</th>
        </tr></thead>
        <tbody></tbody>
      </table>
    </div>
  </section>
  <section class="two">
    <div class="card">
      <h2>Busiest subjects <span class="hint">messages delivered per second</span></h2>
      <div class="scroll">
        <table id="subject-table">
          <thead><tr><th>Subject</th><th class="num">Msgs/s</th><th class="num">Delivered</th><th class="num">Subs</th></tr></thead>
          <tbody></tbody>
        </table>
      </div>
    </div>
    <div class="card">
      <h2>Slow consumers <span class="hint" id="slow-total"></span></h2>
      <div id="slow-body"><p class="empty">None so far.</p></div>
    </div>
  </section>
</main>
<footer>Rates sampled every second by the server, last 5 minutes · <a href="varz">varz</a> · <a href="connz">connz</a> · <a href="subsz">subsz</a> · <a href="metrics">metrics</a> · <a href="healthz">healthz</a> · <a href="jsz?consumers=true">jsz</a> · <a href="raftz">raftz</a> · <a href="ipqueuesz?all=1">ipqueuesz</a> · <a href="debug/vars">expvar</a></footer>
<script>${DASHBOARD_SCRIPT}</script>
</body>
</html>
`;
