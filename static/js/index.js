/*
 * index.js: the home page, one day's matches kept live over the day socket (docs/protocol.md, "The
 * day socket"): a snapshot per UTC date the reader's day spans, then each match's changes in seq
 * order, compact (score, status, period, clock). Seq is kept per match; a gap reconnects and the
 * server replays or starts again from snapshots.
 *
 * The server picks the day's matches in the reader's time zone, which this script stores in the
 * `tz` cookie (the page is reloaded once when the zone it was built in is not the reader's). When a
 * match joins or leaves the day (a new kick-off time), the day's list is fetched again: markup comes
 * from the server's templates only.
 */
(function () {
  "use strict";
  var MC = window.Matchcentre;
  var gettext = MC.gettext;
  // The day feed is one compact text for every reader: its labels are the site's, so the page says the period
  // and the status from their codes in its own language.
  var LABELS = {
    pre_match: gettext("Not started"),
    first_half: gettext("First half"),
    half_time: gettext("Half-time"),
    second_half: gettext("Second half"),
    before_extra_time: gettext("Before extra time"),
    extra_time_first_half: gettext("Extra time, first half"),
    extra_time_half_time: gettext("Extra time, half-time"),
    extra_time_second_half: gettext("Extra time, second half"),
    before_penalties: gettext("Before penalties"),
    penalties: gettext("Penalties"),
    full_time: gettext("Full time"),
    scheduled: gettext("Scheduled"),
    live: gettext("Live"),
    finished: gettext("Finished"),
    postponed: gettext("Postponed"),
  };
  var page = MC.readJson("home-day");
  if (!page) return;

  var ZONE_COOKIE = "tz";
  var ONE_YEAR_S = 365 * 24 * 3600;

  function readZoneCookie() {
    var match = document.cookie.match(/(?:^|;\s*)tz=([^;]*)/);
    return match ? match[1] : null;
  }

  /** The page was built for another zone than the reader's: store theirs and load it again, once. */
  function adoptReaderZone() {
    var zone = null;
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (error) {
      return false;
    }
    // IANA names need no escaping in a cookie (and the server reads the cookie as it is written).
    if (!zone || !/^[A-Za-z0-9_+\-\/]+$/.test(zone)) return false;
    if (zone === page.zone || readZoneCookie() === zone) return false;
    document.cookie = ZONE_COOKIE + "=" + zone + "; path=/; max-age=" + ONE_YEAR_S + "; SameSite=Lax";
    // Cookies refused: stay on the page as built rather than reload for ever.
    if (readZoneCookie() !== zone) return false;
    window.location.replace(window.location.href);
    return true;
  }
  if (adoptReaderZone()) return;

  var states = new Map(); // match id -> its latest state (seq, score, status, period, clock, kickoff)
  var start = Date.parse(page.start);
  var end = Date.parse(page.end);
  var offsetMs = 0;
  var refreshing = null;

  function remember(list) {
    (list || []).forEach(function (match) {
      var known = states.get(match.id);
      if (!known || known.seq === undefined || match.seq >= known.seq) states.set(match.id, match);
    });
  }
  remember(page.matches);

  function utcDate(isoInstant) {
    return new Date(isoInstant).toISOString().slice(0, 10);
  }

  function onThisDay(match) {
    var kickoff = Date.parse(match.kickoff);
    return kickoff >= start && kickoff < end;
  }

  function fixtureOf(matchId) {
    return document.getElementById("fixture-" + matchId);
  }

  /** The matches listed differ from those kicking off this day (a match moved): true. */
  function listOutdated() {
    var listed = new Set();
    document.querySelectorAll("#day-matches [data-match-id]").forEach(function (item) {
      listed.add(Number(item.dataset.matchId));
    });
    var due = 0;
    var missing = false;
    states.forEach(function (match, id) {
      if (!onThisDay(match)) return;
      due += 1;
      if (!listed.has(id)) missing = true;
    });
    return missing || due !== listed.size;
  }

  function setText(element, text) {
    if (element && element.textContent !== String(text)) element.textContent = text;
  }

  function tick(match) {
    var clock = document.querySelector('[data-clock-for="' + match.id + '"]');
    if (!clock) return;
    var live = match.status === "live";
    clock.hidden = !live;
    if (live) setText(clock, MC.clockLabel(match, Date.now() + offsetMs));
  }

  function render(match, highlight) {
    var item = fixtureOf(match.id);
    if (!item) return;
    var played = match.status === "live" || match.status === "finished";
    var changed = false;
    [
      [item.querySelector('[data-score="home"]'), match.home_score],
      [item.querySelector('[data-score="away"]'), match.away_score],
    ].forEach(function (pair) {
      if (pair[0] && pair[0].textContent !== String(pair[1])) {
        pair[0].textContent = pair[1];
        changed = true;
      }
    });
    var score = item.querySelector(".fixture__score");
    var pending = item.querySelector(".fixture__pending");
    if (score) score.hidden = !played;
    if (pending) pending.hidden = played;
    item.className = item.className.replace(/\bfixture--\S+/g, "").trim() + " fixture--" + match.status;
    item.dataset.status = match.status;
    item.dataset.seq = match.seq;
    var label = item.querySelector("[data-status-label]");
    if (label) {
      var words = match.status === "live" ? LABELS[match.period] || match.period_label
        : LABELS[match.status] || match.status_label;
      setText(label, words);
      label.className = "fixture__status status status--" + match.status;
    }
    if (highlight && changed) MC.flash(item, "fixture--changed", 3000);
    tick(match);
  }

  /** Fetch this day's page again and take its list and date strip (a match joined or left the day). */
  function refreshList() {
    if (refreshing) return refreshing;
    refreshing = fetch(window.location.href, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        ["day-matches", "date-strip"].forEach(function (id) {
          var replacement = fresh.getElementById(id);
          var current = document.getElementById(id);
          if (replacement && current) current.replaceWith(document.importNode(replacement, true));
        });
        showCurrentDay();
        var data = fresh.getElementById("home-day");
        if (data) remember(JSON.parse(data.textContent).matches);
        if (MC.localise) MC.localise(document.getElementById("day-matches"));
        if (MC.follows) MC.follows.placeFollowed();
        states.forEach(function (match) {
          render(match, false);
        });
      })
      .catch(function (error) {
        console.warn("Matchcentre: could not refresh the day's matches", error);
      })
      .finally(function () {
        refreshing = null;
      });
    return refreshing;
  }

  /** `since` for the day socket: every match known, as id:seq pairs. */
  function sinceAll() {
    var pairs = [];
    states.forEach(function (match, id) {
      if (typeof match.seq === "number") pairs.push(id + ":" + match.seq);
    });
    return pairs.length ? pairs.join(",") : null;
  }

  /** On a phone the strip scrolls sideways: bring the day shown into view. */
  function showCurrentDay() {
    var current = document.querySelector('#date-strip [aria-current="date"]');
    var days = current && current.closest("ol");
    if (days && days.scrollWidth > days.clientWidth) {
      days.scrollLeft = current.parentElement.offsetLeft - (days.clientWidth - current.offsetWidth) / 2;
    }
  }

  showCurrentDay();
  states.forEach(function (match) {
    render(match, false);
  });
  setInterval(function () {
    states.forEach(function (match) {
      if (match.status === "live") tick(match);
    });
  }, 1000);

  MC.live = MC.connectLive({
    path: document.body.dataset.wsPath,
    // Asked with null when the socket opens (the whole day) and with a match's id for each change.
    getSeq: function (matchId) {
      if (matchId === null || matchId === undefined) return sinceAll();
      var known = states.get(Number(matchId));
      return known && typeof known.seq === "number" ? known.seq : null;
    },
    onSnapshot: function (message) {
      if (!message.day) return;
      offsetMs = MC.serverOffset(message.server_time);
      // The snapshot holds every match of its UTC date as it is: those no longer in it left that date.
      states.forEach(function (match, id) {
        if (utcDate(match.kickoff) === message.day) states.delete(id);
      });
      (message.matches || []).forEach(function (match) {
        states.set(match.id, match);
        render(match, true);
      });
      if (listOutdated()) refreshList();
    },
    onChange: function (message) {
      var id = Number(message.match_id);
      var match = Object.assign({}, states.get(id) || {}, message.match || {}, { id: id, seq: message.seq });
      states.set(id, match);
      render(match, true);
      if (listOutdated()) refreshList();
    },
    onStatus: function (status, detail) {
      MC.showStatus(status, detail);
    },
  });
})();
