/*
 * console/conflict-dialog.js: "changed by someone else" (#conflict-dialog).
 *
 * Edits, deletions and on-field reviews carry the version the editor saw; the server answers
 * 409 with the event as it is now. The dialog shows it and, when it can still be edited,
 * offers to redo the edit from there.
 *
 *   MC.ConflictDialog.create({view, isEditable, onRedo})
 *     view        the live MC.MatchView: the event as it is now is stored in view.events
 *     isEditable  (kind) whether that kind can be edited (MC.EventForm.isEditable)
 *     onRedo      (event) edit the event as it now is
 *   returns
 *     show(data, id)  data is the 409 body ({detail, current}); id the event it was about
 *     isOpen()
 */
(function () {
  "use strict";
  var MC = window.Matchcentre;
  // The console's words in the page's language (live.js's helpers over Django's JavaScriptCatalog, /jsi18n/).
  var gettext = MC.gettext;
  var interpolate = MC.interpolate;
  var eventSummary = MC.EditorApi.eventSummary;

  var $ = MC.EditorApi.byId;

  function create(options) {
    var view = options.view;
    var isEditable = options.isEditable;
    var onRedo = options.onRedo;
    var dialog = $("conflict-dialog");
    var conflictEvent = null;

    function show(data, id) {
      data = data || {};
      var current = data.current || view.events.get(id) || null;
      if (current) view.events.set(current.id, current);
      conflictEvent = current;
      $("conflict-detail").textContent = data.detail || gettext("This event was changed by someone else.");
      $("conflict-current").textContent = current
        ? eventSummary(current) + (current.commentary ? ": " + interpolate(gettext("“%(text)s”"), { text: current.commentary }) : "")
        : gettext("(unknown)");
      $("conflict-redo").hidden = !current || current.state !== "active" || !isEditable(current.kind);
      MC.EditorApi.openDialog(dialog);
    }

    function close() {
      MC.EditorApi.closeDialog(dialog);
    }

    $("conflict-redo").addEventListener("click", function () {
      close();
      onRedo(conflictEvent);
    });
    $("conflict-close").addEventListener("click", close);

    return {
      show: show,
      isOpen: function () {
        return dialog.open;
      },
    };
  }

  MC.ConflictDialog = { create: create };
})();
