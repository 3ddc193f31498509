/*
 * console/api.js: the editor API as the console calls it, and its answers put into words.
 *
 *   MC.EditorApi.requester(csrfForm)
 *     returns request(method, url, payload): fetch with a timeout, sending the CSRF token
 *     (from the cookie, else from csrfForm's hidden input); resolves {status, data, json}
 *     or rejects on a network failure. Every console module sends through one of these.
 *   MC.EditorApi.describeError(status, data)
 *     an API error body as {message, field, errors}, the field named as the form names it, in
 *     words an editor reads: the rules' own refusals as the server words them, a malformed value
 *     (422) said from its field and limit, never the validator's message; a 401 in the console's
 *     words (sign in again).
 *   MC.EditorApi.eventSummary(event)
 *     one line naming an event ("23' Goal — Dries Mertens (NAP)"), for banners, lists and dialogs.
 *   MC.EditorApi.intOrNull(value)
 *     a form value as the API wants a number: an integer, or null when blank or not a number.
 *   MC.EditorApi.byId(id)
 *     document.getElementById, for every console module.
 *   MC.EditorApi.openDialog(dialog), MC.EditorApi.closeDialog(dialog)
 *     a <dialog> shown modally (once) and closed, where showModal is missing too.
 *
 * A classic script loaded after live.js, before the other console/*.js files.
 */
