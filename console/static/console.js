// Live updates for the console: the queue and the transcript refresh every few
// seconds. Everything from the server is inserted as text, never as HTML.
"use strict";

const REFRESH_MS = 3000;

function cell(text, className) {
  const td = document.createElement("td");
  if (className) td.className = className;
  td.textContent = text;
  return td;
}

function tag(text, className) {
  const span = document.createElement("span");
  span.className = "tag " + (className || "");
  span.textContent = text;
  return span;
}

function renderQueue(table, rows) {
  const body = table.querySelector("tbody");
  body.replaceChildren();
  if (rows.length === 0) {
    const tr = document.createElement("tr");
    const td = cell("Tidak ada kasus terbuka.");
    td.colSpan = 8;
    tr.append(td);
    body.append(tr);
    return;
  }
  for (const r of rows) {
    const tr = document.createElement("tr");
    tr.className = r.urgency;
    const first = document.createElement("td");
    const link = document.createElement("a");
    link.href = "/kasus/" + encodeURIComponent(r.ticket);
    link.textContent = r.ticket;
    first.append(link);
    if (r.taken_over_by) first.append(" ", tag("diambil alih"));
    const due = cell(r.due);
    if (r.urgency === "breached") due.append(" ", tag("lewat SLA", "bad"));
    if (r.urgency === "soon") due.append(" ", tag("segera", "warn"));
    tr.append(first, cell(r.status_label), cell(r.topic), cell(r.channel), cell(r.unit),
      cell(String(r.age_working_days)), due, cell(r.summary));
    body.append(tr);
  }
}

function renderTranscript(list, lines) {
  list.replaceChildren();
  for (const line of lines) {
    const li = document.createElement("li");
    li.className = line.who;
    const author = document.createElement("span");
    author.className = "author";
    author.textContent = line.author;
    const text = document.createElement("span");
    text.className = "text";
    text.textContent = line.text;
    li.append(author, " ", text);
    list.append(li);
  }
}

function live(element, render, onError) {
  const url = element.dataset.live + window.location.search;
  const refresh = async () => {
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
  };
  refresh();
  setInterval(refresh, REFRESH_MS);
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
  const canned = document.querySelector("#canned");
  const reply = document.querySelector("#reply");
  if (canned && reply) {
    canned.addEventListener("change", () => {
      if (canned.value) reply.value = canned.value;
    });
  }
});
