/*
 * knockout.js: keeps the knockout part of the score header live (templates/events/_knockout.html): the tie
 * in words ("Liverpool lead 2-1 on aggregate"), extra time, and the shoot-out kick by kick.
 *
 * live.js's MatchView announces each message it applies ("matchcentre:applied"); a snapshot or change of a
 * knockout match carries the part's server markup as html.knockout, which replaces the one on the page.
 * It never builds markup. A new kick flashes, unless the reader prefers reduced motion.
 */
(function () {
  "use strict";
  var MC = window.Matchcentre;
  var HIGHLIGHT_MS = 2000;

  document.addEventListener("matchcentre:applied", function (event) {
    var message = event.detail && event.detail.message;
    var html = message && message.html && message.html.knockout;
    var current = document.getElementById("knockout");
    if (!html || !current) return;
    var seen = new Set(Array.prototype.map.call(current.querySelectorAll(".kick"), function (kick) {
      return kick.dataset.eventId + ":" + kick.className;
    }));
    var next = MC.fromHtml(html);
    current.replaceWith(next);
    if (event.detail.kind === "snapshot") return;
    next.querySelectorAll(".kick").forEach(function (kick) {
      if (!seen.has(kick.dataset.eventId + ":" + kick.className)) MC.flash(kick, "kick--new", HIGHLIGHT_MS);
    });
  });
})();
