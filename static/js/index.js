/*
 * index.js: the home page. Runs the clocks of live matches and, while the page is
 * visible, refreshes their scores from the JSON API every 30 seconds (the home page
 * has no socket of its own: a match page or a group page is the live view).
 */
(function () {
  "use strict";
  var MC = window.Matchcentre;
  var matches = new Map();
  (MC.readJson("live-matches") || []).forEach(function (match) {
    matches.set(match.id, match);
  });
  if (!matches.size) return;
  var POLL_MS = 30000;

  function render(match) {
    var item = document.getElementById("fixture-" + match.id);
    if (!item) return;
    var home = item.querySelector('[data-score="home"]');
    var away = item.querySelector('[data-score="away"]');
    if (home && home.textContent !== String(match.home_score)) MC.flash(item, "fixture--changed", 3000);
    if (home) home.textContent = match.home_score;
    if (away) away.textContent = match.away_score;
    var label = item.querySelector("[data-status-label]");
    if (label) label.textContent = match.status === "live" ? match.period_label : match.status_label;
    var clock = item.querySelector("[data-clock-for]");
    if (clock) {
      clock.hidden = match.status !== "live";
      clock.textContent = match.status === "live" ? MC.clockLabel(match, Date.now()) : "";
    }
  }

  function tick() {
    matches.forEach(render);
  }

  function poll() {
    if (document.visibilityState !== "visible") return;
    fetch("/api/matches?status=live", { headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (list) {
        if (!Array.isArray(list)) return;
        var live = new Set();
        list.forEach(function (match) {
          live.add(match.id);
          if (matches.has(match.id)) matches.set(match.id, match);
        });
        // No longer live (finished, or reset): stop its clock; the next page load shows where it stands.
        matches.forEach(function (match, id) {
          if (!live.has(id)) {
            var clock = document.querySelector('[data-clock-for="' + id + '"]');
            if (clock) clock.hidden = true;
            matches.delete(id);
          }
        });
        tick();
      })
      .catch(function () {
        /* offline: try again at the next poll */
      });
  }

  tick();
  setInterval(tick, 1000);
  setInterval(poll, POLL_MS);
})();