(function () {
  "use strict";
  var MC = window.Matchcentre;
  // The console's words in the page's language (live.js's helpers over Django's JavaScriptCatalog, /jsi18n/).
  var gettext = MC.gettext;
  var ngettext = MC.ngettext;
  var pgettext = MC.pgettext;
  var interpolate = MC.interpolate;
  var REQUEST_TIMEOUT_MS = 15000;

  function requester(csrfForm) {
    function csrfToken() {
      var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
      if (match) return decodeURIComponent(match[1]);
      var input = csrfForm.querySelector('input[name="csrfmiddlewaretoken"]');
      return input ? input.value : "";
    }

    /** fetch with a timeout; resolves {status, data} or rejects on a network failure. */
    return function request(method, url, payload) {
      var controller = typeof AbortController !== "undefined" ? new AbortController() : null;
      var timer = controller ? setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS) : null;
      var init = {
        method: method,
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
        signal: controller ? controller.signal : undefined,
      };
      if (payload !== undefined) {
        init.headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(payload);
      }
      return fetch(url, init)
        .then(function (response) {
          var type = response.headers.get("Content-Type") || "";
          var parse = type.indexOf("json") !== -1 ? response.json().catch(function () { return null; }) : Promise.resolve(null);
          return parse.then(function (data) {
            return { status: response.status, data: data, json: type.indexOf("json") !== -1 };
          });
        })
        .finally(function () {
          clearTimeout(timer);
        });
    };
  }

  // How the console names each field the API may refuse: the subject of the sentences below.
  var FIELD_WORDS = {
    kind: gettext("The event"),
    minute: gettext("The minute"),
    added_minute: gettext("The added time"),
    team: gettext("The team"),
    player: gettext("The player"),
    second_player: gettext("The second player"),
    goal_type: gettext("The goal type"),
    injury: gettext("The injury box"),
    reviewed_event: gettext("The incident reviewed"),
    var_category: gettext("The decision checked"),
    var_reason: gettext("What is checked"),
    commentary: gettext("The commentary"),
    decision: gettext("The decision"),
    decision_reason: gettext("The reason for the decision"),
    reason: gettext("The reason"),
    version: gettext("The version of the event"),
    idempotency_key: gettext("The submission key"),
  };

  /** A malformed value (422) in words: its field and what it may be, whatever the validator said. */
  function plainInvalid(entry) {
    var name = String(entry.field || "").split(".").pop();
    var subject = FIELD_WORDS[name] || (name ? interpolate(gettext("The field “%(name)s”"), { name: name }) : gettext("This request"));
    var raw = String(entry.message || "");
    var bound;
    function say(format, limit) {
      return interpolate(format, { field: subject, limit: limit });
    }
    // Translators: in these sentences %(field)s is a field named as above, with its article ("The minute");
    // it always comes first, so word each one to fit any field.
    if ((bound = /less than or equal to (-?[0-9]+)/i.exec(raw))) return say(gettext("%(field)s can be at most %(limit)s."), bound[1]);
    if ((bound = /less than (-?[0-9]+)/i.exec(raw))) return say(gettext("%(field)s must be under %(limit)s."), bound[1]);
    if ((bound = /greater than or equal to (-?[0-9]+)/i.exec(raw))) return say(gettext("%(field)s must be at least %(limit)s."), bound[1]);
    if ((bound = /greater than (-?[0-9]+)/i.exec(raw))) return say(gettext("%(field)s must be over %(limit)s."), bound[1]);
    if ((bound = /at most ([0-9]+) characters?/i.exec(raw))) {
      var most = Number(bound[1]);
      return say(ngettext("%(field)s is too long: at most %(limit)s character.", "%(field)s is too long: at most %(limit)s characters.", most), most);
    }
    if (/NUL/.test(raw)) return say(gettext("%(field)s contains a character that cannot be stored."));
    if (/extra inputs/i.test(raw)) return say(gettext("%(field)s is not something the server takes: reload the page to update the console."));
    if (/required|missing/i.test(raw)) return say(gettext("%(field)s is missing."));
    if (/integer|number|digits/i.test(raw)) return say(gettext("%(field)s must be a whole number."));
    if (/bool/i.test(raw)) return say(gettext("%(field)s must be ticked or not."));
    return say(gettext("%(field)s was not accepted: check it and try again."));
  }

  /** Turn an API error body into {message, field, errors}, in plain words. */
  function describeError(status, data) {
    data = data || {};
    var errors = Array.isArray(data.errors) ? data.errors : [];
    var field = data.field || (errors[0] && errors[0].field) || null;
    if (field && field.indexOf(".") !== -1) field = field.split(".").pop();
    if (status === 422 && (data.code === "invalid" || errors.length)) {
      errors = errors.map(function (entry) {
        return { field: entry.field, message: plainInvalid(entry) };
      });
      var message422 = errors.length ? errors[0].message : plainInvalid({ field: field, message: "" });
      return { message: message422, field: field, errors: errors };
    }
    var message = data.detail || (errors[0] && errors[0].message) ||
      interpolate(gettext("The server refused this (HTTP %(status)s)."), { status: status });
    // 401: the session ended (the API's own words also address token clients).
    if (status === 401) message = gettext("Not signed in any more: sign in again in another tab, then retry.");
    return { message: message, field: field, errors: errors };
  }

  // An event no longer standing, after its summary.
  var STATE_WORDS = {
    removed: pgettext("an event's state", "removed"),
    disallowed: pgettext("an event's state", "disallowed"),
    retaken: pgettext("an event's state", "retaken"),
  };

  /** The kind's name as the event form's button says it (the page's language), else as the event has it. */
  function kindLabel(event) {
    var radio = document.getElementById("kind-" + event.kind);
    var label = radio && radio.closest("label") ? radio.closest("label").querySelector(".kind-option__label") : null;
    return label ? label.textContent : event.kind_label;
  }

  function eventSummary(event) {
    if (!event) return "";
    var text = event.minute_label + " " + kindLabel(event);
    if (event.player) text += " — " + event.player.name;
    if (event.team) text += " (" + (event.team.short_name || event.team.name) + ")";
    if (event.state && event.state !== "active") text += " [" + (STATE_WORDS[event.state] || event.state) + "]";
    return text;
  }

  function byId(id) {
    return document.getElementById(id);
  }

  // A <dialog> shown modally, or as an open element where the browser has no showModal.
  function openDialog(dialog) {
    if (typeof dialog.showModal !== "function") dialog.setAttribute("open", "");
    else if (!dialog.open) dialog.showModal();
  }

  function closeDialog(dialog) {
    if (typeof dialog.close === "function" && dialog.open) dialog.close();
    else dialog.removeAttribute("open");
  }

  function intOrNull(value) {
    if (value === "" || value === null || value === undefined) return null;
    var number = parseInt(value, 10);
    return isNaN(number) ? null : number;
  }

  MC.EditorApi = {
    requester: requester,
    describeError: describeError,
    eventSummary: eventSummary,
    intOrNull: intOrNull,
    byId: byId,
    openDialog: openDialog,
    closeDialog: closeDialog,
  };
})();
