/*
 * console/keyboard.js: the console from the keyboard alone.
 *
 * Outside text fields: each kind's letter (its radio's data-shortcut, the same letter the
 * server prints on its button) picks the kind and moves on to the first thing it needs (the
 * player, for most); "t" switches team, "/" jumps to the commentary, "?" shows the shortcuts,
 * Esc cancels an edit (or hides the shortcuts), and each of `actions` has its own key ("d"
 * decides the open VAR check, "u" undoes the last event). Enter records from anywhere in the
 * form; in the commentary Shift+Enter is a new line. Nothing is taken while a dialog is open.
 *
 *   MC.Keyboard.install({form, dialogs, actions})
 *     form     the MC.EventForm
 *     dialogs  objects with isOpen() (MC.ConflictDialog, MC.VarDialog)
 *     actions  {key: function} more shortcuts; a function returns false when it had nothing to do
 *   returns
 *     toggleHelp(force)  show / hide #shortcuts-help (the "Keyboard shortcuts" button's action)
 *   MC.Keyboard.register(key, action)
 *     a module's own key, like one of `actions` (console/stats.js); a key already in use keeps its meaning
 */
(function () {
  "use strict";
  var MC = window.Matchcentre;

  var $ = MC.EditorApi.byId;

  // Keys other console modules add for themselves (MC.Keyboard.register), under the same guards; the
  // kinds' letters and `actions` come first, so a module can never take a key already in use.
  var registered = {};

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
    var actions = options.actions || {};
    var element = form.element;
    var fields = form.fields;

    var shortcuts = {};
    element.querySelectorAll('input[name="kind"][data-shortcut]').forEach(function (radio) {
      if (radio.dataset.shortcut) shortcuts[radio.dataset.shortcut] = radio.value;
    });

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
        form.focusFirst();
        return;
      }
      var action = actions[event.key.toLowerCase()] || registered[event.key.toLowerCase()];
      if (action && action() !== false) event.preventDefault();
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

  MC.Keyboard = {
    install: install,
    register: function (key, action) {
      registered[key.toLowerCase()] = action;
    },
  };
})();
