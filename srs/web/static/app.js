// srs serve: the terminal's keys on the review page. Every action is a form post; keys only press buttons.
"use strict";
(function () {
  function press(selector) {
    var el = document.querySelector(selector);
    if (el && !el.disabled) { el.click(); return true; }
    return false;
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
    var done = false;
    if (key === " " || key === "Enter") {
      done = press('button[data-key="reveal"]') || press("button[data-enter]");
    } else if (/^[1-4]$/.test(key)) {
      done = press('.ratings button[data-key="' + key + '"]');
    } else if (/^[a-z]$/.test(key)) {
      var options = document.querySelector(".options");
      if (options && press('.options button[data-key="' + key + '"]')) { done = true; }
      else if ("ushg".indexOf(key) >= 0) { done = press('button[data-key="' + key + '"]'); }
    }
    if (done) { ev.preventDefault(); }
  });
  // A form posted twice (a double tap) would act on a page already gone: send each form once.
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (form.dataset.sent) { ev.preventDefault(); return; }
    form.dataset.sent = "1";
  });
})();
