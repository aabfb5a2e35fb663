// sniff report viewer, part 1 of 2: helpers and the per-direction drawings (boundary ladder,
// hex view, time-sequence graph, histograms). Concatenated before report.js into one script.
// Every text from the data is put in with textContent, never parsed as markup.
"use strict";
const CLASS_NAMES = ["whole", "coalesced", "split", "coalesced+split"];
const STATUS_NAMES = ["complete", "truncated", "malformed"];
const CLASS_COLORS = ["#4caf50", "#ff9800", "#2196f3", "#9c27b0"];
const M = { off: 0, len: 1, hdr: 2, cls: 3, status: 4, fseg: 5, lseg: 6, ft: 7, lt: 8, ff: 9, lf: 10, reason: 11, json: 12 };
const S = { t: 0, off: 1, len: 2, flags: 3, frame: 4, ack: 5, win: 6 };
// Control packets (pure ACKs, window updates, retransmissions): see report_json.cpp.
const C = { t: 0, kind: 1, off: 2, len: 3, flags: 4, frame: 5, ack: 6, win: 7 };
const CTRL_ACK = 0, CTRL_WINDOW = 1, CTRL_RETRANSMISSION = 2;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}
function add(parent, child) { parent.appendChild(child); return child; }
function fmtInt(n) { return Number(n).toLocaleString("en-US"); }
function fmtBytes(n) {
  if (n < 1024) return n + " B";
  if (n < 1048576) return (n / 1024).toFixed(1) + " KiB";
  if (n < 1073741824) return (n / 1048576).toFixed(1) + " MiB";
  return (n / 1073741824).toFixed(2) + " GiB";
}
function fmtTime(ns) {
  const a = Math.abs(ns);
  if (a < 1e3) return ns + " ns";
  if (a < 1e6) return (ns / 1e3).toFixed(1) + " µs";
  if (a < 1e9) return (ns / 1e6).toFixed(2) + " ms";
  return (ns / 1e9).toFixed(3) + " s";
}
function decodeBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; ++i) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
function messageCount(dir) { return dir.summary ? dir.summary.messages : 0; }
function classCount(dir, index) {
  return dir.summary && dir.summary.by_class[index] ? dir.summary.by_class[index] : 0;
}
function framingText(dir) {
  if (!dir.framing) return "raw";
  let text = dir.framing.spec;
  if (dir.framing.guessed)
    text += " (auto " + (dir.framing.confidence / 1000).toFixed(2) + (dir.framing.uncertain ? ", uncertain" : "") + ")";
  return text;
}
// A canvas sized for the device's pixels; returns its 2D context in CSS pixels.
function sizedCanvas(canvas, width, height) {
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.max(1, Math.floor(width * ratio));
  canvas.height = Math.max(1, Math.floor(height * ratio));
  canvas.style.width = width + "px";
  canvas.style.height = height + "px";
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return ctx;
}


// ---- one direction: ladder, hex view, time-sequence graph, distributions ----
function kept(dir) {
  if (!dir._bytes) dir._bytes = decodeBase64(dir.bytes);
  return dir._bytes;
}
function streamEnd(dir) {
  let end = 1;
  if (dir.segs.length) { const s = dir.segs[dir.segs.length - 1]; end = Math.max(end, s[S.off] + s[S.len]); }
  if (dir.msgs.length) { const m = dir.msgs[dir.msgs.length - 1]; end = Math.max(end, m[M.off] + m[M.len]); }
  for (const g of dir.gaps) end = Math.max(end, g[0] + g[1]);
  return end;
}
// First index whose item ends after offset (items sorted by offset).
function firstEndingAfter(items, offset, offIndex, lenIndex) {
  let lo = 0, hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (items[mid][offIndex] + items[mid][lenIndex] <= offset) lo = mid + 1; else hi = mid;
  }
  return lo;
}

