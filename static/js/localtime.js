/*
 * localtime.js: shows every <time datetime="…" data-local> in the reader's own time zone,
 * naming the zone ("Wed 27 Nov, 21:00 CET"). Without JavaScript the server's UTC text stays.
 *
 * data-local="datetime" (default), "date", "time" or "clock" (the time without the zone, where
 * the zone is named nearby).
 */
(function () {
  "use strict";
  var FORMATS = {
    datetime: { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZoneName: "short" },
    date: { weekday: "short", day: "numeric", month: "short" },
    time: { hour: "2-digit", minute: "2-digit", timeZoneName: "short" },
    clock: { hour: "2-digit", minute: "2-digit" },
  };
  var formatters = {};

  function formatter(kind) {
    if (!formatters[kind]) {
      try {
        formatters[kind] = new Intl.DateTimeFormat(undefined, FORMATS[kind] || FORMATS.datetime);
      } catch (error) {
        formatters[kind] = null;
      }
    }
    return formatters[kind];
  }

  function localise(root) {
    (root || document).querySelectorAll("time[datetime][data-local]").forEach(function (element) {
      var date = new Date(element.getAttribute("datetime"));
      if (isNaN(date.getTime())) return;
      var kind = element.dataset.local || "datetime";
      var format = formatter(kind);
      if (!format) return;
      var text = format.format(date);
      if (element.textContent !== text) element.textContent = text;
      element.dataset.localised = "true";
    });
  }

  window.Matchcentre = window.Matchcentre || {};
  window.Matchcentre.localise = localise;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { localise(); });
  else localise();
})();
