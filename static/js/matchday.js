/*
 * matchday.js: every match of one matchday side by side, and the table they make together.
 *
 * The page listens on the group socket: a group_snapshot, then the change messages of every
 * match in the group. Seq is tracked per match (live.js drops duplicates and reconnects on a
 * gap). For the matches on this page a change updates the score, the clock and the latest
 * events (server markup from html.event / html.related, never built here). A change that moves the
 * table brings a "table" message (its changed rows, patched in place by live.js's applyTable), whose
 * rows get an arrow comparing the position now with the position before this matchday (data-move,
 * set here: the markup is the server's); after any change the "what each team needs" panel is asked
 * again (scenarios.js).
 *
 * After a reconnect the group snapshot says where each match stands but carries no events:
 * when it shows something this page has not seen, the page fetches itself and takes the
 * server's markup of the latest events and the table from it.
 */
(function () {
  "use strict";
  // The page's strings in its language (Django's JavaScriptCatalog, /jsi18n/, loaded before this file).
  var gettext = typeof window.gettext === "function" ? window.gettext : function (text) { return text; };
  var ngettext = typeof window.ngettext === "function" ? window.ngettext : function (one, many, n) { return n === 1 ? one : many; };
  var pgettext = typeof window.pgettext === "function" ? window.pgettext : function (_context, text) { return text; };
  function interpolate(format, values) {
    return format.replace(/%\((\w+)\)s/g, function (_match, name) { return String(values[name]); });
  }
  var MC = window.Matchcentre;
  var snapshot = MC.readJson("matchday-snapshot");
  if (!snapshot) return;

  var LATEST = 5; // events shown per match, as the server renders them
  var onPage = new Set();
  var seqs = new Map(); // match id -> last seq applied (every match of the group: the table needs them all)
  var matches = new Map(); // match id -> state of a match on this page
  var positionBefore = new Map(); // team id -> position before this matchday
  var offsetMs = MC.serverOffset(snapshot.server_time);
  var tableContainer = document.getElementById("table-container");
  var refreshing = null;

  (snapshot.table && snapshot.table.rows ? snapshot.table.rows : []).forEach(function (row) {
    if (row.position_before) positionBefore.set(row.team.id, row.position_before);
  });

  function card(matchId) {
    return document.getElementById("md-match-" + matchId);
  }

  function remember(match) {
    var merged = Object.assign({}, matches.get(match.id) || {}, match);
    matches.set(match.id, merged);
    return merged;
  }

  function setText(element, text) {
    if (element && element.textContent !== String(text)) element.textContent = text;
  }

  /** Score, status, clock and VAR state of one card. */
  function updateCard(match, highlight) {
    var item = card(match.id);
    if (!item) return;
    var played = match.status === "live" || match.status === "finished";
    ["home", "away"].forEach(function (side) {
      var element = item.querySelector('[data-score="' + side + '"]');
      var value = match[side + "_score"];
      if (!element || value === undefined || element.textContent === String(value)) return;
      element.textContent = value;
      if (highlight) MC.flash(element, "score--changed", 3000);
    });
    var score = item.querySelector(".md-match__score");
    var pending = item.querySelector(".md-match__pending");
    if (score) score.hidden = !played;
    if (pending) pending.hidden = played;
    if (match.status) {
      item.className = item.className.replace(/\bmd-match--\S+/g, "").trim() + " md-match--" + match.status;
      item.dataset.status = match.status;
    }
    if (typeof match.seq === "number") item.dataset.seq = match.seq;
    var label = item.querySelector("[data-status-label]");
    if (label && match.status) {
      setText(label, match.status === "live" ? match.period_label || "" : match.status_label || "");
      label.className = "status status--" + match.status;
    }
    if (Object.prototype.hasOwnProperty.call(match, "var")) {
      var banner = item.querySelector("[data-var-banner]");
      var review = match.var || null;
      if (banner) banner.hidden = !review;
      setText(
        item.querySelector("[data-var-text]"),
        review ? interpolate(pgettext("VAR banner: what is checked, and how the check stands", "%(category)s: %(outcome)s"),
          { category: review.category_label || gettext("check"), outcome: review.outcome_label || "" }) : ""
      );
    }
    tick(match);
  }

  function tick(match) {
    var clock = document.querySelector('[data-clock-for="' + match.id + '"]');
    if (!clock) return;
    var live = match.status === "live";
    clock.hidden = !live;
    if (live) setText(clock, MC.clockLabel(match, Date.now() + offsetMs));
  }

  /** Put an event's server markup among its match's latest events; keep the newest LATEST. */
  function placeEvent(matchId, event, html, highlight) {
    var list = document.getElementById("latest-" + matchId);
    var element = event && html ? MC.fromHtml(html) : null;
    if (!list || !element) return;
    var existing = document.getElementById("event-" + event.id);
    if (existing && existing.parentNode === list) existing.remove();
    // Newest first, where its minute puts it (an edit may move it).
    MC.insertEvent(list, element);
    list.querySelectorAll(":scope > [data-empty]").forEach(function (empty) {
      empty.remove();
    });
    var items = list.querySelectorAll(":scope > li.event");
    // Older than everything shown when the list is full: it does not belong among the latest.
    for (var i = LATEST; i < items.length; i += 1) items[i].remove();
    if (element.isConnected) MC.flash(element, highlight, 4000);
  }

  /** Arrows: each row's position now against its position before this matchday. */
  function markMoves() {
    if (!tableContainer) return;
    tableContainer.querySelectorAll("tr[data-team-id]").forEach(function (row) {
      var marker = row.querySelector(".move");
      var before = positionBefore.get(Number(row.dataset.teamId));
      var now = Number(row.dataset.position);
      if (!marker || !before || !now) return;
      var move = now < before ? "up" : now > before ? "down" : "same";
      var was = { was: before };
      var label = move === "up" ? interpolate(gettext("up, was %(was)s"), was)
        : move === "down" ? interpolate(gettext("down, was %(was)s"), was) : gettext("unchanged");
      var title = move === "up" ? interpolate(gettext("Up from %(was)s"), was)
        : move === "down" ? interpolate(gettext("Down from %(was)s"), was) : gettext("Unchanged");
      if (marker.dataset.move === move && marker.getAttribute("aria-label") === label) return;
      marker.dataset.move = move;
      marker.setAttribute("role", "img");
      marker.setAttribute("aria-label", label);
      marker.setAttribute("title", title);
      row.dataset.move = move;
    });
  }

  function replaceTable(html) {
    if (!html) return;
    MC.replaceTable(tableContainer, html);
    markMoves();
  }

  /** After a reconnect that missed something: this page's own markup for the latest events and the table. */
  function refresh() {
    if (refreshing) return refreshing;
    refreshing = fetch(window.location.pathname, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        onPage.forEach(function (id) {
          var fresh = page.getElementById("latest-" + id);
          var list = document.getElementById("latest-" + id);
          if (!fresh || !list) return;
          // Keep the live region itself (screen readers follow that element); swap its items.
          var known = new Set(Array.from(list.querySelectorAll(":scope > li.event"), function (li) {
            return li.id + ":" + li.dataset.version + ":" + li.dataset.state;
          }));
          var items = Array.from(fresh.children).map(function (li) {
            return document.importNode(li, true);
          });
          list.replaceChildren.apply(list, items);
          items.forEach(function (li) {
            if (li.id && !known.has(li.id + ":" + li.dataset.version + ":" + li.dataset.state)) {
              MC.flash(li, "event--new", 4000);
            }
          });
          if (MC.localise) MC.localise(list);
        });
        var table = page.querySelector("#table-container table.standings");
        if (table) replaceTable(table.outerHTML);
        if (MC.scenarios && MC.scenarios.main) MC.scenarios.main.refresh();
      })
      .catch(function (error) {
        console.warn("Matchcentre: could not refresh the matchday", error);
      })
      .finally(function () {
        refreshing = null;
      });
    return refreshing;
  }

  (snapshot.matches || []).forEach(function (match) {
    onPage.add(match.id);
    seqs.set(match.id, match.seq);
    updateCard(remember(match), false);
  });
  markMoves();

  setInterval(function () {
    matches.forEach(tick);
  }, 500);

  MC.live = MC.connectGroup({
    path: document.body.dataset.wsPath,
    seqs: seqs,
    onSnapshot: function (message) {
      offsetMs = MC.serverOffset(message.server_time);
      var stale = false;
      (message.matches || []).forEach(function (match) {
        if (onPage.has(match.id)) {
          if (seqs.get(match.id) !== match.seq) stale = true;
          updateCard(remember(match), true);
        } else if (seqs.has(match.id) && seqs.get(match.id) !== match.seq) {
          stale = true; // another match of the group moved the table
        }
        seqs.set(match.id, match.seq);
      });
      if (stale) refresh();
    },
    onChange: function (message) {
      var id = Number(message.match_id);
      var html = message.html || {};
      if (onPage.has(id)) {
        var state = Object.assign({ id: id }, message.match || {}, { seq: message.seq });
        updateCard(remember(state), true);
        if (message.event) placeEvent(id, message.event, html.event, message.op === "add" ? "event--new" : "event--changed");
        (message.related || []).forEach(function (event, index) {
          placeEvent(id, event, (html.related || [])[index], "event--changed");
        });
      }
      // Who can still finish where: asked again after every change (the server caches per state).
      if (MC.scenarios && MC.scenarios.main) MC.scenarios.main.soon();
    },
    onTable: function (message) {
      var applied = MC.applyTable(tableContainer, message);
      if (applied === "gap") MC.live.reconnect();
      else if (applied === "applied") markMoves();
    },
    getTableVersion: function () {
      return MC.tableVersion(tableContainer);
    },
  });

  MC.matchday = { refresh: refresh, markMoves: markMoves };
})();