class Ladder {
  constructor(parent, flow, dir, onPick) {
    this.flow = flow; this.dir = dir; this.onPick = onPick;
    this.end = streamEnd(dir);
    this.view = { from: 0, to: this.end };
    const bar = add(parent, el("div", "controls"));
    const button = (label, action) => { const b = add(bar, el("button", null, label)); b.addEventListener("click", action); };
    button("whole stream", () => this.setView(0, this.end));
    button("zoom in", () => this.zoom(0.5, 0.5));
    button("zoom out", () => this.zoom(2, 0.5));
    button("← pan", () => this.pan(-0.5));
    button("pan →", () => this.pan(0.5));
    this.label = add(bar, el("span", "viewlabel"));
    this.canvas = add(parent, el("canvas", "ladder"));
    this.canvas.addEventListener("wheel", (e) => {
      e.preventDefault();
      const rect = this.canvas.getBoundingClientRect();
      this.zoom(e.deltaY > 0 ? 1.25 : 0.8, (e.clientX - rect.left - 70) / (rect.width - 80));
    }, { passive: false });
    let drag = null;
    // Pointer capture keeps a drag on this canvas without listeners on window, which would
    // outlive the ladder when another flow is chosen.
    this.canvas.addEventListener("pointerdown", (e) => {
      this.canvas.setPointerCapture(e.pointerId);
      drag = { x: e.clientX, from: this.view.from, to: this.view.to, moved: false };
    });
    this.canvas.addEventListener("pointerup", () => { drag = null; });
    this.canvas.addEventListener("pointermove", (e) => {
      if (!drag) return;
      const dx = e.clientX - drag.x;
      if (Math.abs(dx) > 3) drag.moved = true;
      const per = (drag.to - drag.from) / (this.canvas.clientWidth - 80);
      this.setView(drag.from - dx * per, drag.to - dx * per);
    });
    this.canvas.addEventListener("click", (e) => this.click(e));
    this.draw();
  }
  setView(from, to) {
    const span = Math.max(8, Math.min(to - from, this.end));
    from = Math.max(0, Math.min(from, this.end - span));
    this.view = { from, to: from + span };
    this.draw();
  }
  zoom(factor, anchor) {
    anchor = Math.max(0, Math.min(1, anchor));
    const span = this.view.to - this.view.from;
    const at = this.view.from + span * anchor;
    const next = span * factor;
    this.setView(at - next * anchor, at - next * anchor + next);
  }
  pan(fraction) {
    const span = this.view.to - this.view.from;
    this.setView(this.view.from + span * fraction, this.view.to + span * fraction);
  }
  showOffset(offset, length) {
    const span = Math.max(64, length * 3);
    this.setView(offset - span / 3, offset - span / 3 + span);
  }
  x(offset) { return 70 + (offset - this.view.from) / (this.view.to - this.view.from) * this.width; }
  draw() {
    const width = Math.max(300, this.canvas.parentNode.clientWidth - 4);
    this.width = width - 80;
    const ctx = sizedCanvas(this.canvas, width, 120);
    const dir = this.dir, from = this.view.from, to = this.view.to;
    ctx.clearRect(0, 0, width, 120);
    ctx.font = "11px sans-serif";
    ctx.fillStyle = "#444";
    ctx.fillText(this.flow.origin === "proxy" ? "reads" : "segments", 4, 34);
    ctx.fillText("messages", 4, 66);
    ctx.fillText("bytes", 4, 98);
    const clipX = (v) => Math.max(70, Math.min(70 + this.width, v));
    // segments: alternating shades so neighbours stay apart
    for (let i = firstEndingAfter(dir.segs, from, S.off, S.len); i < dir.segs.length; ++i) {
      const s = dir.segs[i];
      if (s[S.off] >= to) break;
      const x0 = clipX(this.x(s[S.off])), x1 = clipX(this.x(s[S.off] + s[S.len]));
      ctx.fillStyle = i % 2 ? "#90a4ae" : "#cfd8dc";
      ctx.fillRect(x0, 22, Math.max(1, x1 - x0), 20);
      if (x1 - x0 > 2) { ctx.strokeStyle = "#37474f"; ctx.strokeRect(x0 + 0.5, 22.5, Math.max(1, x1 - x0 - 1), 19); }
    }
    for (const g of dir.gaps) {
      if (g[0] + g[1] <= from || g[0] >= to) continue;
      const x0 = clipX(this.x(g[0])), x1 = clipX(this.x(g[0] + g[1]));
      ctx.fillStyle = "#e53935";
      ctx.fillRect(x0, 22, Math.max(2, x1 - x0), 84);
    }
    // messages, coloured by class; not complete ones outlined in red
    for (let i = firstEndingAfter(dir.msgs, from, M.off, M.len); i < dir.msgs.length; ++i) {
      const m = dir.msgs[i];
      if (m[M.off] >= to) break;
      const x0 = clipX(this.x(m[M.off])), x1 = clipX(this.x(m[M.off] + m[M.len]));
      ctx.fillStyle = CLASS_COLORS[m[M.cls]];
      ctx.fillRect(x0, 54, Math.max(1, x1 - x0), 20);
      if (x1 - x0 > 3) { ctx.strokeStyle = "#fff"; ctx.lineWidth = 2; ctx.beginPath(); ctx.moveTo(x0 + 1, 54); ctx.lineTo(x0 + 1, 74); ctx.stroke(); ctx.lineWidth = 1; }
      if (m[M.status] !== 0) { ctx.strokeStyle = "#b71c1c"; ctx.lineWidth = 2; ctx.strokeRect(x0 + 1, 55, Math.max(1, x1 - x0 - 2), 18); ctx.lineWidth = 1; }
      if (this.selected === i) { ctx.strokeStyle = "#000"; ctx.lineWidth = 2; ctx.strokeRect(x0, 52, Math.max(2, x1 - x0), 24); ctx.lineWidth = 1; }
    }
    this.drawBytes(ctx, from, to);
    const kind = this.flow.origin === "proxy" ? "reads" : "segments";
    this.label.textContent = "offsets " + fmtInt(Math.floor(from)) + " – " + fmtInt(Math.ceil(to)) + " of " + fmtInt(this.end) +
      " kept (" + fmtInt(dir.segs.length) + " of " + fmtInt(dir.segs_seen) + " " + kind + ", " +
      fmtInt(dir.msgs.length) + " of " + fmtInt(messageCount(dir)) + " messages); wheel to zoom, drag to pan, click a message";
  }
  drawBytes(ctx, from, to) {
    const bytes = kept(this.dir);
    const perByte = this.width / (to - from);
    const first = Math.max(0, Math.floor(from)), last = Math.min(bytes.length, Math.ceil(to));
    if (first >= last) return;
    if (perByte < 4) {
      ctx.fillStyle = "#b0bec5";
      ctx.fillRect(Math.max(70, this.x(first)), 86, Math.min(this.width, this.x(last) - Math.max(70, this.x(first))), 16);
      return;
    }
    ctx.font = "10px monospace";
    for (let i = first; i < last; ++i) {
      const x = this.x(i);
      ctx.fillStyle = i % 2 ? "#eceff1" : "#f5f5f5";
      ctx.fillRect(x, 86, perByte, 16);
      if (perByte >= 12) {
        ctx.fillStyle = "#263238";
        const b = bytes[i];
        ctx.fillText(perByte >= 20 && b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : b.toString(16).padStart(2, "0"), x + 2, 98);
      }
    }
  }
  click(e) {
    const rect = this.canvas.getBoundingClientRect();
    const x = e.clientX - rect.left, y = e.clientY - rect.top;
    if (y < 50 || y > 80 || x < 70) return;
    const offset = this.view.from + (x - 70) / this.width * (this.view.to - this.view.from);
    const i = firstEndingAfter(this.dir.msgs, offset, M.off, M.len);
    if (i < this.dir.msgs.length && this.dir.msgs[i][M.off] <= offset) {
      this.selected = i;
      this.draw();
      this.onPick(i);
    }
  }
}

