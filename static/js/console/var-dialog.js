/*
 * console/var-dialog.js: the VAR decision dialog (#var-dialog), from the keyboard.
 *
 * The decision is one choice in the words of a press box, built for the check at hand: for a
 * goal, "Goal stands" or "Goal disallowed: offside" (or another reason); for a missed penalty,
 * "Penalty awarded: foul in the penalty area"; for a yellow card, "Upgraded to a red card:
 * violent conduct". Each choice is a decision (stands / overturned) with its reason. The player
 * is asked for only when the choice names one (a goal or red card given, a card moved), with
 * the console's player picker. Sent as a POST of {eventUrl}{id}/var-decision with the version
 * seen; a 409 reloads the check in the dialog as someone else left it. An admin may change a
 * decision already made (the reason for the change is then asked for).
 *
 * Keys: "d" in the console opens it for the open check (MC.VarDialog's openLatest); the first
 * choice has the focus, Up / Down move through the choices, Enter records, Esc closes.
 *
 *   MC.VarDialog.create({view, roster, request, eventUrl, say})
 *     view      the live MC.MatchView (the check's new state is stored in view.events)
 *     roster    an MC.Roster: every player of both lineups may be named
 *     request   from MC.EditorApi.requester
 *     eventUrl  "/api/events/"
 *     say       (text) the console's status line
 *   returns
 *     open(check)   open it for that var_check event
 *     openLatest()  open it for the latest check still to decide; false when there is none
 *     isOpen()
 *   MC.VarDialog.choicesFor(check, incident)
 *     the choices for a check: [{decision, reason, label, player: "required" | "optional" | ""}]
 */
