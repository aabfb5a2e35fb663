// sniff report viewer, part 2 of 2: the page (overview, flow details, anomalies) from the data
// block (see src/report/report_json.hpp). Runs after report_draw.js in the same script.
const data = JSON.parse(document.getElementById("sniff-data").textContent);
const app = document.getElementById("app");
app.textContent = "";
const state = { flow: null, sort: { key: "id", asc: true }, filter: "" };

// ---- header and what was left out ----
function renderHeader() {
  const header = add(app, el("header", "top"));
  add(header, el("h1", null, data.title));
  const flows = data.flows.length;
  let segments = 0, messages = 0, bytes = 0;
  for (const flow of data.flows)
    for (const dir of flow.dirs) {
      segments += dir.stats.segments;
      messages += messageCount(dir);
      bytes += dir.stats.stream_bytes;
    }
  add(header, el("p", "totals", fmtInt(flows) + " flows · " + fmtBytes(bytes) + " · " +
    fmtInt(segments) + " segments · " + fmtInt(messages) + " messages · " +
    fmtInt(data.anomalies.length) + " anomalies"));
  const legend = add(header, el("p", "legend"));
  CLASS_NAMES.forEach((name, i) => {
    const key = add(legend, el("span", "key"));
    const swatch = add(key, el("span", "swatch"));
    swatch.style.background = CLASS_COLORS[i];
    add(key, document.createTextNode(name));
  });
  const notes = [];
  const o = data.omitted;
  if (o.flows > 0)
    notes.push(fmtInt(o.flows) + " more flows (" + fmtBytes(o.flow_bytes) + ") are not listed: the report keeps " + fmtInt(data.limits.max_flows) + " flows at most");
  if (o.budget_reached)
    notes.push("the report reached its size budget: later segments, messages and bytes are counted but not drawn");
  if (o.anomalies > 0) notes.push(fmtInt(o.anomalies) + " more anomalies are not listed");
  notes.push("per direction at most " + fmtInt(data.limits.segments) + " segments, " + fmtInt(data.limits.messages) +
    " messages, " + fmtInt(data.limits.controls) + " pure ACKs and retransmissions and " + fmtBytes(data.limits.bytes) + " of bytes are kept; the file stays under " + fmtBytes(data.limits.max_file_bytes));
  const box = add(header, el("ul", "omitted"));
  for (const note of notes) add(box, el("li", null, note));
}

// ---- overview table ----
// A proxied flow is named client → listener → upstream: the client's connection ends at sniff's
// listener, sniff's own connection goes to the upstream.
function route(f) {
  return f.listener ? f.listener + " → " + f.server : f.server;
}

const COLUMNS = [
  { key: "id", label: "#", value: (f) => f.id },
  { key: "proto", label: "proto", value: (f) => f.proto },
  { key: "client", label: "client", value: (f) => f.client },
  { key: "server", label: "server (proxy: listener → upstream)", value: (f) => route(f) },
  { key: "close", label: "end", value: (f) => f.close + (f.origin === "proxy" ? " (proxy)" : "") },
  { key: "c2s", label: "c2s bytes · segs · msgs", value: (f) => f.dirs[0].stats.stream_bytes, dir: 0 },
  { key: "c2s_cls", label: "c2s classes", value: (f) => classCount(f.dirs[0], 1) + classCount(f.dirs[0], 2) + classCount(f.dirs[0], 3), classes: 0 },
  { key: "s2c", label: "s2c bytes · segs · msgs", value: (f) => f.dirs[1].stats.stream_bytes, dir: 1 },
  { key: "s2c_cls", label: "s2c classes", value: (f) => classCount(f.dirs[1], 1) + classCount(f.dirs[1], 2) + classCount(f.dirs[1], 3), classes: 1 },
  { key: "framing", label: "framing (auto's confidence)", value: (f) => framingText(f.dirs[0]) + " / " + framingText(f.dirs[1]) },
  { key: "gaps", label: "gaps", value: (f) => f.dirs[0].stats.gaps + f.dirs[1].stats.gaps },
  { key: "anomalies", label: "anomalies", value: (f) => f.anomalies },
];

function directionCell(flow, index) {
  const dir = flow.dirs[index];
  const cell = el("td", "direction");
  cell.dataset.flow = flow.id;
  cell.dataset.direction = dir.name;
  cell.dataset.messages = messageCount(dir);
  cell.dataset.segments = dir.stats.segments;
  cell.dataset.acks = dir.ctrl_seen.acks;
  cell.dataset.retransmissions = dir.ctrl_seen.retransmissions;
  cell.textContent = fmtBytes(dir.stats.stream_bytes) + " · " + fmtInt(dir.stats.segments) + " · " + fmtInt(messageCount(dir));
  return cell;
}
function classesCell(dir) {
  const cell = el("td", "classes");
  const total = messageCount(dir);
  if (total === 0) return cell;
  const bar = add(cell, el("span", "classbar"));
  for (let i = 0; i < 4; ++i) {
    const n = classCount(dir, i);
    if (n === 0) continue;
    const part = add(bar, el("span", "part"));
    part.style.background = CLASS_COLORS[i];
    part.style.width = Math.max(2, Math.round(80 * n / total)) + "px";
    part.title = CLASS_NAMES[i] + ": " + fmtInt(n);
  }
  return cell;
}