// Hex/ASCII view of a message and the bytes around it: segment starts thin, message starts thick.
function renderHex(box, dir, index) {
  box.textContent = "";
  const m = dir.msgs[index];
  const bytes = kept(dir);
  const cls = CLASS_NAMES[m[M.cls]], status = STATUS_NAMES[m[M.status]];
  const info = "message #" + index + " at offset " + fmtInt(m[M.off]) + ", " + fmtInt(m[M.len]) + " B (header " + m[M.hdr] +
    "), " + cls + ", " + status + (m[M.reason] ? " (" + m[M.reason] + ")" : "") + ", segments " + m[M.fseg] +
    (m[M.lseg] !== m[M.fseg] ? "–" + m[M.lseg] : "") + ", frames " + m[M.ff] + (m[M.lf] !== m[M.ff] ? "–" + m[M.lf] : "") +
    ", at " + fmtTime(m[M.ft]);
  add(box, el("p", "hexinfo", info));
  if (m[M.json]) add(box, el("p", "hexjson", "header " + m[M.json]));
  const from = Math.max(0, Math.floor(m[M.off] / 16) * 16 - 16);
  const to = Math.min(bytes.length, m[M.off] + Math.min(m[M.len], 4096) + 16);
  if (from >= to) { add(box, el("p", "note", "the bytes of this message are past the kept " + fmtBytes(bytes.length) + " of the stream")); return; }
  const segStarts = new Set(dir.segs.map((s) => s[S.off]));
  const msgStarts = new Set();
  for (let i = Math.max(0, index - 64); i < Math.min(dir.msgs.length, index + 64); ++i) msgStarts.add(dir.msgs[i][M.off]);
  const gapAt = (o) => dir.gaps.some((g) => o >= g[0] && o < g[0] + g[1]);
  // Rows worth reading: the first and last two, and those around a segment or message start;
  // the rest of a long message is elided, so a split shows where it was cut.
  const wanted = new Set();
  const want = (row) => { if (row >= from && row < to) wanted.add(row); };
  const lastRow = Math.floor((to - 1) / 16) * 16;
  for (const row of [from, from + 16, lastRow - 16, lastRow]) want(row);
  for (const o of segStarts) if (o >= from && o < to) for (const r of [-16, 0, 16]) want(Math.floor(o / 16) * 16 + r);
  for (const o of msgStarts) if (o >= from && o < to) for (const r of [-16, 0, 16]) want(Math.floor(o / 16) * 16 + r);
  const table = add(box, el("div", "hex"));
  let skipped = 0;
  for (let row = from; row < to; row += 16) {
    if (!wanted.has(row)) { ++skipped; continue; }
    if (skipped) { add(table, el("div", "hexgap", "   ⋮ " + skipped * 16 + " bytes")); skipped = 0; }
    const line = add(table, el("div", "hexrow"));
    add(line, el("span", "hexoff", row.toString(16).padStart(8, "0")));
    const hex = add(line, el("span", "hexbytes"));
    const ascii = add(line, el("span", "hexascii"));
    for (let o = row; o < row + 16; ++o) {
      const inRange = o >= from && o < to;
      let mark = "";
      if (inRange && msgStarts.has(o)) mark = " msgstart";
      else if (inRange && segStarts.has(o)) mark = " segstart";
      const inMsg = o >= m[M.off] && o < m[M.off] + m[M.len] ? " inmsg" : "";
      const gap = inRange && gapAt(o) ? " gapbyte" : "";
      const b = inRange ? bytes[o] : null;
      add(hex, el("span", "hb" + mark + inMsg + gap, b === null ? "  " : b.toString(16).padStart(2, "0")));
      add(ascii, el("span", "ab" + mark + inMsg + gap, b === null ? " " : b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : "."));
    }
  }
  add(box, el("p", "note", "thin line: a segment starts; thick line: a message starts; shaded: the chosen message"));
}

