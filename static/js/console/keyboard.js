/*
 * console/keyboard.js: the console from the keyboard alone.
 *
 * Outside text fields: each kind's letter (its radio's data-shortcut, the same letter the
 * server prints on its button) picks the kind and moves on to the first thing it needs;
 * "t" switches team, "/" jumps to the commentary, "?" shows the shortcuts, Esc cancels an
 * edit (or hides the shortcuts). Enter records from anywhere in the form; in the commentary
 * Shift+Enter is a new line. Nothing is taken while a dialog is open.
 *
 *   MC.Keyboard.install({form, dialogs})
 *     form     the MC.EventForm
 *     dialogs  objects with isOpen() (MC.ConflictDialog, MC.VarDialog)
 *   returns
 *     toggleHelp(force)  show / hide #shortcuts-help (the "Keyboard shortcuts" button's action)
 */
(function () {
  "use strict";
  var MC = window.Matchcentre;

  var $ = MC.EditorApi.byId;

  function isTyping(target) {
    if (!target || !target.closest) return false;
    if (target.isContentEditable) return true;
    var tag = target.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    if (tag === "INPUT") return ["radio", "checkbox", "button", "submit", "reset"].indexOf(target.type) === -1;
    return false;
  }

  function install(options) {
    var form = options.form;
    var dialogs = options.dialogs;
    var element = form.element;
    var fields = form.fields;

    var shortcuts = {};
    element.querySelectorAll('input[name="kind"][data-shortcut]').forEach(function (radio) {
      if (radio.dataset.shortcut) shortcuts[radio.dataset.shortcut] = radio.value;
    });

    /** After a kind is picked by key: on to the first thing it needs. */
    function focusAfterKind() {
      var s = form.spec();
      var target = null;
      if (s.team) target = element.querySelector('input[name="team"]:checked');
      else if (s.added) target = fields.added_minute;
      else if (s.var) target = fields.reviewed_event;
      else target = $("event-submit");
      if (target) target.focus();
    }

    function toggleHelp(force) {
      var help = $("shortcuts-help");
      var show = force === undefined ? help.hidden : force;
      help.hidden = !show;
      $("shortcuts-toggle").setAttribute("aria-expanded", String(show));
    }

    document.addEventListener("keydown", function (event) {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
      if (dialogs.some(function (dialog) { return dialog.isOpen(); })) return;
      if (event.key === "Escape") {
        if (form.isEditing()) {
          event.preventDefault();
          form.exitEdit();
        } else if (!$("shortcuts-help").hidden) {
          toggleHelp(false);
        }
        return;
      }
      if (isTyping(event.target)) return;
      if (event.key === "?") {
        event.preventDefault();
        toggleHelp();
        return;
      }
      if (event.key === "/") {
        event.preventDefault();
        fields.commentary.focus();
        return;
      }
      if (event.key === "t" || event.key === "T") {
        if (!form.spec().team) return;
        event.preventDefault();
        form.setSide(form.currentSide() === "home" ? "away" : "home");
        var team = element.querySelector('input[name="team"]:checked');
        if (team) team.focus();
        return;
      }
      var kind = shortcuts[event.key.toLowerCase()];
      if (kind) {
        var radio = $("kind-" + kind);
        if (!radio || radio.disabled) return;
        event.preventDefault();
        form.setKind(kind);
        focusAfterKind();
      }
    });

    // Enter records from anywhere in the form; in the commentary Shift+Enter is a new line.
    element.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || event.isComposing || event.ctrlKey || event.altKey || event.metaKey) return;
      var target = event.target;
      if (target.tagName === "BUTTON") return;
      if (target.tagName === "TEXTAREA" && event.shiftKey) return;
      event.preventDefault();
      element.requestSubmit ? element.requestSubmit() : element.dispatchEvent(new Event("submit", { cancelable: true }));
    });

    $("shortcuts-toggle").addEventListener("click", function () {
      toggleHelp();
    });

    return { toggleHelp: toggleHelp };
  }

  MC.Keyboard = { install: install };
})();