(function () {
  "use strict";
  var MC = window.Matchcentre;
  var eventSummary = MC.EditorApi.eventSummary;

  var $ = MC.EditorApi.byId;
  var PENALTY_KINDS = ["penalty_awarded", "penalty_goal", "missed_penalty"];

  function choice(decision, reason, label, player) {
    return { decision: decision, reason: reason || "", label: label, player: player || "" };
  }

  function overturns(prefix, reasons, player) {
    return reasons.map(function (pair) {
      return choice("overturned", pair[0], prefix + ": " + pair[1], player);
    });
  }

  function choicesFor(check, incident) {
    var category = check.var_category;
    var kind = incident ? incident.kind : null;
    if (category === "goal" && incident) {
      return [choice("stands", "", "Goal stands")].concat(
        overturns("Goal disallowed", [
          ["offside", "offside"],
          ["foul", "foul in the build-up"],
          ["handball", "handball"],
          ["ball_out_of_play", "ball out of play"],
        ])
      );
    }
    if (category === "goal") {
      return [choice("stands", "", "No goal: decision stands"), choice("overturned", "clear_error", "Goal given", "required")];
    }
    if (category === "penalty" && incident && PENALTY_KINDS.indexOf(kind) !== -1) {
      return [choice("stands", "", "Penalty stands")].concat(
        overturns("Penalty cancelled", [
          ["no_foul", "no foul"],
          ["offside", "offside"],
          ["clear_error", "clear and obvious error"],
        ])
      );
    }
    if (category === "penalty") {
      return [choice("stands", "", "No penalty: decision stands")].concat(
        overturns("Penalty awarded", [
          ["foul_in_the_area", "foul in the penalty area"],
          ["handball", "handball"],
        ], "optional")
      );
    }
    if (category === "red_card" && kind === "yellow_card") {
      return [choice("stands", "", "Yellow card stands")].concat(
        overturns("Upgraded to a red card", [
          ["serious_foul_play", "serious foul play"],
          ["violent_conduct", "violent conduct"],
          ["denial_of_goal", "denial of an obvious goal-scoring opportunity"],
        ])
      );
    }
    if (category === "red_card" && incident) {
      return [choice("stands", "", "Red card stands"), choice("overturned", "not_a_red_card", "Red card rescinded: not a red-card offence")];
    }
    if (category === "red_card") {
      return [choice("stands", "", "No red card: decision stands")].concat(
        overturns("Red card given", [
          ["serious_foul_play", "serious foul play"],
          ["violent_conduct", "violent conduct"],
          ["denial_of_goal", "denial of an obvious goal-scoring opportunity"],
        ], "required")
      );
    }
    if (category === "mistaken_identity") {
      return [choice("stands", "", "Card stands"), choice("overturned", "mistaken_identity", "Card moved to the right player", "required")];
    }
    return [choice("stands", "", "Decision stands"), choice("overturned", "clear_error", "Decision overturned", "optional")];
  }

  function create(options) {
    var view = options.view;
    var roster = options.roster;
    var request = options.request;
    var eventUrl = options.eventUrl;
    var say = options.say;
    var dialog = $("var-dialog");
    var form = $("var-form");
    var list = $("var-choice-list");
    var varCheck = null; // the check being decided, as last seen
    var choices = [];

    var picker = MC.PlayerPicker.enhance($("var-player"), {
      describe: MC.Roster.describer(roster, function () {
        return view.match;
      }),
    });

    function fillVarPlayers() {
      var select = $("var-player");
      var players = [new Option("None", "")];
      ["home", "away"].forEach(function (side) {
        roster.idsOf(side).forEach(function (id) {
          players.push(new Option(MC.Roster.playerLabel(roster.get(id)), String(id)));
        });
      });
      select.replaceChildren.apply(select, players);
      picker.setValue("");
      picker.refresh();
    }

    function chosen() {
      var radio = form.querySelector('input[name="var-choice"]:checked');
      return radio ? choices[Number(radio.value)] : null;
    }

    function showPlayerField() {
      var current = chosen();
      var need = current ? current.player : "";
      $("var-player-wrap").hidden = !need;
      $("var-player-label").textContent = need === "required" ? "Player (required)" : "Player (optional)";
    }

    function fillChoices(check) {
      var incident = check.reviewed_event ? view.events.get(check.reviewed_event) : null;
      choices = choicesFor(check, incident);
      var rows = choices.map(function (item, index) {
        var label = document.createElement("label");
        label.className = "check-line var-choice";
        var radio = document.createElement("input");
        radio.type = "radio";
        radio.name = "var-choice";
        radio.id = "var-choice-" + index;
        radio.value = String(index);
        radio.dataset.decision = item.decision;
        radio.dataset.reason = item.reason;
        var current = check.var_outcome === item.decision && (check.decision_reason || "") === item.reason;
        radio.checked = current || (index === 0 && !choices.some(function (other) {
          return check.var_outcome === other.decision && (check.decision_reason || "") === other.reason;
        }));
        label.append(radio, " ", item.label);
        return label;
      });
      list.replaceChildren.apply(list, rows);
      showPlayerField();
    }

    function open(check) {
      if (!check) return;
      varCheck = check;
      var incident = check.reviewed_event ? view.events.get(check.reviewed_event) : null;
      $("var-dialog-check").textContent =
        "Checking " + (check.var_category_label || "the decision").toLowerCase() +
        (incident ? ": " + eventSummary(incident) : ": a missed incident") + (check.var_reason ? " (" + check.var_reason + ")" : "");
      $("var-error").hidden = true;
      $("var-reason").value = "";
      $("var-reason-wrap").hidden = !(check.var_outcome === "stands" || check.var_outcome === "overturned");
      fillVarPlayers();
      fillChoices(check);
      MC.EditorApi.openDialog(dialog);
      var checked = form.querySelector('input[name="var-choice"]:checked');
      if (checked) checked.focus();
    }

    /** The latest check still to decide (in progress or at the monitor). */
    function openLatest() {
      var open_ = Array.from(view.events.values())
        .filter(function (event) {
          return event.kind === "var_check" && event.state === "active" &&
            (event.var_outcome === "in_progress" || event.var_outcome === "on_field_review" || !event.var_outcome);
        })
        .sort(function (a, b) {
          return b.id - a.id;
        })[0];
      if (!open_) {
        say("No VAR check to decide: record one first (v).");
        return false;
      }
      open(open_);
      return true;
    }

    function close() {
      MC.EditorApi.closeDialog(dialog);
    }

    function showError(text) {
      var box = $("var-error");
      box.textContent = text;
      box.hidden = false;
    }

    list.addEventListener("change", showPlayerField);
    // Enter records from anywhere in the dialog but its buttons (a radio has no Enter of its own).
    form.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || event.isComposing || event.target.tagName === "BUTTON") return;
      if (event.target === picker.input && picker.isOpen()) return;
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
    });
    $("var-cancel").addEventListener("click", close);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!varCheck) return;
      var check = varCheck;
      var current = chosen();
      if (!current) {
        showError("Choose the decision.");
        return;
      }
      var player = MC.EditorApi.intOrNull(picker.value());
      if (current.player === "required" && !player) {
        showError("Name the player: type part of the name or the number.");
        picker.focus();
        return;
      }
      var payload = {
        decision: current.decision,
        decision_reason: current.reason,
        player: current.player ? player : null,
        reason: $("var-reason").value.trim(),
        version: check.version,
      };
      var button = $("var-submit");
      button.disabled = true;
      request("POST", eventUrl + check.id + "/var-decision", payload)
        .then(function (result) {
          if (result.status >= 200 && result.status < 300) {
            if (result.data && result.data.event) view.events.set(check.id, result.data.event);
            say("VAR: " + current.label + ".");
            close();
            return;
          }
          var error = MC.EditorApi.describeError(result.status, result.data);
          var text = "Not recorded. " + error.message;
          if (result.status === 409 && result.data && result.data.current) {
            varCheck = result.data.current;
            view.events.set(varCheck.id, varCheck);
            text = "Changed by someone else: it now reads “" + eventSummary(varCheck) + "”. Check it and decide again.";
          }
          showError(text);
        })
        .catch(function () {
          showError("Not recorded: no answer from the server. Try again.");
        })
        .finally(function () {
          button.disabled = false;
        });
    });

    return {
      open: open,
      openLatest: openLatest,
      isOpen: function () {
        return dialog.open;
      },
    };
  }

  MC.VarDialog = { create: create, choicesFor: choicesFor };
})();
