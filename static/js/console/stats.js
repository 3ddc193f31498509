/*
 * console/stats.js: the match statistics, one key each (the panel #stats-entry in the console).
 *
 * Choose the team ("[" home, "]" away, or click), then one key per statistic records it at once for that
 * team, at the minute the live clock reads: h shot, n shot on target, c corner, f foul, l offside. Each
 * key is registered with MC.Keyboard, so the console's guards apply (not while typing or in a dialog)
 * and a key the console already uses keeps its meaning: such a key is left out here, and its badge too.
 * A submission carries an idempotency key and is retried with it on a network error, a 5xx, a 401 or a
 * 429, so a blip neither loses nor doubles a count; a refusal is said in the panel, in the server's words.
 * The count beside each button is the chosen team's, from the live view (match.statistics).
 *
 *   MC.StatsEntry.install({view, request, url})
 *     view     the console's live MC.MatchView (clock, match.statistics)
 *     request  from MC.EditorApi.requester
 *     url      where new events are POSTed for this match
 *
 * Loaded after console.js, which builds the view; installs itself from the page when it can.
 */
(function () {
  "use strict";
  var MC = window.Matchcentre;
  // The console's words in the page's language (live.js's helpers over Django's JavaScriptCatalog, /jsi18n/).
  var gettext = MC.gettext;
  var interpolate = MC.interpolate;

  // One key per kind, and the statistic whose count each button shows (a shot on target counts as a shot
  // too: docs/api.md).
  var KINDS = [
    { kind: "shot", key: "h", statistic: "shots" },
    { kind: "shot_on_target", key: "n", statistic: "shots_on_target" },
    { kind: "corner", key: "c", statistic: "corners" },
    { kind: "foul", key: "f", statistic: "fouls" },
    { kind: "offside", key: "l", statistic: "offsides" },
  ];
  var TEAM_KEYS = { home: "[", away: "]" };
  // Keys keyboard.js handles before any registered one.
  var BUILT_IN_KEYS = ["t", "/", "?"];
  var RETRY_MIN_MS = 1000;
  var RETRY_MAX_MS = 30000;

  var $ = MC.EditorApi.byId;

  function newKey() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    return "stat-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  /** Worth sending again with the same key: the server may not have it (or cannot say yet). */
  function isTransient(status, data) {
    if (status >= 500 || status === 401 || status === 429) return true;
    return status === 403 && !!data && data.code === "csrf_failed";
  }

  function install(options) {
    var view = options.view;
    var request = options.request;
    var url = options.url;
    var panel = $("stats-entry");
    if (!panel) return null;
    var status = $("stats-entry-status");
    var waiting = 0;

    function say(text, state) {
      status.textContent = text;
      status.dataset.state = state || "";
    }

    function currentSide() {
      var checked = panel.querySelector('input[name="stats-team"]:checked');
      return checked ? checked.dataset.side : "home";
    }

    function teamOf(side) {
      var radio = $("stats-team-" + side);
      return { id: Number(radio.value), name: radio.dataset.name };
    }

    function chooseSide(side) {
      var radio = $("stats-team-" + side);
      radio.checked = true;
      showCounts();
      return radio;
    }

    /** The chosen team's count beside each button. */
    function showCounts() {
      var statistics = (view.match && view.match.statistics) || null;
      var side = currentSide();
      KINDS.forEach(function (entry) {
        var counts = statistics && statistics[entry.statistic];
        var count = panel.querySelector('[data-count-for="' + entry.kind + '"]');
        if (count) count.textContent = counts ? counts[side] : 0;
      });
    }

    function send(item) {
      request("POST", url, item.payload).then(
        function (answer) {
          if (answer.status === 200 || answer.status === 201) {
            finish(interpolate(gettext("%(statistic)s recorded for %(team)s (%(minute)s)."), {
              statistic: item.label, team: item.team, minute: item.minute,
            }), "ok");
          } else if (isTransient(answer.status, answer.data)) {
            retry(item, MC.EditorApi.describeError(answer.status, answer.data).message);
          } else {
            var error = MC.EditorApi.describeError(answer.status, answer.data);
            finish(interpolate(gettext("%(statistic)s for %(team)s not recorded: %(reason)s"), {
              statistic: item.label, team: item.team, reason: error.message,
            }), "refused");
          }
        },
        function () {
          retry(item, gettext("no connection"));
        }
      );
    }

    function retry(item, why) {
      var delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * Math.pow(2, item.attempt));
      item.attempt += 1;
      say(interpolate(gettext("%(statistic)s for %(team)s not sent yet (%(reason)s): trying again."), {
        statistic: item.label, team: item.team, reason: why,
      }), "waiting");
      setTimeout(function () {
        send(item);
      }, delay);
    }

    function finish(text, state) {
      waiting -= 1;
      say(text, state);
    }

    function record(kind) {
      var entry = KINDS.filter(function (each) {
        return each.kind === kind;
      })[0];
      if (!entry) return false;
      var reading = view.reading();
      var team = teamOf(currentSide());
      var label = $("stat-add-" + kind).dataset.label;
      if (!reading) {
        say(interpolate(
          gettext("%(statistic)s not recorded: the clock is stopped. Statistics are recorded while the ball is in play."),
          { statistic: label }
        ), "refused");
        return true;
      }
      var item = {
        label: label,
        team: team.name,
        minute: MC.formatReading(reading),
        attempt: 0,
        payload: {
          kind: kind,
          minute: reading.minute,
          added_minute: reading.added || null,
          team: team.id,
          idempotency_key: newKey(),
        },
      };
      waiting += 1;
      say(interpolate(gettext("Recording: %(statistic)s for %(team)s…"), { statistic: label, team: team.name }), "waiting");
      send(item);
      return true;
    }

    // --- wiring ---------------------------------------------------------------------------------------
    var taken = {};
    BUILT_IN_KEYS.forEach(function (key) {
      taken[key] = true;
    });
    document.querySelectorAll('input[name="kind"][data-shortcut]').forEach(function (radio) {
      if (radio.dataset.shortcut) taken[radio.dataset.shortcut.toLowerCase()] = true;
    });
    var keyboard = MC.Keyboard && MC.Keyboard.register ? MC.Keyboard : null;

    function bindKey(key, badge, target, action) {
      if (!keyboard || taken[key]) {
        if (badge) badge.hidden = true;
        if (keyboard) console.warn("Matchcentre: the statistics key " + key + " is taken; use the button");
        return;
      }
      taken[key] = true;
      keyboard.register(key, action);
      if (badge) {
        badge.textContent = key;
        badge.hidden = false;
      }
      target.setAttribute("aria-keyshortcuts", key);
    }

    KINDS.forEach(function (entry) {
      var button = $("stat-add-" + entry.kind);
      if (!button) return;
      button.addEventListener("click", function () {
        record(entry.kind);
      });
      bindKey(entry.key, button.querySelector("kbd"), button, function () {
        return record(entry.kind);
      });
    });
    Object.keys(TEAM_KEYS).forEach(function (side) {
      var radio = $("stats-team-" + side);
      if (!radio) return;
      radio.addEventListener("change", showCounts);
      bindKey(TEAM_KEYS[side], radio.parentElement.querySelector("kbd"), radio, function () {
        chooseSide(side).focus();
        return true;
      });
    });
    document.addEventListener("matchcentre:applied", showCounts);
    showCounts();

    return {
      record: record,
      chooseSide: chooseSide,
      pending: function () {
        return waiting;
      },
    };
  }

  MC.StatsEntry = { install: install, KINDS: KINDS, TEAM_KEYS: TEAM_KEYS };

  if (MC.view && document.body.dataset.apiCreate) {
    MC.statsEntry = install({
      view: MC.view,
      request: MC.EditorApi.requester($("stats-entry") || document.body),
      url: document.body.dataset.apiCreate,
    });
  }
})();
