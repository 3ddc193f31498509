/*
 * console/undo.js: "Undo" for the event this console has just recorded, for 10 seconds.
 *
 * The press box notices a slip at once: the wrong player, the wrong key. For UNDO_SECONDS after
 * the server records an event from this console, #undo-bar offers to take it back (its button, or
 * "u" from the keyboard). Undoing is the ordinary removal, DELETE {eventUrl}{id}?version=&reason=,
 * through the same services as any other: logged with its reason, pushed to every open page, and
 * seen by fans as removed. A 409 (someone changed it since) goes to showConflict.
 *
 *   MC.UndoLast.create({request, eventUrl, view, say, showError, showConflict})
 *   returns
 *     offer(event, label)  a recorded event (the API's event dict) and how the console named it
 *     undo()               take back the one on offer; false when there is none
 */
(function () {
  "use strict";
  var MC = window.Matchcentre;
  // The console's words in the page's language (live.js's helpers over Django's JavaScriptCatalog, /jsi18n/).
  var gettext = MC.gettext;
  var interpolate = MC.interpolate;
  var UNDO_SECONDS = 10;
  // Kept with the removal and shown to fans in the match's history, like any reason an editor types: in the
  // editor's language, as the commentary is.
  var REASON = gettext("Undone from the console just after it was recorded");

  var $ = MC.EditorApi.byId;

  function create(options) {
    var request = options.request;
    var eventUrl = options.eventUrl;
    var view = options.view;
    var say = options.say;
    var showError = options.showError;
    var showConflict = options.showConflict;
    var bar = $("undo-bar");
    var offered = null; // {event, label, until}
    var timer = null;

    function render() {
      var left = offered ? Math.ceil((offered.until - Date.now()) / 1000) : 0;
      if (!offered || left <= 0) {
        offered = null;
        bar.hidden = true;
        clearInterval(timer);
        timer = null;
        return;
      }
      bar.hidden = false;
      $("undo-time").textContent = interpolate(gettext("%(seconds)s s"), { seconds: left });
    }

    function offer(event, label) {
      offered = { event: event, label: label, until: Date.now() + UNDO_SECONDS * 1000 };
      $("undo-text").textContent = interpolate(gettext("Recorded: %(event)s."), { event: label });
      clearInterval(timer);
      timer = setInterval(render, 250);
      render();
    }

    function undo() {
      if (!offered || Date.now() > offered.until) return false;
      var target = offered;
      offered = null;
      render();
      // The version as this console last saw it: a change by someone else since is a 409, not lost.
      var seen = view.events.get(target.event.id) || target.event;
      var url = eventUrl + target.event.id + "?version=" + encodeURIComponent(seen.version) + "&reason=" + encodeURIComponent(REASON);
      request("DELETE", url)
        .then(function (result) {
          if (result.status >= 200 && result.status < 300) {
            if (result.data && result.data.event) view.events.set(target.event.id, result.data.event);
            say(interpolate(gettext("Undone: %(event)s"), { event: target.label }));
          } else if (result.status === 409) {
            showConflict(result.data, target.event.id);
          } else {
            showError(interpolate(gettext("Not undone. %(reason)s"), { reason: MC.EditorApi.describeError(result.status, result.data).message }));
          }
        })
        .catch(function () {
          showError(gettext("Not undone: no answer from the server. Delete it from the timeline instead."));
        });
      return true;
    }

    $("undo-button").addEventListener("click", undo);

    return { offer: offer, undo: undo };
  }

  MC.UndoLast = { create: create };
})();
