/*
 * console/timeline-actions.js: the buttons the console adds to each event in the timeline.
 *
 * The timeline's markup is the public page's (the server renders it, live.js places it);
 * the console adds Edit / Delete, and for a VAR check On-field review / Decide… (or, for
 * admins, Change decision…). Delete and On-field review are sent at once with the version
 * seen (DELETE ?version=, POST …/on-field-review?version=); a 409 goes to showConflict.
 *
 *   MC.TimelineActions.create({view, form, request, eventUrl, canCorrect, say, showConflict, openVarDialog})
 *     view           the live MC.MatchView (events by id)
 *     form           the MC.EventForm: Edit opens the event in it; refusals are shown there
 *     request        from MC.EditorApi.requester
 *     eventUrl       "/api/events/"
 *     canCorrect     whether this editor may change a VAR decision already made
 *     say           (text) the console's status line
 *     showConflict  (data, id) a 409's answer (MC.ConflictDialog's show)
 *     openVarDialog (check) MC.VarDialog's open
 *   returns
 *     decorate()  add the buttons to events that have none yet; call after the timeline changes
 */
(function () {
  "use strict";
  var MC = window.Matchcentre;
  // The console's words in the page's language (live.js's helpers over Django's JavaScriptCatalog, /jsi18n/).
  var gettext = MC.gettext;
  var interpolate = MC.interpolate;
  var eventSummary = MC.EditorApi.eventSummary;

  function actionButton(action, id, text, extraClass) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button--small" + (extraClass ? " " + extraClass : "");
    button.dataset.action = action;
    button.dataset.eventId = id;
    button.textContent = text;
    return button;
  }

  function notRecorded(reason) {
    return interpolate(gettext("Not recorded. %(reason)s"), { reason: reason });
  }

  function create(options) {
    var view = options.view;
    var form = options.form;
    var request = options.request;
    var eventUrl = options.eventUrl;
    var canCorrect = options.canCorrect;
    var say = options.say;
    var showConflict = options.showConflict;
    var openVarDialog = options.openVarDialog;

    function decorate() {
      var timeline = document.getElementById("timeline");
      if (!timeline) return;
      timeline.querySelectorAll("li.event").forEach(function (item) {
        if (item.querySelector(".event__actions")) return;
        var id = Number(item.id.slice("event-".length));
        var state = item.dataset.state || "active";
        var kind = item.dataset.kind;
        var actions = document.createElement("div");
        actions.className = "event__actions";
        if (state === "active" && MC.EventForm.isEditable(kind)) actions.appendChild(actionButton("edit", id, gettext("Edit")));
        if (state !== "removed") actions.appendChild(actionButton("delete", id, gettext("Delete"), "button--danger"));
        if (kind === "shootout_kick" && state === "active") actions.appendChild(actionButton("retake", id, gettext("Retake…")));
        if (kind === "var_check" && state === "active") {
          var outcome = item.dataset.varOutcome || "in_progress";
          if (outcome === "in_progress") actions.appendChild(actionButton("ofr", id, gettext("On-field review")));
          if (outcome === "in_progress" || outcome === "on_field_review") {
            actions.appendChild(actionButton("var", id, gettext("Decide…"), "button--primary"));
          } else if (canCorrect) {
            actions.appendChild(actionButton("var", id, gettext("Change decision…")));
          }
        }
        if (actions.childElementCount) item.appendChild(actions);
      });
      // The timeline may have been redrawn: mark the event being edited again.
      form.highlightEditing();
    }

    function deleteEvent(event) {
      if (!event) return;
      var question = gettext("Delete “%(event)s”?\nFans will see it struck out.");
      if (!window.confirm(interpolate(question, { event: eventSummary(event) }))) return;
      var url = eventUrl + event.id + "?version=" + encodeURIComponent(event.version);
      request("DELETE", url)
        .then(function (result) {
          if (result.status >= 200 && result.status < 300) {
            if (result.data && result.data.event) view.events.set(event.id, result.data.event);
            say(interpolate(gettext("Deleted: %(event)s"), { event: eventSummary(event) }));
            if (form.editingId() === event.id) form.exitEdit();
          } else if (result.status === 409) {
            showConflict(result.data, event.id);
          } else {
            var error = MC.EditorApi.describeError(result.status, result.data);
            form.clearErrors();
            form.showError(interpolate(gettext("Not deleted. %(reason)s"), { reason: error.message }));
          }
        })
        .catch(function () {
          form.clearErrors();
          form.showError(gettext("Not deleted: no answer from the server. Try again."));
        });
    }

    /** The referee orders the last kick taken again: it stops counting, and the same team kicks again. */
    function orderRetake(kick, button) {
      if (!kick) return;
      var reason = window.prompt(
        interpolate(gettext("Why is “%(event)s” retaken? (shown to fans)"), { event: eventSummary(kick) }),
        gettext("Goalkeeper off the line")
      );
      if (reason === null) return;
      if (!reason.trim()) {
        form.clearErrors();
        form.showError(gettext("Not recorded: say why the kick is retaken."));
        return;
      }
      button.disabled = true;
      request("POST", eventUrl + kick.id + "/retake", { reason: reason.trim() })
        .then(function (result) {
          if (result.status >= 200 && result.status < 300) {
            if (result.data && result.data.event) view.events.set(kick.id, result.data.event);
            say(interpolate(gettext("Retake ordered: %(event)s"), { event: eventSummary(kick) }));
          } else {
            form.clearErrors();
            form.showError(notRecorded(MC.EditorApi.describeError(result.status, result.data).message));
          }
        })
        .catch(function () {
          form.clearErrors();
          form.showError(gettext("Not recorded: no answer from the server. Try again."));
        })
        .finally(function () {
          button.disabled = false;
        });
    }

    function startOnFieldReview(check, button) {
      if (!check) return;
      button.disabled = true;
      request("POST", eventUrl + check.id + "/on-field-review?version=" + encodeURIComponent(check.version))
        .then(function (result) {
          if (result.status >= 200 && result.status < 300) {
            if (result.data && result.data.event) view.events.set(check.id, result.data.event);
            say(interpolate(gettext("On-field review: %(event)s"), { event: eventSummary(check) }));
          } else if (result.status === 409) {
            showConflict(result.data, check.id);
          } else {
            form.clearErrors();
            form.showError(notRecorded(MC.EditorApi.describeError(result.status, result.data).message));
          }
        })
        .catch(function () {
          form.clearErrors();
          form.showError(gettext("Not recorded: no answer from the server. Try again."));
        })
        .finally(function () {
          button.disabled = false;
        });
    }

    document.getElementById("timeline-container").addEventListener("click", function (event) {
      var button = event.target.closest("button[data-action]");
      if (!button) return;
      var record = view.events.get(Number(button.dataset.eventId));
      var action = button.dataset.action;
      if (action === "edit") form.startEdit(record);
      else if (action === "delete") deleteEvent(record);
      else if (action === "ofr") startOnFieldReview(record, button);
      else if (action === "var") openVarDialog(record);
      else if (action === "retake") orderRetake(record, button);
    });

    return { decorate: decorate };
  }

  MC.TimelineActions = { create: create };
})();
