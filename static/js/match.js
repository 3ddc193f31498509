/*
 * match.js: the public match page. Wires live.js's MatchView to the page, runs the clock, and adds what
 * only fans see:
 *   - before kick-off, a countdown to it (the score appears at kick-off);
 *   - a compact score strip that stays at the top of the screen once the score header has scrolled away;
 *   - a goal, or a goal taken away, as a moment: a banner on the page and in the tab's title for a few
 *     seconds (the banner does not move for readers who prefer reduced motion: static/css/match.css);
 *   - headings that stop saying "live" once the match is over.
 */
(function () {
  "use strict";
  var MC = window.Matchcentre;
  var gettext = MC.gettext;
  var pgettext = MC.pgettext;
  var interpolate = MC.interpolate;
  var snapshot = MC.readJson("snapshot");
  if (!snapshot) return;

  var MOMENT_MS = 8000;
  var TITLE_MOMENT_MS = 12000;
  var momentTimer = null;
  var titleTimer = null;

  var view = new MC.MatchView({
    updateTitle: true,
    onApplied: function () {
      renderPage();
    },
    onMoment: showMoment,
  });

  function $(id) {
    return document.getElementById(id);
  }

  function setText(element, text) {
    if (element && element.textContent !== String(text)) element.textContent = text;
  }

  function teamName(team) {
    return team ? team.short_name || team.name : "";
  }

  function scoreLine(m) {
    return teamName(m.home) + " " + m.home_score + "–" + m.away_score + " " + teamName(m.away);
  }

  /** What changes with the match's state outside the score header. */
  function renderPage() {
    var m = view.match;
    if (!m) return;
    setText($("timeline-heading"), m.status === "live" ? gettext("Live events") : gettext("Match events"));
    var strip = $("score-strip");
    if (strip) strip.dataset.status = m.status;
    tick();
  }

  /** Twice a second, with the clock: the countdown and the strip's clock. */
  function tick() {
    var m = view.match;
    if (!m) return;
    var countdown = $("countdown");
    if (countdown && m.period === "pre_match") {
      setText(countdown, MC.countdownText(Date.parse(countdown.dataset.kickoff), view.now()));
    }
    setText($("strip-score"), m.period === "pre_match" ? pgettext("versus", "v") : m.home_score + "–" + m.away_score);
    setText($("strip-clock"), MC.clockLabel(m, view.clockTime()));
  }

  function showMoment(moment) {
    var event = moment.event;
    var m = moment.match;
    var scorer = event.player ? event.player.name : teamName(event.team);
    var note = event.kind === "penalty_goal"
      ? " (" + pgettext("penalty, after a scorer's minute", "pen") + ")"
      : event.kind === "own_goal" ? " (" + pgettext("own goal, after a scorer's minute", "og") + ")" : "";
    var title, text;
    if (moment.kind === "goal") {
      title = gettext("GOAL!");
      text = scorer + " " + event.minute_label + note + " · " + scoreLine(m);
      view.titlePrefix = gettext("GOAL!") + " ";
    } else {
      title = gettext("NO GOAL");
      text = (event.state_reason || interpolate(gettext("%(scorer)s's goal is disallowed"), { scorer: scorer })) +
        " · " + scoreLine(m);
      view.titlePrefix = gettext("NO GOAL") + " · ";
    }
    view.renderTitle();
    clearTimeout(titleTimer);
    titleTimer = setTimeout(function () {
      view.titlePrefix = "";
      view.renderTitle();
    }, TITLE_MOMENT_MS);

    var banner = $("moment");
    if (!banner) return;
    setText($("moment-title"), title);
    setText($("moment-text"), text);
    banner.dataset.kind = moment.kind;
    banner.hidden = false;
    // Restart the entrance when a second moment follows the first.
    banner.classList.remove("moment--in");
    void banner.offsetWidth;
    banner.classList.add("moment--in");
    clearTimeout(momentTimer);
    momentTimer = setTimeout(function () {
      banner.hidden = true;
      banner.classList.remove("moment--in");
    }, MOMENT_MS);
  }

  /** The strip shows once the score header is out of sight, and hides when it is back. */
  function watchScoreHeader() {
    var board = $("scoreboard");
    var strip = $("score-strip");
    if (!board || !strip || !("IntersectionObserver" in window)) return;
    new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        strip.classList.toggle("score-strip--shown", !entry.isIntersecting);
      });
    }).observe(board.querySelector(".scoreboard__main") || board);
  }

  view.init(snapshot);
  view.startClock();
  renderPage();
  setInterval(tick, 500);
  watchScoreHeader();

  MC.live = view.connect(document.body.dataset.wsPath, document.body.dataset.matchId);
  MC.view = view;
})();
