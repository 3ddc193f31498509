/*
 * stats.js: the match statistics panel of the fan page (templates/events/_stats.html), kept live.
 *
 * The counts arrive in every snapshot and change as match.statistics ({"shots": {"home": 3, "away": 1},
 * …}, or null while none is recorded: docs/protocol.md). live.js's MatchView announces each message it
 * applies with a "matchcentre:applied" event; this file writes the numbers, which side leads and the
 * bars' widths into the server's markup. It never builds markup. The panel is hidden while there is
 * nothing to show, and appears with the first statistic recorded.
 */
(function () {
  "use strict";
  var MC = window.Matchcentre;
  var HIGHLIGHT_MS = 2000;
  var SIDES = ["home", "away"];

  var panel = document.getElementById("stats");
  if (!panel) return;

  /** Each side's bar as a share of the larger count, the leader's full (as the server draws them). */
  function barWidth(count, most) {
    return most ? Math.round((100 * count) / most) : 0;
  }

  function renderRow(row, counts, highlight) {
    var most = Math.max(counts.home, counts.away);
    var changed = false;
    SIDES.forEach(function (side) {
      var other = side === "home" ? "away" : "home";
      var cell = row.querySelector('.stat__value[data-side="' + side + '"]');
      var bar = row.querySelector('.stat__bar[data-side="' + side + '"]');
      if (cell && cell.textContent.trim() !== String(counts[side])) {
        cell.textContent = counts[side];
        changed = true;
      }
      if (cell) cell.classList.toggle("stat__value--leads", counts[side] > counts[other]);
      if (bar) bar.setAttribute("width", String(barWidth(counts[side], most)));
    });
    if (changed && highlight) MC.flash(row, "stat--changed", HIGHLIGHT_MS);
  }

  function render(statistics, highlight) {
    panel.hidden = !statistics;
    if (!statistics) return;
    panel.querySelectorAll("tr[data-stat]").forEach(function (row) {
      var counts = statistics[row.dataset.stat] || { home: 0, away: 0 };
      renderRow(row, counts, highlight);
    });
  }

  document.addEventListener("matchcentre:applied", function (event) {
    var view = event.detail.view;
    // A change logged before statistics were kept has no `statistics`: the counts stand as they were.
    if (view.match && "statistics" in view.match) render(view.match.statistics, event.detail.kind === "change");
  });

  // The page's view may have taken its first snapshot before this script ran.
  if (MC.view && MC.view.match && "statistics" in MC.view.match) render(MC.view.match.statistics, false);
})();
