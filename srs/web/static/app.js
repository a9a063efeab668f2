// srs serve: the terminal's keys on the review page. Every action is a form post; keys only press buttons.
// A post is sent in the background and its page replaces this one in place, so the page (and what listens
// to the keyboard) never goes away: keys typed while a post is on its way (space then 3 in one burst)
// wait here and are pressed, in order, on the page that comes back. None is lost, as in the terminal.
// Where a post leads to another address, the browser goes there; keys still waiting travel along in this
// tab's sessionStorage.
"use strict";
(function () {
  var QUEUE = "srs-keys";
  var waiting = [];
  var sending = false;

  function press(selector) {
    var el = document.querySelector(selector);
    if (el && !el.disabled) { el.click(); return true; }
    return false;
  }
  function carry() { // keys that must survive a real navigation
    try {
      if (waiting.length) { sessionStorage.setItem(QUEUE, JSON.stringify(waiting.slice(0, 16))); }
      else { sessionStorage.removeItem(QUEUE); }
    } catch (e) { /* storage refused: those keys are dropped */ }
  }
  function carried() {
    try {
      var keys = JSON.parse(sessionStorage.getItem(QUEUE) || "[]");
      sessionStorage.removeItem(QUEUE);
      return Array.isArray(keys) ? keys : [];
    } catch (e) { return []; }
  }
  // Act on one key as the terminal does; true when it pressed something.
  function act(key) {
    if (key === " " || key === "Enter") {
      // Show the answer; once it is shown, the suggested rating, else Good.
      return press('button[data-key="reveal"]') || press("button[data-enter]") ||
        press('.ratings button[data-key="3"]');
    }
    if (/^[1-4]$/.test(key)) { return press('.ratings button[data-key="' + key + '"]'); }
    if (/^[a-z]$/.test(key)) {
      if (document.querySelector(".options") && press('.options button[data-key="' + key + '"]')) { return true; }
      if ("ushg".indexOf(key) >= 0) { return press('button[data-key="' + key + '"]'); }
    }
    return false;
  }
  function replay() {
    while (waiting.length && !sending) { act(waiting.shift()); }
  }
  function show(html) { // the page a post answered, in place of this one
    var next = new DOMParser().parseFromString(html, "text/html");
    document.title = next.title;
    document.body.replaceWith(document.adoptNode(next.body));
    var focus = document.querySelector("[autofocus]");
    if (focus) { focus.focus(); }
  }

  document.addEventListener("keydown", function (ev) {
    var t = ev.target;
    var typing = t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA");
    if (typing) {
      if (t.tagName === "TEXTAREA" && ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
        ev.preventDefault();
        press('button[data-key="run"]');
      } else if (t.tagName === "TEXTAREA" && ev.key === "Tab" && !ev.shiftKey && !t.readOnly) {
        ev.preventDefault(); // indent with four spaces (Escape, then Tab, leaves the editor)
        t.setRangeText("    ", t.selectionStart, t.selectionEnd, "end");
      } else if (ev.key === "Escape") {
        t.blur();
      }
      return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    var key = ev.key;
    if (!(key === " " || key === "Enter" || /^[1-4a-z]$/.test(key))) { return; }
    if (sending || document.readyState === "loading") { // the page is changing: the key is for the next one
      waiting.push(key);
      ev.preventDefault();
      return;
    }
    if (act(key)) { ev.preventDefault(); }
  });

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    ev.preventDefault();
    if (sending || form.dataset.sent) { return; } // a double tap acts once
    form.dataset.sent = "1";
    sending = true;
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) {
        var there = new URL(response.url, location.href);
        if (there.pathname + there.search !== location.pathname + location.search) {
          carry();
          location.assign(there.href); // another page: go there (the keys follow)
          return null;
        }
        return response.text();
      })
      .then(function (html) {
        if (html === null) { return; }
        show(html);
        sending = false;
        replay();
      })
      .catch(function () { // no answer: post the form the plain way
        carry();
        HTMLFormElement.prototype.submit.call(form);
      });
  });

  function start() {
    waiting = carried().concat(waiting);
    replay();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
