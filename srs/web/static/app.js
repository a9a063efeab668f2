// srs serve: the terminal's keys on the review page. Every action is a form post; keys only press buttons.
// Keys typed while a post is on its way (space then 3 in one burst) wait in this tab's sessionStorage and
// are pressed, in order, on the page that comes back: none is lost, as in the terminal.
"use strict";
(function () {
  var QUEUE = "srs-keys";
  var sending = false;

  function press(selector) {
    var el = document.querySelector(selector);
    if (el && !el.disabled) { el.click(); return true; }
    return false;
  }
  function queued() {
    try { return JSON.parse(sessionStorage.getItem(QUEUE) || "[]"); } catch (e) { return []; }
  }
  function keep(keys) {
    try {
      if (keys.length) { sessionStorage.setItem(QUEUE, JSON.stringify(keys.slice(0, 16))); }
      else { sessionStorage.removeItem(QUEUE); }
    } catch (e) { /* storage refused: keys typed during a post are dropped, as before */ }
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
    var keys = queued();
    keep([]);
    while (keys.length && !sending) {
      act(keys.shift());
    }
    if (keys.length) { keep(keys); } // a key posted a form: the rest wait for the next page
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
    if (sending) { // the page is about to change: the key is for the next one
      var keys = queued();
      keys.push(key);
      keep(keys);
      ev.preventDefault();
      return;
    }
    if (act(key)) { ev.preventDefault(); }
  });
  // A form posted twice (a double tap) would act on a page already gone: send each form once.
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (form.dataset.sent) { ev.preventDefault(); return; }
    form.dataset.sent = "1";
    sending = true;
  });
  // Back from the browser's cache (the back button): nothing is on its way any more.
  window.addEventListener("pageshow", function (ev) { if (ev.persisted) { sending = false; } });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", replay);
  } else {
    replay();
  }
})();