// The Stevens/tcptrace picture: each segment at its time as a bar over its offsets, the other
// direction's ACKs (those on its data segments and its pure ACKs) as a stair line with the
// advertised window above it, retransmissions marked, gaps, and message starts drawn across.
class TimeSequence {
  constructor(parent, flow, dirIndex) {
    this.dir = flow.dirs[dirIndex];
    this.peer = flow.dirs[1 - dirIndex];
    this.canvas = add(parent, el("canvas", "tsg"));
    const segs = this.dir.segs;
    // [time, ack offset, window, pure]: the peer's ACKs in time order.
    const acks = [];
    for (const s of this.peer.segs) if (s[S.ack] >= 0) acks.push([s[S.t], s[S.ack], s[S.win], false]);
    let pure = 0;
    for (const c of this.peer.ctrl) {
      if (c[C.kind] !== CTRL_RETRANSMISSION) ++pure;
      if (c[C.ack] >= 0) acks.push([c[C.t], c[C.ack], c[C.win], c[C.kind] !== CTRL_RETRANSMISSION]);
    }
    acks.sort((a, b) => a[0] - b[0]);
    this.retransmissions = this.dir.ctrl.filter((c) => c[C.kind] === CTRL_RETRANSMISSION);
    // What is drawn, for a reader of the DOM (the tests): the peer's pure ACKs and this
    // direction's retransmissions.
    this.canvas.dataset.direction = this.dir.name;
    this.canvas.dataset.pureAcks = pure;
    this.canvas.dataset.retransmissions = this.retransmissions.length;
    // The window line is the peer's advertised window, scaled by the peer's shift when known.
    this.canvas.dataset.windowShift = this.peer.stats.window_shift;
    let t0 = Infinity, t1 = -Infinity;
    for (const s of segs) { t0 = Math.min(t0, s[S.t]); t1 = Math.max(t1, s[S.t]); }
    for (const a of acks) { t0 = Math.min(t0, a[0]); t1 = Math.max(t1, a[0]); }
    for (const r of this.retransmissions) { t0 = Math.min(t0, r[C.t]); t1 = Math.max(t1, r[C.t]); }
    if (!isFinite(t0)) { t0 = 0; t1 = 1; }
    if (t1 <= t0) t1 = t0 + 1000;
    let o1 = streamEnd(this.dir);
    for (const r of this.retransmissions) o1 = Math.max(o1, r[C.off] + r[C.len]);
    // The window line is in view when it is near the data (a window that holds the sender
    // back); a far larger one would squash the data, so it stays above (zoom out to see it).
    let edge = 0;
    for (const a of acks) if (a[1] + a[2] <= 2 * o1) edge = Math.max(edge, a[1] + a[2]);
    if (edge > 0) o1 = Math.max(o1, edge) * 1.05;
    this.full = { t0, t1, o0: 0, o1: Math.max(1, o1) };
    this.view = Object.assign({}, this.full);
    this.acks = acks;
    this.canvas.addEventListener("wheel", (e) => {
      e.preventDefault();
      const rect = this.canvas.getBoundingClientRect();
      const fx = Math.max(0, Math.min(1, (e.clientX - rect.left - 60) / this.w));
      const fy = Math.max(0, Math.min(1, 1 - (e.clientY - rect.top - 10) / this.h));
      const k = e.deltaY > 0 ? 1.25 : 0.8, v = this.view;
      const t = v.t0 + (v.t1 - v.t0) * fx, o = v.o0 + (v.o1 - v.o0) * fy;
      this.view = { t0: t - (t - v.t0) * k, t1: t + (v.t1 - t) * k, o0: o - (o - v.o0) * k, o1: o + (v.o1 - o) * k };
      this.draw();
    }, { passive: false });
    this.canvas.addEventListener("dblclick", () => { this.view = Object.assign({}, this.full); this.draw(); });
    this.draw();
  }
  draw() {
    const width = Math.max(300, this.canvas.parentNode.clientWidth - 4), height = 260;
    this.w = width - 70; this.h = height - 40;
    const ctx = sizedCanvas(this.canvas, width, height);
    const v = this.view;
    const X = (t) => 60 + (t - v.t0) / (v.t1 - v.t0) * this.w;
    const Y = (o) => 10 + (1 - (o - v.o0) / (v.o1 - v.o0)) * this.h;
    ctx.clearRect(0, 0, width, height);
    ctx.strokeStyle = "#999"; ctx.strokeRect(60.5, 10.5, this.w, this.h);
    ctx.save();
    ctx.beginPath(); ctx.rect(60, 10, this.w, this.h); ctx.clip();
    for (const g of this.dir.gaps) { // gaps: bands across the whole time
      ctx.fillStyle = "rgba(229,57,53,0.25)";
      ctx.fillRect(60, Y(g[0] + g[1]), this.w, Math.max(2, Y(g[0]) - Y(g[0] + g[1])));
    }
    ctx.globalAlpha = 0.45; // message starts across the graph
    for (const m of this.dir.msgs) {
      const y = Y(m[M.off]);
      if (y < 10 || y > 10 + this.h) continue;
      ctx.strokeStyle = CLASS_COLORS[m[M.cls]];
      ctx.beginPath(); ctx.moveTo(60, Math.round(y) + 0.5); ctx.lineTo(60 + this.w, Math.round(y) + 0.5); ctx.stroke();
    }
    ctx.globalAlpha = 1;
    this.drawAcks(ctx, X, Y);
    ctx.strokeStyle = "#0d47a1"; ctx.lineWidth = 2;
    for (const s of this.dir.segs) {
      const x = X(s[S.t]), ya = Y(s[S.off]), yb = Y(s[S.off] + s[S.len]);
      ctx.beginPath(); ctx.moveTo(x, ya); ctx.lineTo(x, Math.min(yb, ya - 1)); ctx.stroke();
      ctx.beginPath(); ctx.moveTo(x - 2, yb); ctx.lineTo(x + 2, yb); ctx.stroke();
    }
    // Retransmissions: a red bar over what was sent again, an R beside it (tcptrace's mark).
    ctx.strokeStyle = "#d50000"; ctx.fillStyle = "#d50000"; ctx.font = "bold 10px sans-serif";
    for (const r of this.retransmissions) {
      const x = X(r[C.t]), ya = Y(r[C.off]), yb = Y(r[C.off] + Math.max(1, r[C.len]));
      ctx.beginPath(); ctx.moveTo(x, ya); ctx.lineTo(x, Math.min(yb, ya - 3)); ctx.stroke();
      ctx.fillText("R", x + 3, Math.min(yb, ya - 3) + 4);
    }
    ctx.lineWidth = 1;
    ctx.restore();
    ctx.fillStyle = "#444"; ctx.font = "11px sans-serif";
    ctx.fillText(fmtTime(Math.round(v.t0)), 60, height - 14);
    const right = fmtTime(Math.round(v.t1));
    ctx.fillText(right, 60 + this.w - ctx.measureText(right).width, height - 14);
    ctx.fillText(fmtInt(Math.round(v.o1)), 2, 20);
    ctx.fillText(fmtInt(Math.max(0, Math.round(v.o0))), 2, 10 + this.h);
    ctx.fillText("time →   offset ↑   blue: data   green: ACK (dots: pure ACKs)   yellow: ACK + window (" + windowLegend(this.peer.stats.window_shift) + ")   red R: retransmission   red bands: gaps   lines: message starts" +
      "   (" + fmtInt(this.dir.ctrl_seen.retransmissions) + " retransmissions, " + fmtInt(this.peer.ctrl_seen.acks) + " pure ACKs from the peer)", 60, height - 2);
  }
  drawAcks(ctx, X, Y) {
    if (!this.acks.length) return;
    const line = (value, color) => {
      ctx.strokeStyle = color; ctx.beginPath();
      let first = true, lastY = 0;
      for (const a of this.acks) {
        const x = X(a[0]), y = Y(value(a));
        if (first) ctx.moveTo(x, y); else { ctx.lineTo(x, lastY); ctx.lineTo(x, y); }
        first = false; lastY = y;
      }
      ctx.lineTo(60 + this.w, lastY); ctx.stroke();
    };
    line((a) => a[1] + a[2], "#fbc02d");
    line((a) => a[1], "#2e7d32");
    ctx.fillStyle = "#2e7d32";
    // Whole pixels, so each dot is the line's colour (and a screenshot can find it).
    for (const a of this.acks) if (a[3]) ctx.fillRect(Math.round(X(a[0])) - 2, Math.round(Y(a[1])) - 2, 4, 4);
  }
}