let tableBody = null;
function renderOverview() {
  const section = add(app, el("section", "overview"));
  add(section, el("h2", null, "Flows"));
  const filter = add(section, el("input", "filter"));
  filter.type = "search";
  filter.placeholder = "filter flows (address, port, framing, end...)";
  filter.addEventListener("input", () => { state.filter = filter.value.toLowerCase(); fillTable(); });
  const table = add(section, el("table", "flows"));
  const head = add(add(table, el("thead")), el("tr"));
  for (const column of COLUMNS) {
    const th = add(head, el("th", "sortable", column.label));
    th.addEventListener("click", () => {
      state.sort = { key: column.key, asc: state.sort.key === column.key ? !state.sort.asc : true };
      fillTable();
    });
  }
  tableBody = add(table, el("tbody"));
  fillTable();
}
function fillTable() {
  const column = COLUMNS.find((c) => c.key === state.sort.key);
  const rows = data.flows.filter((f) => {
    if (!state.filter) return true;
    const text = [f.id, f.proto, f.client, f.listener || "", f.upstream_local || "", f.server, f.close, f.origin, framingText(f.dirs[0]), framingText(f.dirs[1])].join(" ").toLowerCase();
    return text.includes(state.filter);
  });
  rows.sort((a, b) => {
    const x = column.value(a), y = column.value(b);
    const order = x < y ? -1 : x > y ? 1 : 0;
    return state.sort.asc ? order : -order;
  });
  tableBody.textContent = "";
  for (const flow of rows) {
    const tr = add(tableBody, el("tr", state.flow === flow ? "selected" : null));
    for (const c of COLUMNS) {
      if (c.dir !== undefined) add(tr, directionCell(flow, c.dir));
      else if (c.classes !== undefined) add(tr, classesCell(flow.dirs[c.classes]));
      else add(tr, el("td", null, c.value(flow)));
    }
    tr.addEventListener("click", () => selectFlow(flow));
  }
}

const details = el("section", "details");
function renderDirection(parent, flow, index) {
  const dir = flow.dirs[index];
  const box = add(parent, el("div", "direction-detail"));
  box.id = "flow-" + flow.id + "-" + dir.name;
  // A proxied direction goes through sniff's listener, as the flow's route does.
  add(box, el("h3", null, dir.name + "  " + dir.src + " → " + (flow.listener ? flow.listener + " → " : "") + dir.dst));
  const st = dir.stats;
  let line = fmtBytes(st.stream_bytes) + " in " + fmtInt(st.segments) + (flow.origin === "proxy" ? " reads" : " segments") +
    " · framing " + framingText(dir) + " · " + fmtInt(messageCount(dir)) + " messages";
  if (dir.summary) line += " (" + CLASS_NAMES.map((n, i) => fmtInt(classCount(dir, i)) + " " + n).join(", ") + ")";
  line += " · " + st.gaps + " gaps, " + st.out_of_order + " out of order";
  if (flow.proto === "tcp" && flow.origin === "capture") {
    const cs = dir.ctrl_seen;
    line += " · sent " + fmtInt(cs.retransmissions) + " retransmissions, " + fmtInt(cs.acks) + " pure ACKs (" +
      fmtInt(cs.window_updates) + " window updates) · " + windowScaleText(st.window_shift);
    box.dataset.windowShift = st.window_shift;
  }
  add(box, el("p", "dirline", line));
  const controls = dir.ctrl_seen.acks + dir.ctrl_seen.retransmissions;
  if (dir.ctrl.length < controls)
    add(box, el("p", "warn", "only the first " + fmtInt(dir.ctrl.length) + " of " + fmtInt(controls) +
      " pure ACKs and retransmissions of this direction are drawn (at most " + fmtInt(data.limits.controls) + " per direction)"));
  if (dir.summary && dir.summary.stopped) add(box, el("p", "warn", "framing stopped: " + dir.summary.stop_reason));
  if (dir.segs.length < dir.segs_seen || dir.msgs.length < messageCount(dir) || !dir.bytes_complete)
    add(box, el("p", "warn", "only the first part is drawn: " + fmtInt(dir.segs.length) + " of " + fmtInt(dir.segs_seen) +
      " segments, " + fmtInt(dir.msgs.length) + " of " + fmtInt(messageCount(dir)) + " messages, " + fmtBytes(kept(dir).length) +
      " of bytes; the counts above cover all of them"));
  if (dir.segs.length === 0 && dir.gaps.length === 0) { add(box, el("p", "note", "no data in this direction")); return null; }
  add(box, el("h4", null, "Boundary ladder"));
  const hex = el("div", "hexbox");
  const ladder = new Ladder(box, flow, dir, (i) => renderHex(hex, dir, i));
  add(box, hex);
  if (dir.msgs.length) { // the first message, so the hex view is never empty
    ladder.selected = 0;
    ladder.draw();
    renderHex(hex, dir, 0);
  } else add(hex, el("p", "note", "no messages: the ladder shows the segments and bytes"));
  add(box, el("h4", null, "Time–sequence graph (wheel to zoom, double-click to reset)"));
  new TimeSequence(box, flow, index);
  const charts = add(box, el("div", "charts"));
  const bytesUnit = (v) => fmtInt(v);
  histogramChart(charts, "message sizes (B)", dir.hist.sizes, bytesUnit);
  histogramChart(charts, "segments per message", dir.hist.segs_per_msg, bytesUnit);
  histogramChart(charts, "messages per segment", dir.hist.msgs_per_seg, bytesUnit);
  if (index === 1 && flow.dirs[0].msgs.length && dir.msgs.length)
    histogramChart(charts, "request → answer (µs; n-th request to n-th answer)", responseTimes(flow), bytesUnit);
  return ladder;
}
function selectFlow(flow, focus) {
  state.flow = flow;
  fillTable();
  details.textContent = "";
  add(details, el("h2", null, "Flow #" + flow.id + " " + flow.proto + " " + flow.client + " → " + route(flow) +
    " (" + flow.close + (flow.origin === "proxy" ? ", via proxy" : "") +
    (flow.upstream_local ? ", upstream leg from " + flow.upstream_local : "") + ")"));
  const ladders = [renderDirection(details, flow, 0), renderDirection(details, flow, 1)];
  if (focus) {
    const ladder = ladders[focus.dir];
    if (ladder) ladder.showOffset(focus.offset, focus.length || 1);
    const target = document.getElementById("flow-" + flow.id + "-" + flow.dirs[focus.dir].name);
    if (target) target.scrollIntoView();
  }
}

