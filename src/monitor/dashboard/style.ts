/** The dashboard's stylesheet: light and dark schemes, one column on phones. */
export const DASHBOARD_STYLE = String.raw`
:root { --bg:#f6f7f9; --card:#fff; --fg:#1d2330; --muted:#6b7385; --line:#e3e6ec; --in:#2b7de9; --out:#e8793a; --bad:#d33c3c; --ok:#2aa876; }
@media (prefers-color-scheme: dark) {
  :root { --bg:#12151b; --card:#1b1f27; --fg:#e4e7ee; --muted:#8c94a6; --line:#2a303b; --in:#5aa2ff; --out:#ff9a5a; }
}
* { box-sizing: border-box; }
body { margin:0; font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; background:var(--bg); color:var(--fg); }
header { display:flex; flex-wrap:wrap; gap:.4rem 1rem; align-items:baseline; padding:.8rem 1rem; background:var(--card); border-bottom:1px solid var(--line); }
.brand { font-weight:700; font-size:1.1rem; }
.dot { display:inline-block; width:.6rem; height:.6rem; border-radius:50%; background:var(--muted); vertical-align:middle; }
.dot.ok { background:var(--ok); } .dot.bad { background:var(--bad); }
.srv { font-weight:600; overflow-wrap:anywhere; }
.meta { color:var(--muted); font-size:.85rem; }
main { padding:1rem; display:grid; gap:1rem; max-width:1400px; margin:0 auto; }
.kpis { display:grid; grid-template-columns:repeat(auto-fill,minmax(140px,1fr)); gap:.6rem; }
.kpi, .card { background:var(--card); border:1px solid var(--line); border-radius:8px; }
.kpi { padding:.6rem .8rem; }
.kpi .k { color:var(--muted); font-size:.78rem; text-transform:uppercase; letter-spacing:.03em; }
.kpi .v { font-size:1.4rem; font-weight:600; font-variant-numeric:tabular-nums; }
.kpi .v.small { font-size:1rem; padding-top:.3rem; }
.v.in { color:var(--in); } .v.out { color:var(--out); }
.charts, .two { display:grid; grid-template-columns:1fr 1fr; gap:1rem; }
@media (max-width: 800px) { .charts, .two { grid-template-columns:1fr; } main { padding:.5rem; } }
.card { padding:.8rem; min-width:0; }
h2 { font-size:.95rem; margin:0 0 .6rem; display:flex; flex-wrap:wrap; gap:.5rem; align-items:center; }
h2 input { margin-left:auto; padding:.25rem .5rem; border:1px solid var(--line); border-radius:6px; background:var(--bg); color:var(--fg); min-width:10rem; }
.hint { color:var(--muted); font-weight:400; font-size:.8rem; }
.legend { font-weight:400; font-size:.8rem; color:var(--muted); margin-left:auto; }
.legend i { display:inline-block; width:.8rem; height:.2rem; margin:0 .25rem 0 .6rem; vertical-align:middle; }
.legend i.in { background:var(--in); } .legend i.out { background:var(--out); }
canvas.chart { width:100%; height:200px; display:block; }
.scroll { overflow-x:auto; }
table { width:100%; border-collapse:collapse; font-variant-numeric:tabular-nums; }
th, td { text-align:left; padding:.3rem .5rem; border-bottom:1px solid var(--line); white-space:nowrap; }
th { color:var(--muted); font-weight:600; font-size:.78rem; text-transform:uppercase; }
th.num, td.num { text-align:right; }
table.sortable th { cursor:pointer; user-select:none; }
th.asc::after { content:" \25B2"; } th.desc::after { content:" \25BC"; }
td.name { max-width:18rem; overflow:hidden; text-overflow:ellipsis; }
.empty { color:var(--muted); margin:.3rem 0; }
.svc { border:1px solid var(--line); border-radius:6px; padding:.6rem; margin-bottom:.6rem; }
.svc-head { display:flex; flex-wrap:wrap; gap:.3rem 1rem; align-items:baseline; margin-bottom:.4rem; }
.svc-name { font-weight:700; font-size:1rem; }
.pill { background:var(--bg); border:1px solid var(--line); border-radius:999px; padding:0 .5rem; font-size:.8rem; }
.err { color:var(--bad); }
.svc details { margin-top:.3rem; } .svc summary { cursor:pointer; color:var(--muted); }
footer { color:var(--muted); text-align:center; padding:1rem; font-size:.8rem; }
footer a { color:inherit; }
.cluster-view { display:grid; grid-template-columns:minmax(220px,320px) 1fr; gap:1rem; align-items:start; }
@media (max-width: 700px) { .cluster-view { grid-template-columns:1fr; } }
#cluster-graph { width:100%; height:auto; }
#cluster-graph .link { stroke:var(--muted); stroke-width:1.5; }
#cluster-graph .node { fill:var(--card); stroke-width:2; }
#cluster-graph .node.self { fill:var(--ok); stroke:var(--ok); }
#cluster-graph .node.route { stroke:var(--in); }
#cluster-graph .node.leaf { stroke:var(--out); }
#cluster-graph text { fill:var(--fg); font-size:10px; }
`;
