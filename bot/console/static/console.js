// The console's only script: the conversation page's live view (polling every 1.5 s)
// and the unsent draft kept in this tab until it was sent. Reading works without it.
"use strict";
(function () {
  var list = document.getElementById("transcript");
  var form = document.getElementById("write");
  var params = new URLSearchParams(window.location.search);

  if (form) {
    var key = "vm-draft-" + form.getAttribute("data-draft");
    var text = document.getElementById("text");
    if (params.get("sent") === "1") {
      sessionStorage.removeItem(key);
    } else if (sessionStorage.getItem(key) && !text.value) {
      text.value = sessionStorage.getItem(key);
    }
    text.addEventListener("input", function () { sessionStorage.setItem(key, text.value); });
  }
  if (!list) { return; }
  var labels = JSON.parse(list.getAttribute("data-labels"));
  var shown = "";

  function line(entry) {
    var item = document.createElement("li");
    item.className = "entry " + entry.kind + (entry.alarm ? " alarm" : "");
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = labels[entry.kind] || labels.assistant;
    item.appendChild(who);
    if (entry.at) {
      var when = document.createElement("time");
      when.textContent = entry.at;
      item.appendChild(when);
    }
    if (entry.alarm) {
      var flag = document.createElement("strong");
      flag.className = "flag";
      flag.textContent = labels.alarm;
      item.appendChild(flag);
    }
    if (entry.text) {
      var body = document.createElement("p");
      body.className = "text";
      body.dir = "auto";
      body.textContent = entry.text;
      item.appendChild(body);
    }
    return item;
  }

  function poll() {
    fetch(list.getAttribute("data-live"), { credentials: "same-origin", cache: "no-store" })
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var signature = JSON.stringify(data.entries.map(function (e) { return [e.kind, e.text, e.status]; }));
        if (signature === shown) { return; }
        var changedStatus = shown && data.entries.some(function (e) { return e.kind === "advisor"; });
        shown = signature;
        // Advisor messages carry their delivery state and retry forms: the page has those.
        var fresh = data.entries.filter(function (e) { return e.kind !== "advisor"; }).length;
        var present = list.querySelectorAll("li.entry:not(.advisor)").length;
        if (fresh !== present || changedStatus) {
          var items = document.createDocumentFragment();
          data.entries.forEach(function (entry) {
            if (entry.kind === "advisor") {
              var existing = list.querySelector("li.advisor[data-id='" + entry.id + "']");
              if (existing) { items.appendChild(existing.cloneNode(true)); return; }
            }
            items.appendChild(line(entry));
          });
          list.replaceChildren(items);
        }
      })
      .catch(function () {})
      .then(function () { window.setTimeout(poll, 1500); });
  }
  window.setTimeout(poll, 1500);
})();
