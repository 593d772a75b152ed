// The console's live parts: queue and transcript refresh, notifications (title badge,
// optional beep), keyboard-friendly replies and the canned-reply search.
// Everything from the server is inserted as text, never as HTML.
"use strict";

const REFRESH_MS = 3000;
const NOTIFY_MS = 5000;
const MAX_REPLY = 2000;
const TIME = new Intl.DateTimeFormat("id-ID", {
  timeZone: "Asia/Jakarta", day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit",
});

function el(tagName, className, text) {
  const node = document.createElement(tagName);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function cell(text, className) {
  return el("td", className, text);
}

function tag(text, className) {
  return el("span", "tag " + (className || ""), text);
}

// --- Queue -----------------------------------------------------------------
function holder(r) {
  if (r.mine) return "Anda";
  return r.assignee ? "Sedang ditangani " + r.assignee : "-";
}

function renderQueue(table, rows) {
  const body = table.querySelector("tbody");
  body.replaceChildren();
  if (rows.length === 0) {
    const tr = el("tr");
    const td = cell("Tidak ada kasus terbuka.");
    td.colSpan = 12;
    tr.append(td);
    body.append(tr);
    return;
  }
  for (const r of rows) {
    const tr = el("tr", r.urgency);
    const first = el("td");
    const link = el("a", "", r.ticket);
    link.href = "/kasus/" + encodeURIComponent(r.ticket);
    first.append(link);
    if (r.taken_over_by) first.append(" ", tag("diambil alih"));
    const due = cell(r.due);
    if (r.urgency === "breached") due.append(" ", tag("lewat SLA", "bad"));
    if (r.urgency === "soon") due.append(" ", tag("segera", "warn"));
    tr.append(first, cell(r.status_label), cell(r.kind_label), cell(r.topic),
      cell(r.channel_label), cell(r.unit), cell(holder(r), "holder"),
      cell(r.received), due, clockCell(r.verification), clockCell(r.followup),
      cell(r.summary, "summary"));
    body.append(tr);
  }
}

function clockCell(state) {
  const td = cell(state);
  if (state === "lewat batas") td.className = "late";
  return td;
}

// --- Transcript --------------------------------------------------------------
function transcriptLine(line) {
  const li = el("li", line.who + (line.clicked ? " clicked" : ""));
  const meta = el("span", "meta");
  meta.append(el("span", "author", line.author));
  if (typeof line.at === "number") {
    const time = el("time", "time", TIME.format(new Date(line.at * 1000)));
    time.dateTime = new Date(line.at * 1000).toISOString();
    meta.append(time);
  }
  li.append(meta);
  if (line.clicked) {
    li.append(el("span", "pressed", "menekan tombol"), el("span", "chip chosen", line.text));
  } else {
    li.append(el("span", "text", line.text));
  }
  if (Array.isArray(line.buttons) && line.buttons.length) {
    const offered = el("span", "offered");
    offered.append(el("span", "pressed", "Pilihan:"));
    for (const title of line.buttons) offered.append(el("span", "chip", title));
    li.append(offered);
  }
  return li;
}

function renderTranscript(list, lines) {
  const shown = JSON.stringify(lines);
  if (list.dataset.shown === shown) return;  // unchanged: keep the agent's scroll position
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const first = list.dataset.shown === undefined;
  list.dataset.shown = shown;
  list.replaceChildren();
  if (lines.length === 0) list.append(el("li", "loading", "Belum ada percakapan."));
  for (const line of lines) list.append(transcriptLine(line));
  if (first || atBottom) list.scrollTop = list.scrollHeight;
}

async function load(element, url, render, onError) {
  try {
    const reply = await fetch(url, { headers: { Accept: "application/json" } });
    const body = await reply.json();
    if (reply.ok) {
      render(element, body);
      element.removeAttribute("aria-busy");
      if (onError) onError("");
    } else if (onError) {
      onError(body.error || "Gagal memuat.");
    }
  } catch (error) {
    /* offline for a moment: the next round retries */
  }
}

function live(element, render, onError) {
  const url = element.dataset.live + window.location.search;
  const refresh = () => load(element, url, render, onError);
  refresh();
  setInterval(refresh, REFRESH_MS);
}

// --- Notifications -------------------------------------------------------------
const NOTIFY_KEY = "sscn.notify";  // per tab: {since, count}
const SOUND_KEY = "sscn.sound";
let audio = null;

function beep() {
  try {
    audio = audio || new AudioContext();
    if (audio.state === "suspended") audio.resume();
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = 880;
    gain.gain.value = 0.08;
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.15);
  } catch (error) {
    /* no audio here: the badge is enough */
  }
}