// ---- anomalies and gaps, each linked to its flow, direction and offset ----
function renderAnomalies() {
  const section = add(app, el("section", "anomalies"));
  add(section, el("h2", null, "Anomalies and gaps"));
  const rows = [];
  for (const a of data.anomalies) rows.push({ flow: a[0], kind: a[1], frame: a[2], offset: a[3], detail: a[4] });
  for (const flow of data.flows)
    flow.dirs.forEach((dir, d) => {
      for (const g of dir.gaps) rows.push({ flow: flow.id, dir: d, kind: "gap (" + g[2] + ")", frame: g[3], offset: g[0], length: g[1], detail: fmtInt(g[1]) + " bytes missing" });
    });
  if (!rows.length) { add(section, el("p", "note", "none")); return; }
  const table = add(section, el("table", "anomalylist"));
  const head = add(add(table, el("thead")), el("tr"));
  for (const h of ["flow", "dir", "kind", "frame", "offset", "detail"]) add(head, el("th", null, h));
  const body = add(table, el("tbody"));
  const byId = new Map(data.flows.map((f) => [f.id, f]));
  for (const row of rows) {
    const flow = byId.get(row.flow);
    if (flow && row.dir === undefined) // the direction whose segment came in that frame
      row.dir = flow.dirs[1].segs.some((s) => s[S.frame] === row.frame) ? 1 : 0;
    const tr = add(body, el("tr"));
    const cell = add(tr, el("td"));
    if (flow) {
      const link = add(cell, el("a", "jump", "#" + row.flow));
      link.href = "#flow-" + row.flow;
      link.addEventListener("click", (e) => { e.preventDefault(); selectFlow(flow, { dir: row.dir, offset: row.offset, length: row.length }); });
    } else cell.textContent = row.flow ? "#" + row.flow : "–";
    add(tr, el("td", null, flow ? flow.dirs[row.dir].name : ""));
    add(tr, el("td", null, row.kind));
    add(tr, el("td", null, row.frame));
    add(tr, el("td", null, fmtInt(row.offset)));
    add(tr, el("td", null, row.detail));
  }
}

renderHeader();
renderOverview();
add(app, details);
renderAnomalies();
if (data.flows.length) {
  // The flow with the most messages drawn (else the first): where the picture is.
  const drawn = (f) => f.dirs[0].msgs.length + f.dirs[1].msgs.length;
  selectFlow(data.flows.reduce((best, f) => (drawn(f) > drawn(best) ? f : best), data.flows[0]));
} else add(details, el("p", "note", "no flows"));
document.body.dataset.rendered = "yes";