// What the windows a direction advertised are: its window scale shift from the handshake, -1 when
// the capture missed the handshake (the windows are then the raw 16-bit fields).
function windowLegend(shift) {
  return shift < 0 ? "raw: scale unknown" : shift === 0 ? "unscaled" : "scaled ×" + fmtInt(2 ** shift);
}
function windowScaleText(shift) {
  if (shift < 0) return "window scale unknown (handshake not captured): windows raw";
  if (shift === 0) return "no window scaling";
  return "window scale ×" + fmtInt(2 ** shift) + " (shift " + shift + ")";
}

// Bars of a power-of-two histogram (bucket 0 holds 0, bucket b holds [2^(b-1), 2^b)).
function histogramChart(parent, title, buckets, unit) {
  const box = add(parent, el("div", "chart"));
  const total = buckets.reduce((a, b) => a + b, 0);
  add(box, el("h4", null, title + " (" + fmtInt(total) + ")"));
  if (total === 0) { add(box, el("p", "note", "none")); return; }
  const max = Math.max(...buckets);
  buckets.forEach((count, b) => {
    if (count === 0) return;
    const low = b === 0 ? 0 : Math.pow(2, b - 1), high = b === 0 ? 0 : Math.pow(2, b) - 1;
    const row = add(box, el("div", "bar"));
    add(row, el("span", "barlabel", (low === high ? unit(low) : unit(low) + "–" + unit(high))));
    const fill = add(row, el("span", "barfill"));
    fill.style.width = Math.max(1, Math.round(160 * count / max)) + "px";
    add(row, el("span", "barcount", fmtInt(count)));
  });
}
function responseTimes(flow) {
  const requests = flow.dirs[0].msgs, answers = flow.dirs[1].msgs;
  const buckets = new Array(48).fill(0);
  const n = Math.min(requests.length, answers.length);
  for (let i = 0; i < n; ++i) {
    const us = Math.max(0, Math.round((answers[i][M.ft] - requests[i][M.lt]) / 1000));
    buckets[us === 0 ? 0 : Math.min(47, Math.floor(Math.log2(us)) + 1)]++;
  }
  while (buckets.length && buckets[buckets.length - 1] === 0) buckets.pop();
  return buckets;
}

