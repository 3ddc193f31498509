/*
 * scenarios.js: the "what each team needs" panel of the group and matchday pages.
 *
 * The markup is the server's (events/_scenarios.html): GET /api/groups/{id}/scenarios answers
 * with it as `html`, and the predictor's what-if answer carries it as `html.scenarios`. This file
 * only places it, keeps the newest answer when several cross, keeps open the teams' reasoning a
 * reader has opened, and flashes only the sentences and lines whose words changed (each has a
 * data-flash-key), never a whole team. Matchcentre.scenarios.main is the page's panel (#scenarios-container):
 * {refresh, soon, replace}; it fetches the scenarios at load when the page came without them.
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
  var DEBOUNCE_MS = 250;

  function text(element) {
    return element ? element.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function panel(container) {
    if (!container) return null;
    var url = container.dataset.scenariosUrl;
    var status = container.parentNode.querySelector("[data-scenarios-status]");
    var asked = 0;
    var timer = null;

    function setStatus(message) {
      if (status && status.textContent !== message) status.textContent = message;
    }

    /** Put new server markup in place; flash the sentences and lines that read differently now. */
    function place(html) {
      var fresh = MC.fromHtml(html);
      if (!fresh) return;
      var before = new Map();
      container.querySelectorAll("[data-flash-key]").forEach(function (piece) {
        before.set(piece.dataset.flashKey, text(piece));
      });
      var open = new Set();
      container.querySelectorAll("[data-team-id] > details[open]").forEach(function (details) {
        open.add(details.parentNode.dataset.teamId);
      });
      fresh.querySelectorAll("[data-team-id] > details").forEach(function (details) {
        if (open.has(details.parentNode.dataset.teamId)) details.open = true;
      });
      var hadAny = before.size > 0;
      container.replaceChildren(fresh);
      container.dataset.state = "ready";
      container.removeAttribute("aria-busy");
      setStatus("");
      if (!hadAny) return;
      fresh.querySelectorAll("[data-flash-key]").forEach(function (piece) {
        if (before.get(piece.dataset.flashKey) !== text(piece)) MC.flash(piece, "scenario--changed", 3000);
      });
    }

    /** Ask the server again (after a change, or at load when the page came without them). */
    function refresh() {
      if (!url) return Promise.resolve();
      var number = ++asked;
      container.setAttribute("aria-busy", "true");
      return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        })
        .then(function (data) {
          if (number === asked && data && data.html) place(data.html);
        })
        .catch(function (error) {
          if (number !== asked) return;
          container.removeAttribute("aria-busy");
          setStatus(interpolate(
            gettext("Could not update what each team needs (%(error)s); it updates with the next goal."),
            { error: error.message }
          ));
        });
    }

    /** Markup from elsewhere (the predictor's answer): it wins over any answer still on its way. */
    function replace(html) {
      asked += 1;
      clearTimeout(timer);
      place(html);
    }

    function soon() {
      clearTimeout(timer);
      timer = setTimeout(refresh, DEBOUNCE_MS);
    }

    if (!container.querySelector("#scenarios")) refresh();
    return { refresh: refresh, soon: soon, replace: replace };
  }

  // The page's own panel, if it has one: the group page's predictor and the live pages update it.
  MC.scenarios = { panel: panel, main: panel(document.getElementById("scenarios-container")) };
})();
