/*
 * The spoiler delay: a viewer whose TV stream runs behind sets a delay of 0 to 60 s, and every live part
 * of every page (score, clock, timeline, table) waits that long before showing a change (live.js holds
 * the socket's messages back, and reads the clock that far in the past).
 *
 * Loaded in <head>, before the page is drawn: with a delay set, a page freshly loaded shows the state of
 * the moment it was loaded only once the delay has passed (the moment the viewer's stream reaches it),
 * never the live score first. The setting stays in this browser (localStorage).
 */
(function (global) {
  "use strict";

  var KEY = "matchcentre:spoiler-delay";
  // Looked up when used: this file runs in <head>, before the page's catalog (/jsi18n/) has loaded.
  function gettext(text) {
    return typeof global.gettext === "function" ? global.gettext(text) : text;
  }
  function interpolate(format, values) {
    return format.replace(/%\((\w+)\)s/g, function (_match, name) {
      return String(values[name]);
    });
  }
  var MAX_SECONDS = 60;
  var root = global.document.documentElement;

  function read() {
    var value;
    try {
      value = Number(global.localStorage.getItem(KEY));
    } catch (error) {
      return 0; // storage refused (a private window's policy): no delay
    }
    if (!isFinite(value) || value <= 0) return 0;
    return Math.min(MAX_SECONDS, Math.round(value));
  }

  function write(seconds) {
    try {
      if (seconds > 0) global.localStorage.setItem(KEY, String(seconds));
      else global.localStorage.removeItem(KEY);
    } catch (error) {
      /* not remembered; the page still reloads with it for this visit */
    }
  }

  var delaySeconds = read();
  var loadedAt = Date.now();

  function reveal() {
    root.removeAttribute("data-spoiler-wait");
    var wait = global.document.getElementById("spoiler-wait");
    if (wait) wait.hidden = true;
  }

  if (delaySeconds > 0) {
    root.setAttribute("data-spoiler-delay", String(delaySeconds));
    root.setAttribute("data-spoiler-wait", "");
    global.setTimeout(reveal, delaySeconds * 1000);
  }

  function describe(seconds) {
    return seconds > 0 ? interpolate(gettext("Delayed %(seconds)s s"), { seconds: seconds }) : gettext("No delay");
  }

  function countdown() {
    var wait = global.document.getElementById("spoiler-wait-text");
    if (!wait || !root.hasAttribute("data-spoiler-wait")) return;
    var left = Math.max(0, Math.ceil((loadedAt + delaySeconds * 1000 - Date.now()) / 1000));
    wait.textContent = interpolate(
      gettext("Live updates are %(delay)s s behind, to match your stream: this page shows in %(left)s s."),
      { delay: delaySeconds, left: left }
    );
    global.setTimeout(countdown, 1000);
  }

  function wire() {
    var form = global.document.getElementById("spoiler-form");
    if (!form) return;
    var input = global.document.getElementById("spoiler-seconds");
    var badge = global.document.getElementById("spoiler-badge");
    var error = global.document.getElementById("spoiler-error");
    input.value = String(delaySeconds);
    badge.textContent = describe(delaySeconds);
    badge.hidden = delaySeconds === 0;
    form.hidden = false;
    global.document.getElementById("spoiler").hidden = false; // a control that needs this script to work
    var wait = global.document.getElementById("spoiler-wait");
    if (wait && delaySeconds > 0 && root.hasAttribute("data-spoiler-wait")) {
      wait.hidden = false;
      countdown();
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var seconds = Number(input.value);
      if (input.value.trim() === "" || !isFinite(seconds) || seconds < 0 || seconds > MAX_SECONDS) {
        error.textContent = interpolate(gettext("Enter a number of seconds from 0 to %(max)s."), { max: MAX_SECONDS });
        error.hidden = false;
        input.setAttribute("aria-invalid", "true");
        input.focus();
        return;
      }
      error.hidden = true;
      input.removeAttribute("aria-invalid");
      write(Math.round(seconds));
      // Start again from the page as it is now, shown after the new delay: what is on screen and what is
      // held back can never mix two delays.
      global.location.reload();
    });
  }

  if (global.document.readyState === "loading") global.document.addEventListener("DOMContentLoaded", wire);
  else wire();

  global.Matchcentre = Object.assign(global.Matchcentre || {}, {
    spoilerDelayMs: function () {
      return delaySeconds * 1000;
    },
  });
})(window);
