/*
 * group.js: the group page. The group socket sends a group_snapshot, then the change
 * messages of every match in the group. Seq is tracked per match; on a gap the socket
 * reconnects and starts again from a fresh group_snapshot.
 *
 * Fixtures are updated in place by match id. The table's live updates come as "table" messages on
 * the same socket: live.js's applyTable patches the server's table from their compact rows (or
 * replaces it with the server's markup when the message carries the whole table); a missed one
 * reconnects, and the socket's opening then sends the table whole.
 */
(function () {
  "use strict";
  var MC = window.Matchcentre;
  var snapshot = MC.readJson("group-snapshot");
  if (!snapshot) return;

  var seqs = new Map(); // match id -> last seq applied
  var matches = new Map(); // match id -> match state (status, score, clock…)
  var offsetMs = MC.serverOffset(snapshot.server_time);
  var tableContainer = document.getElementById("table-container");
  var tableAtSnapshot = MC.tableVersion(tableContainer);

  function remember(match) {
    var previous = matches.get(match.id) || {};
    var merged = Object.assign({}, previous, match);
    matches.set(match.id, merged);
    if (typeof match.seq === "number") seqs.set(match.id, match.seq);
    return merged;
  }

  function fixtureOf(matchId) {
    return document.getElementById("fixture-" + matchId);
  }

  function updateFixture(match, highlight) {
    var item = fixtureOf(match.id);
    if (!item) return;
    var played = match.status === "live" || match.status === "finished";
    var home = item.querySelector('[data-score="home"]');
    var away = item.querySelector('[data-score="away"]');
    var changed = false;
    [
      [home, match.home_score],
      [away, match.away_score],
    ].forEach(function (pair) {
      if (pair[0] && pair[1] !== undefined && pair[0].textContent !== String(pair[1])) {
        pair[0].textContent = pair[1];
        changed = true;
      }
    });
    var score = item.querySelector(".fixture__score");
    var pending = item.querySelector(".fixture__pending");
    if (score) score.hidden = !played;
    if (pending) pending.hidden = played;
    item.className = item.className.replace(/\bfixture--\S+/g, "").trim() + " fixture fixture--" + match.status;
    item.dataset.status = match.status;
    if (typeof match.seq === "number") item.dataset.seq = match.seq;
    var label = item.querySelector("[data-status-label]");
    if (label) {
      var text = match.status === "live" ? match.period_label : match.status_label;
      if (text && label.textContent !== text) label.textContent = text;
      label.className = "fixture__status status status--" + match.status;
    }
    if (highlight && changed) MC.flash(item, "fixture--changed", 3000);
    tickFixture(match);
  }

  function tickFixture(match) {
    var clock = document.querySelector('[data-clock-for="' + match.id + '"]');
    if (!clock) return;
    var live = match.status === "live";
    clock.hidden = !live;
    if (!live) return;
    var text = MC.clockLabel(match, Date.now() + offsetMs);
    if (clock.textContent !== text) clock.textContent = text;
  }

  (snapshot.matches || []).forEach(function (match) {
    updateFixture(remember(match), false);
  });

  setInterval(function () {
    matches.forEach(tickFixture);
  }, 1000);

  MC.live = MC.connectGroup({
    path: document.body.dataset.wsPath,
    seqs: seqs,
    onSnapshot: function (message) {
      offsetMs = MC.serverOffset(message.server_time);
      seqs.clear();
      (message.matches || []).forEach(function (match) {
        updateFixture(remember(match), true);
      });
      // The predictor's table and what each team needs were computed from the state the page had.
      var version = message.table ? message.table.version : null;
      if (version !== tableAtSnapshot) {
        tableAtSnapshot = version;
        if (MC.predictor) MC.predictor.refresh();
      }
    },
    onChange: function (message) {
      var id = Number(message.match_id);
      var state = Object.assign({ id: id }, message.match || {}, { seq: message.seq });
      var merged = remember(state);
      updateFixture(merged, true);
      if (MC.predictor) MC.predictor.matchChanged(merged);
    },
    onTable: function (message) {
      if (MC.applyTable(tableContainer, message) === "gap") MC.live.reconnect();
    },
    getTableVersion: function () {
      return MC.tableVersion(tableContainer);
    },
  });
})();