function notifications(url) {
  const baseTitle = document.title;
  const badge = document.querySelector("#badge");
  const sound = document.querySelector("#sound");
  const watching = Boolean(document.querySelector("#queue, #transcript"));
  let state = JSON.parse(sessionStorage.getItem(NOTIFY_KEY) || "{}");
  const show = () => {
    const count = state.count || 0;
    document.title = count ? `(${count}) ${baseTitle}` : baseTitle;
    if (badge) {
      badge.hidden = !count;
      badge.textContent = count ? `${count} baru` : "";
      badge.title = state.tickets ? "Pesan baru: " + state.tickets.join(", ") : "Kasus baru";
    }
  };
  const save = () => sessionStorage.setItem(NOTIFY_KEY, JSON.stringify(state));
  const clear = () => { state = { since: state.since, count: 0 }; save(); show(); };
  if (watching) state = { count: 0 };  // the queue or a case is on screen: seen
  save();
  show();
  if (sound) {
    sound.checked = localStorage.getItem(SOUND_KEY) === "1";
    sound.addEventListener("change", () => {
      localStorage.setItem(SOUND_KEY, sound.checked ? "1" : "0");
      if (sound.checked) beep();  // a gesture: lets the page play sound later
    });
  }
  document.addEventListener("visibilitychange", () => {
    if (watching && document.visibilityState === "visible") clear();
  });
  const poll = async () => {
    try {
      const query = state.since ? "?sejak=" + encodeURIComponent(state.since) : "";
      const reply = await fetch(url + query, { headers: { Accept: "application/json" } });
      if (!reply.ok) return;
      const news = await reply.json();
      const added = news.new_cases + news.messages;
      state = {
        since: news.now,
        count: (state.count || 0) + added,
        tickets: news.tickets.length ? news.tickets : state.tickets,
      };
      save();
      show();
      if (added && localStorage.getItem(SOUND_KEY) === "1") beep();
    } catch (error) {
      /* offline for a moment: the next round asks again */
    }
  };
  poll();
  setInterval(poll, NOTIFY_MS);
}

// --- Replying --------------------------------------------------------------------
function insertAt(box, text) {
  const start = box.selectionStart ?? box.value.length;
  const end = box.selectionEnd ?? box.value.length;
  box.value = (box.value.slice(0, start) + text + box.value.slice(end)).slice(0, MAX_REPLY);
  box.focus();
  box.selectionStart = box.selectionEnd = Math.min(start + text.length, box.value.length);
  box.dispatchEvent(new Event("input"));
}

function replyBox(reply) {
  const form = reply.form;
  const counter = document.querySelector("#reply-count");
  const count = () => {
    if (!counter) return;
    counter.textContent = `${reply.value.length}/${MAX_REPLY}`;
    counter.classList.toggle("over", reply.value.length > MAX_REPLY - 100);
  };
  reply.addEventListener("input", count);
  reply.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      if (reply.value.trim()) form.requestSubmit();
    }
  });
  count();
}

function cannedSearch(input, list, reply) {
  const options = Array.from(list.querySelectorAll("[role=option]"));
  const haystack = new Map(options.map((o) => [o, o.textContent.toLowerCase() + " " +
    (o.dataset.answer || "").toLowerCase()]));
  let visible = [];
  let active = -1;
  const mark = (index) => {
    active = index;
    visible.forEach((o, i) => o.setAttribute("aria-selected", String(i === index)));
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", visible[index].id);
      visible[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  };
  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    mark(-1);
  };
  const filter = () => {
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    visible = [];
    for (const option of options) {
      const match = words.length > 0 && words.every((w) => haystack.get(option).includes(w));
      option.hidden = !match;
      if (match) visible.push(option);
    }
    list.hidden = visible.length === 0;
    input.setAttribute("aria-expanded", String(!list.hidden));
    mark(visible.length ? 0 : -1);
  };
  const choose = (option) => {
    insertAt(reply, option.dataset.answer || "");
    input.value = "";
    close();
  };
  input.addEventListener("input", filter);
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (list.hidden) filter();
      if (!visible.length) return;
      const step = event.key === "ArrowDown" ? 1 : -1;
      mark((active + step + visible.length) % visible.length);
    } else if (event.key === "Enter") {
      event.preventDefault();  // never submits the reply form
      if (active >= 0) choose(visible[active]);
    } else if (event.key === "Escape") {
      close();
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
  for (const option of options) {
    option.addEventListener("mousedown", (event) => {
      event.preventDefault();
      choose(option);
    });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const queue = document.querySelector("#queue[data-live]");
  if (queue) live(queue, renderQueue);
  const transcript = document.querySelector("#transcript[data-live]");
  const notice = document.querySelector("#transcript-notice");
  if (transcript) {
    live(transcript, renderTranscript, (message) => {
      if (!notice) return;
      notice.textContent = message;
      notice.hidden = !message;
    });
  }
  for (const merged of document.querySelectorAll(".transcript[data-once]")) {
    load(merged, merged.dataset.once, renderTranscript);
  }
  const reply = document.querySelector("#reply");
  if (reply) replyBox(reply);
  const search = document.querySelector("#canned-search");
  const list = document.querySelector("#canned-list");
  if (search && list && reply) cannedSearch(search, list, reply);
  if (document.body.dataset.notify) notifications(document.body.dataset.notify);
});
