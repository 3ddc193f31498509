/*
 * console/var-dialog.js: the VAR decision dialog (#var-dialog).
 *
 * For a VAR check in progress (or under on-field review): the decision (stands / overturned),
 * the reason, and the player concerned when the decision moves a card. Sent as a POST of
 * {eventUrl}{id}/var-decision with the version seen; a 409 reloads the check in the dialog
 * as someone else left it, to decide again. An admin may change a decision already made
 * (the reason for the change is then asked for).
 *
 *   MC.VarDialog.create({view, roster, request, eventUrl, say})
 *     view      the live MC.MatchView (the check's new state is stored in view.events)
 *     roster    an MC.Roster: every player of both lineups may be named
 *     request   from MC.EditorApi.requester
 *     eventUrl  "/api/events/"
 *     say       (text) the console's status line
 *   returns
 *     open(check)  open it for that var_check event
 *     isOpen()
 */
(function () {
  "use strict";
  var MC = window.Matchcentre;
  var eventSummary = MC.EditorApi.eventSummary;

  var $ = MC.EditorApi.byId;

  function create(options) {
    var view = options.view;
    var roster = options.roster;
    var request = options.request;
    var eventUrl = options.eventUrl;
    var say = options.say;
    var dialog = $("var-dialog");
    var varCheck = null; // the check being decided, as last seen

    function fillVarPlayers() {
      var select = $("var-player");
      var groups = [new Option("None", "")];
      ["home", "away"].forEach(function (side) {
        var group = document.createElement("optgroup");
        var radio = $("team-" + side);
        group.label = radio ? radio.closest("label").textContent.trim() : side;
        roster.idsOf(side)
          .map(function (id) { return roster.get(id); })
          .sort(function (a, b) { return a.number - b.number; })
          .forEach(function (player) {
            group.appendChild(new Option(MC.Roster.playerLabel(player), String(player.id)));
          });
        if (group.childElementCount) groups.push(group);
      });
      select.replaceChildren.apply(select, groups);
      select.value = "";
    }

    function open(check) {
      if (!check) return;
      varCheck = check;
      $("var-dialog-check").textContent = eventSummary(check) + (check.var_reason ? ": " + check.var_reason : "");
      $("var-error").hidden = true;
      $("var-decision-stands").checked = true;
      $("var-decision_reason").value = check.decision_reason || "";
      $("var-reason").value = "";
      $("var-reason-wrap").hidden = !(check.var_outcome === "stands" || check.var_outcome === "overturned");
      fillVarPlayers();
      MC.EditorApi.openDialog(dialog);
      $("var-decision-stands").focus();
    }

    function close() {
      MC.EditorApi.closeDialog(dialog);
    }

    $("var-cancel").addEventListener("click", close);
    $("var-form").addEventListener("submit", function (event) {
      event.preventDefault();
      if (!varCheck) return;
      var check = varCheck;
      var decision = $("var-form").querySelector('input[name="decision"]:checked');
      var payload = {
        decision: decision ? decision.value : "stands",
        decision_reason: $("var-decision_reason").value,
        player: MC.EditorApi.intOrNull($("var-player").value),
        reason: $("var-reason").value.trim(),
        version: check.version,
      };
      var button = $("var-submit");
      button.disabled = true;
      request("POST", eventUrl + check.id + "/var-decision", payload)
        .then(function (result) {
          if (result.status >= 200 && result.status < 300) {
            if (result.data && result.data.event) view.events.set(check.id, result.data.event);
            say("VAR decision recorded: " + eventSummary((result.data && result.data.event) || check));
            close();
            return;
          }
          var error = MC.EditorApi.describeError(result.status, result.data);
          var box = $("var-error");
          var text = "Not recorded. " + error.message;
          if (result.status === 409 && result.data && result.data.current) {
            varCheck = result.data.current;
            view.events.set(varCheck.id, varCheck);
            text = "Changed by someone else: it now reads “" + eventSummary(varCheck) + "”. Check it and decide again.";
          }
          box.textContent = text;
          box.hidden = false;
        })
        .catch(function () {
          var box = $("var-error");
          box.textContent = "Not recorded: no answer from the server. Try again.";
          box.hidden = false;
        })
        .finally(function () {
          button.disabled = false;
        });
    });

    return {
      open: open,
      isOpen: function () {
        return dialog.open;
      },
    };
  }

  MC.VarDialog = { create: create };
})();
