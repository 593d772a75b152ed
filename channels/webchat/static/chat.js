// Web chat client: talks to Rasa's socket.io channel "webchat".
// The server issues a signed session token; it and the transcript live in
// localStorage, so a page reload continues the same conversation. The stored
// token is only proposed: messages go out with the token the server confirmed.
// Every message carries a random id and stays in "sscn.pending" until the server
// acknowledges its turn; after a reconnect (or a reload) what is still pending is
// sent again with the same id, and the server handles each id once.
(function () {
  "use strict";
  var SESSION_KEY = "sscn.session_id";
  var PENDING_KEY = "sscn.pending";
  var LOG_KEY = "sscn.transcript";
  var LOG_LIMIT = 200;
  var URL_PATTERN = /(https?:\/\/[^\s)]+)/g;
  // A NIK (16 digits, maybe grouped) is masked in the local echo and transcript too.
  var NIK_PATTERN = /(^|\D)((?:\d[ .\-]?){15}\d)(?!\d)/g;

  function maskNik(text) {
    return String(text).replace(NIK_PATTERN, function (match, before, number) {
      return number.replace(/\D/g, "").length === 16 ? before + "[NIK]" : match;
    });
  }

  var list = document.getElementById("messages");
  var form = document.getElementById("composer");
  var input = document.getElementById("input");
  var status = document.getElementById("status");

  function loadLog() {
    try { return JSON.parse(localStorage.getItem(LOG_KEY)) || []; } catch (e) { return []; }
  }
  var transcript = loadLog();

  function saveLog() {
    transcript = transcript.slice(-LOG_LIMIT);
    try { localStorage.setItem(LOG_KEY, JSON.stringify(transcript)); } catch (e) { /* full */ }
  }

  // Messages sent and not yet acknowledged: [{id, message}], oldest first.
  var pending = (function () {
    try { return JSON.parse(localStorage.getItem(PENDING_KEY)) || []; } catch (e) { return []; }
  })();
  function savePending() {
    try { localStorage.setItem(PENDING_KEY, JSON.stringify(pending)); } catch (e) { /* full */ }
  }
  function newMessageId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  // Text is only ever inserted as text nodes; URLs become links.
  function appendText(node, text) {
    String(text).split(URL_PATTERN).forEach(function (part, index) {
      if (index % 2 === 1) {
        var link = document.createElement("a");
        link.href = part; link.textContent = part; link.target = "_blank"; link.rel = "noopener";
        node.appendChild(link);
      } else if (part) {
        node.appendChild(document.createTextNode(part));
      }
    });
  }

  function render(entry, live) {
    var item = document.createElement("li");
    item.className = "msg msg--" + entry.from;
    appendText(item, entry.text || "");
    list.appendChild(item);
    if (entry.buttons && entry.buttons.length) {
      var row = document.createElement("li");
      row.className = "buttons";
      entry.buttons.forEach(function (button) {
        var element = document.createElement("button");
        element.type = "button";
        element.textContent = button.title;
        element.disabled = !live;
        element.addEventListener("click", function () {
          row.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
          send(button.payload, button.title);
        });
        row.appendChild(element);
      });
      list.appendChild(row);
    }
    list.scrollTop = list.scrollHeight;
  }

  function record(entry) {
    transcript.push(entry); saveLog(); render(entry, true);
  }

  transcript.forEach(function (entry) { render(entry, false); });

  var socket = io({ path: "/socket.io" });
  var sessionId = null; // set by the server's session_confirm

  function setStatus(state, label) { status.dataset.state = state; status.textContent = label; }

  socket.on("connect", function () {
    socket.emit("session_request", { session_id: sessionId || localStorage.getItem(SESSION_KEY) });
  });
  socket.on("session_confirm", function (confirmed) {
    if (confirmed !== localStorage.getItem(SESSION_KEY)) { // a new conversation
      transcript = []; saveLog(); list.textContent = "";
      pending = []; savePending();
    }
    sessionId = confirmed;
    localStorage.setItem(SESSION_KEY, sessionId);
    setStatus("online", "online");
    pending.forEach(deliver); // whatever a lost connection left unacknowledged
  });
  socket.on("disconnect", function () { setStatus("offline", "terputus, menyambung ulang…"); });
  socket.on("bot_uttered", function (message) {
    var buttons = (message.quick_replies || message.buttons || []).map(function (b) {
      return { title: b.title, payload: b.payload };
    });
    record({ from: "bot", text: message.text || "", buttons: buttons });
  });

  function deliver(item) {
    socket.emit(
      "user_uttered",
      { message: item.message, session_id: sessionId, message_id: item.id },
      function (ack) {
        if (ack && ack.status === "busy") { // its first copy is still running
          setTimeout(function () {
            if (socket.connected && pending.indexOf(item) >= 0) { deliver(item); }
          }, (ack.retry_after || 5) * 1000);
          return;
        }
        pending = pending.filter(function (other) { return other.id !== item.id; });
        savePending();
      }
    );
  }

  function send(payload, shown) {
    if (!sessionId) { return; }
    record({ from: "user", text: maskNik(shown || payload) });
    var item = { id: newMessageId(), message: payload };
    pending.push(item); savePending();
    deliver(item);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    send(text);
  });
})();
