/*
 * team.js: the team page. It follows the competition's bracket socket (one socket per page) and, when a
 * change concerns a match the page follows, fetches the page's body again (?fragment=1) and puts it in
 * place. The page names the matches it follows in #team-state (`followed`, with the seq it shows of each):
 * the team's, its group's, and, while its next step rests on the other groups or ties, every match of the
 * competition. A snapshot (each connection and reconnection) refreshes the body too, unless its seqs prove
 * the page current.
 *
 * The fragment is an ordinary cached read: the browser asks with its ETag and gets 304 while nothing it
 * shows has changed. Changes that come together are fetched once, and one fetch runs at a time.
 *
 * Markup comes from the server: this file only places it, ticks the clocks of live matches (from each
 * live match's clock in #team-state, corrected by the server's time) and says which score changed.
 */
(function () {
  "use strict";
  var MC = window.Matchcentre;
  var path = document.body.dataset.wsPath;
  var fragmentUrl = document.body.dataset.fragmentUrl;
  var initial = MC.readJson("team-state");
  if (!initial || !path || !fragmentUrl) return;

  // A goal, the period it ends and the table it moves arrive within moments: one fetch for all of them.
  var REFRESH_DELAY_MS = 250;
  // A shared cache (nginx) may keep a body for a second: one older than a change the socket brought is
  // asked for again after that long, a few times.
  var STALE_RETRY_MS = 1100;
  var STALE_RETRIES = 5;
  var FLASH_MS = 3000;

  var seqs = new Map(); // followed match id -> the latest seq known, from a body or from a change
  var live = {}; // live match id -> its state (status, period, clock)
  var offsetMs = 0;
  var timer = null;
  var fetching = false;
  var fetchAgain = false;
  var staleRetries = 0;
  var shown = mapOf(initial.followed); // match id -> the seq the body in place shows
  var announcer = document.getElementById("team-announcer");

  function mapOf(followed) {
    var map = new Map();
    Object.keys(followed || {}).forEach(function (id) {
      map.set(Number(id), followed[id]);
    });
    return map;
  }

  function take(state) {
    var followed = state.followed || {};
    var next = new Map();
    Object.keys(followed).forEach(function (id) {
      var known = seqs.get(Number(id));
      next.set(Number(id), known !== undefined && known > followed[id] ? known : followed[id]);
    });
    seqs = next;
    live = state.live || {};
    offsetMs = MC.serverOffset(state.server_time);
  }

  function tick() {
    document.querySelectorAll("#team-path [data-clock-for]").forEach(function (clock) {
      var match = live[clock.dataset.clockFor];
      if (!match) return;
      var text = MC.clockLabel(match, Date.now() + offsetMs);
      if (text && clock.textContent !== text) clock.textContent = text;
    });
  }

  /** Each played match's score line ("Argentina 1–0 France"), by match id. */
  function summaries(root) {
    var found = {};
    root.querySelectorAll("li[data-match-id]").forEach(function (item) {
      found[item.dataset.matchId] = item.dataset.summary || "";
    });
    return found;
  }

  /** The body as it reads, without the state it carries (its server time differs at every build). */
  function visible(root) {
    var copy = root.cloneNode(true);
    var state = copy.querySelector("#team-state");
    if (state) state.remove();
    copy.querySelectorAll("[data-clock-for]").forEach(function (clock) {
      clock.textContent = "";
    });
    return copy.innerHTML;
  }

  /** Does the body show an older seq of some match than `known` (match id -> seq) has? */
  function olderThan(state, known) {
    var followed = (state && state.followed) || {};
    return Object.keys(followed).some(function (id) {
      var seq = known.get(Number(id));
      return seq !== undefined && followed[id] < seq;
    });
  }

  function place(html) {
    var current = document.getElementById("team-path");
    var fresh = MC.fromHtml(html);
    if (!current || !fresh || fresh.id !== "team-path") return;
    if (MC.localise) MC.localise(fresh);
    var stateElement = fresh.querySelector("#team-state");
    var state = stateElement ? JSON.parse(stateElement.textContent) : null;
    if (olderThan(state, seqs) && staleRetries < STALE_RETRIES) {
      staleRetries += 1;
      setTimeout(scheduleRefresh, STALE_RETRY_MS);
    } else {
      staleRetries = 0;
    }
    if (olderThan(state, shown)) return; // older than the body in place: keep that one
    if (state) shown = mapOf(state.followed);
    if (visible(fresh) !== visible(current)) {
      var before = summaries(current);
      var active = document.activeElement;
      var focusedHref = active && current.contains(active) ? active.getAttribute("href") : null;
      current.replaceWith(fresh);
      if (focusedHref) {
        var same = fresh.querySelector('a[href="' + focusedHref.replace(/"/g, '\\"') + '"]');
        if (same) same.focus();
      }
      var after = summaries(fresh);
      var moved = Object.keys(after).filter(function (id) {
        return after[id] && after[id] !== before[id];
      });
      moved.forEach(function (id) {
        MC.flash(document.getElementById("path-match-" + id), "path-match--changed", FLASH_MS);
      });
      if (announcer && moved.length) {
        announcer.textContent = moved.map(function (id) { return after[id]; }).join(". ");
      }
    }
    if (state) take(state);
    tick();
  }

  function refresh() {
    if (fetching) {
      fetchAgain = true;
      return;
    }
    fetching = true;
    fetch(fragmentUrl, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(place)
      .catch(function (error) {
        console.warn("Matchcentre: could not refresh the team's path", error);
      })
      .then(function () {
        fetching = false;
        if (fetchAgain) {
          fetchAgain = false;
          scheduleRefresh();
        }
      });
  }

  function scheduleRefresh() {
    if (timer) return;
    timer = setTimeout(function () {
      timer = null;
      refresh();
    }, REFRESH_DELAY_MS);
  }

  /** Does the snapshot prove the page current? Only if it names every followed match at the seq shown. */
  function current(message) {
    var given = message.seqs || {};
    var proven = true;
    seqs.forEach(function (seq, id) {
      if (given[String(id)] !== seq) proven = false;
    });
    return proven;
  }

  take(initial);
  tick();
  setInterval(tick, 1000);

  MC.live = MC.connectLive({
    path: path,
    useSince: false, // the bracket socket starts every connection with a snapshot
    getSeq: function (matchId) {
      var seq = seqs.get(Number(matchId));
      return seq === undefined ? null : seq;
    },
    onSnapshot: function (message) {
      if (!current(message)) scheduleRefresh();
    },
    onChange: function (message) {
      var id = Number(message.match_id);
      if (!seqs.has(id)) return; // a match this page does not show
      seqs.set(id, message.seq);
      scheduleRefresh();
    },
    onStatus: function (status, detail) {
      MC.showStatus(status, detail);
    },
  });
})();
