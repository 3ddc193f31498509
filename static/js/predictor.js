/*
 * predictor.js: the group page's predictor. Scores typed for the matches still to finish are
 * sent to POST /api/groups/{id}/what-if; the answer's server-rendered table (html.table) takes
 * the place of the predictor's table (hidden while nothing is predicted: it would only repeat the
 * live table), its moved rows sliding as on the live table, and its
 * scenarios (html.scenarios) those of the page's "what each team needs" panel. A match left
 * blank (or half-filled) counts as it stands: its live score, or not at all if not started.
 *
 * When a live change arrives (group.js calls Matchcentre.predictor.matchChanged) the live score
 * shown beside a match is updated and, while any score is typed, the prediction is asked again:
 * the other matches' live scores are part of it.
 */
(function () {
  "use strict";
  // The page's strings in its language (Django's JavaScriptCatalog, /jsi18n/, loaded before this file).
  var gettext = typeof window.gettext === "function" ? window.gettext : function (text) { return text; };
  var ngettext = typeof window.ngettext === "function" ? window.ngettext : function (one, many, n) { return n === 1 ? one : many; };
  function interpolate(format, values) {
    return format.replace(/%\((\w+)\)s/g, function (_match, name) { return String(values[name]); });
  }
  var MC = window.Matchcentre;
  var form = document.getElementById("predictor-form");
  if (!form) return;
  var url = form.dataset.whatIf;
  var container = document.getElementById("predictor-table");
  var status = document.getElementById("predictor-status");
  var DEBOUNCE_MS = 150;
  var timer = null;
  var asked = 0; // the number of the latest request; older answers are dropped
  var controller = null;
  var lastBody = null;
  var basis = document.getElementById("scenarios-basis");
  var liveBasis = basis ? basis.textContent : "";

  function setText(element, text) {
    if (element && element.textContent !== String(text)) element.textContent = text;
  }

  /** A goal count typed in an input: an integer 0-99, null when blank, NaN when not a count. */
  function goals(input) {
    var value = input.value.trim();
    if (value === "") return input.validity && input.validity.badInput ? NaN : null;
    if (!/^\d{1,2}$/.test(value)) return NaN;
    return Number(value);
  }

  function results() {
    var list = [];
    var invalid = false;
    form.querySelectorAll(".predictor__match").forEach(function (row) {
      var home = row.querySelector('[data-side="home"]');
      var away = row.querySelector('[data-side="away"]');
      var h = goals(home);
      var a = goals(away);
      [[home, h], [away, a]].forEach(function (pair) {
        var bad = typeof pair[1] === "number" && isNaN(pair[1]);
        if (bad) pair[0].setAttribute("aria-invalid", "true");
        else pair[0].removeAttribute("aria-invalid");
        invalid = invalid || bad;
      });
      var complete = typeof h === "number" && typeof a === "number" && !isNaN(h) && !isNaN(a);
      row.dataset.predicted = complete ? "true" : "false";
      if (complete) list.push({ match: Number(row.dataset.matchId), home_goals: h, away_goals: a });
    });
    return { results: list, invalid: invalid };
  }

  function schedule(delay) {
    clearTimeout(timer);
    timer = setTimeout(ask, delay === undefined ? DEBOUNCE_MS : delay);
  }

  function ask(force) {
    var state = results();
    if (state.invalid) {
      setText(status, gettext("Scores are whole numbers from 0 to 99."));
      return;
    }
    var body = JSON.stringify({ results: state.results });
    if (body === lastBody && !force) return;
    lastBody = body;
    var number = ++asked;
    if (controller) controller.abort();
    controller = typeof AbortController !== "undefined" ? new AbortController() : null;
    container.setAttribute("aria-busy", "true");
    fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      credentials: "same-origin",
      body: body,
      signal: controller ? controller.signal : undefined,
    })
      .then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) throw new Error((data && data.detail) || "HTTP " + response.status);
          return data;
        });
      })
      .then(function (data) {
        if (number !== asked) return;
        var count = state.results.length;
        // Shown before the new markup goes in, so that its rows slide from where they were.
        container.hidden = !count;
        if (data.html && data.html.table) MC.replaceTable(container, data.html.table);
        container.dataset.state = count ? "predicted" : "current";
        var scores = { count: count };
        setText(status, count ? interpolate(ngettext("Table and what each team needs with your score.",
          "Table and what each team needs with your %(count)s scores.", count), scores) : "");
        var panel = MC.scenarios && MC.scenarios.main;
        if (panel && data.html && data.html.scenarios) panel.replace(data.html.scenarios);
        if (basis) {
          basis.dataset.basis = count ? "predicted" : "live";
          setText(basis, count ? interpolate(ngettext("With your score in the predictor; clear it to see the real table again.",
            "With your %(count)s scores in the predictor; clear them to see the real table again.", count), scores) : liveBasis);
        }
        document.dispatchEvent(new CustomEvent("matchcentre:prediction", { detail: { table: data, results: state.results } }));
      })
      .catch(function (error) {
        if (error && error.name === "AbortError") return;
        if (number !== asked) return;
        lastBody = null; // ask again next time
        setText(status, interpolate(gettext("Could not work the table out (%(error)s). It updates when you next type."),
          { error: error.message }));
      })
      .finally(function () {
        if (number === asked) container.removeAttribute("aria-busy");
      });
  }

  form.addEventListener("input", function () {
    schedule();
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    schedule(0);
  });
  form.addEventListener("reset", function () {
    // After the browser has cleared the inputs.
    setTimeout(function () {
      form.querySelectorAll("[aria-invalid]").forEach(function (input) {
        input.removeAttribute("aria-invalid");
      });
      schedule(0);
    }, 0);
  });

  /**
   * A live change of one match: update its live score hint, and the predictor's table: the
   * prediction asked again while scores are typed, else the live table itself (`tableHtml`).
   */
  function matchChanged(match, tableHtml) {
    var row = form.querySelector('.predictor__match[data-match-id="' + match.id + '"]');
    if (row && match.status) {
      row.dataset.status = match.status;
      if (match.status === "live") {
        row.querySelector('[data-side="home"]').placeholder = match.home_score;
        row.querySelector('[data-side="away"]').placeholder = match.away_score;
        var live = row.querySelector(".predictor__note .status--live");
        if (live) setText(live, interpolate(gettext("Live %(home)s–%(away)s"), { home: match.home_score, away: match.away_score }));
      }
    }
    if (container.dataset.state === "predicted") {
      schedule(300);
      return;
    }
    if (tableHtml) MC.replaceTable(container, tableHtml);
    if (MC.scenarios && MC.scenarios.main) MC.scenarios.main.soon();
  }

  MC.predictor = { matchChanged: matchChanged, refresh: function () { ask(true); } };
})();
