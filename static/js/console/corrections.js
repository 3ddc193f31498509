/*
 * console/corrections.js: the corrections page (templates/editor/corrections.html), live.
 *
 * The page is the server's: a row per event with its correction and removal forms, a row per
 * removed event with its restore form, and the history. This script adds what the console has:
 *   - the player picker (MC.PlayerPicker) on every player field, both lineups, those on the
 *     pitch first;
 *   - the match over the editor's socket (live.js's MatchView): the score, the clock and the
 *     history follow every change, and the rows of the events a change touched are fetched
 *     again from the page (one template for a row, the server's). A row whose form is open is
 *     left as the admin is typing it, marked as changed underneath.
 *
 * Page data: body data-match-id, data-ws-path, and the snapshot in <script id="snapshot">.
 * Exposes MC.corrections ({refreshed: number of row refreshes applied}) for tests and tools.
 */
(function () {
  "use strict";
  var MC = window.Matchcentre;
  // The console's words in the page's language (live.js's helpers over Django's JavaScriptCatalog, /jsi18n/).
  var gettext = MC.gettext;
  var body = document.body;
  var snapshot = MC.readJson("snapshot");
  if (!snapshot) return;

  var LISTS = ["corrections-list", "removed-list"];
  var roster = new MC.Roster();
  roster.load(snapshot.lineups);
  var view = null;
  var state = { refreshed: 0 };

  function enhancePickers(root) {
    var describe = MC.Roster.describer(roster, function () {
      return view && view.match;
    });
    root.querySelectorAll('.correction__form select[name$="-player"], .correction__form select[name$="-second_player"]').forEach(function (select) {
      if (!select.classList.contains("picker__select")) MC.PlayerPicker.enhance(select, { describe: describe });
    });
  }

  // --- rows, fetched again when a change touches them ----------------------------------------------------

  var inFlight = null;
  var pendingIds = null; // ids waiting for the next fetch; "all" after a snapshot

  function isBeingEdited(row) {
    var details = row.querySelector("details");
    return !!(details && details.open);
  }

  function markChanged(row) {
    row.classList.add("correction--changed");
    if (row.querySelector(".correction__notice")) return;
    var notice = document.createElement("p");
    notice.className = "correction__notice";
    notice.setAttribute("role", "status");
    notice.textContent = gettext("This event has just changed. Your form is for the earlier version: reload the page to start from the new one.");
    row.appendChild(notice);
  }

  function merge(freshDoc, ids) {
    LISTS.forEach(function (listId) {
      var list = document.getElementById(listId);
      var fresh = freshDoc.getElementById(listId);
      if (!list || !fresh) return;
      var children = Array.from(fresh.children).map(function (freshRow) {
        var current = freshRow.id ? document.getElementById(freshRow.id) : null;
        var id = Number(freshRow.dataset.eventId);
        var touched = ids === "all" || (id && ids.has(id));
        if (current && !touched) return current;
        if (current && isBeingEdited(current)) {
          markChanged(current);
          return current;
        }
        var row = document.importNode(freshRow, true);
        if (id) MC.flash(row, "correction--changed", 4000);
        return row;
      });
      list.replaceChildren.apply(list, children);
    });
    // Once in the page: a picker's label is found there.
    enhancePickers(document);
    if (MC.localise) MC.localise(document);
    state.refreshed += 1;
  }

  function refreshRows(ids) {
    if (ids === "all" || pendingIds === "all") pendingIds = "all";
    else {
      pendingIds = pendingIds || new Set();
      ids.forEach(function (id) {
        pendingIds.add(id);
      });
    }
    if (inFlight) return;
    var wanted = pendingIds;
    pendingIds = null;
    inFlight = fetch(window.location.pathname, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        merge(new DOMParser().parseFromString(html, "text/html"), wanted);
      })
      .catch(function (error) {
        console.warn("Matchcentre: could not refresh the corrections", error);
      })
      .finally(function () {
        inFlight = null;
        if (pendingIds) refreshRows(pendingIds === "all" ? "all" : []);
      });
  }

  function touchedIds(message) {
    var ids = new Set();
    if (message.event) ids.add(message.event.id);
    (message.related || []).forEach(function (event) {
      ids.add(event.id);
    });
    return ids;
  }

  view = new MC.MatchView({
    onApplied: function (kind, message) {
      if (kind === "snapshot") {
        if (message.lineups) roster.load(message.lineups);
        refreshRows("all");
      } else if (kind === "change") {
        var ids = touchedIds(message);
        if (ids.size) refreshRows(ids);
      }
    },
  });

  enhancePickers(document);
  view.init(snapshot);
  view.startClock();
  MC.live = view.connect(body.dataset.wsPath, Number(body.dataset.matchId));
  MC.view = view;
  MC.corrections = state;
})();
