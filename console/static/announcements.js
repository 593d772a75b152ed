// Humas's announcement pages: the character counter of the compose form, one submit
// per "Kirim" click, and the progress bar polled from /api/pengumuman/<id>.
"use strict";

const PROGRESS_MS = 2000;
const FIGURES = ["recipients", "sent", "failed", "blocked", "unknown", "pending"];

function countCharacters() {
  for (const area of document.querySelectorAll("textarea[data-counter]")) {
    const counter = document.getElementById(area.dataset.counter);
    const update = () => { counter.textContent = String(area.value.length); };
    area.addEventListener("input", update);
    update();
  }
}

function submitOnce() {
  for (const form of document.querySelectorAll("form.once")) {
    form.addEventListener("submit", () => {
      for (const button of form.querySelectorAll("button")) button.disabled = true;
    });
  }
}

async function pollProgress(box) {
  let reply;
  try {
    reply = await fetch(box.dataset.live, { credentials: "same-origin" });
  } catch (error) {
    return true;  // the network hiccuped: try again
  }
  if (!reply.ok) return reply.status >= 500;
  const p = await reply.json();
  document.getElementById("bar").value = p.percent;
  document.getElementById("bar").textContent = p.percent + "%";
  document.getElementById("percent").textContent = p.percent + "%";
  document.getElementById("state").textContent = p.state_word;
  for (const name of FIGURES) document.getElementById(name).textContent = String(p[name]);
  return p.state === "sending" || p.state === "paused";
}

function followProgress() {
  const box = document.getElementById("progress");
  if (!box) return;
  const tick = async () => {
    if (await pollProgress(box)) setTimeout(tick, PROGRESS_MS);
  };
  setTimeout(tick, PROGRESS_MS);
}

document.addEventListener("DOMContentLoaded", () => {
  countCharacters();
  submitOnce();
  followProgress();
});
