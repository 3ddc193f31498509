/*
 * localtime.js: shows every <time datetime="…" data-local> in the reader's own time zone,
 * naming the zone ("Wed 27 Nov, 21:00 CET"; "Wed, Nov 27, 3:00 PM EST" in US English). Without JavaScript
 * the server's UTC text stays.
 *
 * data-local="datetime" (default), "date", "time" or "clock" (the time without the zone, where
 * the zone is named nearby).
 */
(function () {
  "use strict";
  var FORMATS = {
    datetime: { weekday: "short", day: "numeric", month: "short", hour: true, minute: "2-digit", timeZoneName: "short" },
    date: { weekday: "short", day: "numeric", month: "short" },
    time: { hour: true, minute: "2-digit", timeZoneName: "short" },
    clock: { hour: true, minute: "2-digit" },
  };
  var formatters = {};

  /**
   * How the reader's locale writes the hour: a 24-hour clock pads it ("08:00", "21:00"), a 12-hour
   * clock does not ("8:00 PM", never "08:00 PM").
   */
  function hourStyle(locale) {
    try {
      var cycle = new Intl.DateTimeFormat(locale, { hour: "numeric" }).resolvedOptions().hourCycle;
      return cycle === "h11" || cycle === "h12" ? "numeric" : "2-digit";
    } catch (error) {
      return "2-digit";
    }
  }

  function options(kind, locale) {
    var chosen = Object.assign({}, FORMATS[kind] || FORMATS.datetime);
    if (chosen.hour) chosen.hour = hourStyle(locale);
    return chosen;
  }

  /**
   * The page's language (<html lang>), written as the reader's browser writes it when it is the same language
   * (an English page for a reader in Britain says "27 Nov", for one in the US "Nov 27"): a page and its dates
   * are never in two languages.
   */
  function pageLocale() {
    var lang = document.documentElement.lang || "en";
    var preferred = (navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language]) || [];
    for (var i = 0; i < preferred.length; i++) {
      if (preferred[i] && preferred[i].split("-")[0].toLowerCase() === lang.split("-")[0].toLowerCase()) return preferred[i];
    }
    return lang;
  }

  function formatter(kind) {
    if (!formatters[kind]) {
      try {
        var locale = pageLocale();
        formatters[kind] = new Intl.DateTimeFormat(locale, options(kind, locale));
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
