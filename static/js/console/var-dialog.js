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
  // The console's words in the page's language (live.js's helpers over Django's JavaScriptCatalog, /jsi18n/).
  var gettext = MC.gettext;
  var pgettext = MC.pgettext;
  var interpolate = MC.interpolate;
  var eventSummary = MC.EditorApi.eventSummary;

  var $ = MC.EditorApi.byId;
  var PENALTY_KINDS = ["penalty_awarded", "penalty_goal", "missed_penalty"];

  function choice(decision, reason, label, player) {
    return { decision: decision, reason: reason || "", label: label, player: player || "" };
  }

  /** One overturn per reason: "Goal disallowed: offside". */
  function overturns(decision, reasons, player) {
    return reasons.map(function (reason) {
      // Translators: a VAR decision and its reason, as in "Goal disallowed: offside".
      return choice("overturned", reason, interpolate(gettext("%(decision)s: %(reason)s"), { decision: decision, reason: REASONS[reason] }), player);
    });
  }

  // The reasons for overturning a decision, as the server names them (MatchEvent.DecisionReason).
  var REASONS = {
    offside: gettext("offside"),
    foul: gettext("foul in the build-up"),
    handball: gettext("handball"),
    ball_out_of_play: gettext("ball out of play"),
    no_foul: gettext("no foul"),
    clear_error: gettext("clear and obvious error"),
    foul_in_the_area: gettext("foul in the penalty area"),
    serious_foul_play: gettext("serious foul play"),
    violent_conduct: gettext("violent conduct"),
    denial_of_goal: gettext("denial of an obvious goal-scoring opportunity"),
  };

  function choicesFor(check, incident) {
    var category = check.var_category;
    var kind = incident ? incident.kind : null;
    if (category === "goal" && incident) {
      return [choice("stands", "", gettext("Goal stands"))].concat(
        overturns(gettext("Goal disallowed"), ["offside", "foul", "handball", "ball_out_of_play"])
      );
    }
    if (category === "goal") {
      return [
        choice("stands", "", gettext("No goal: decision stands")),
        choice("overturned", "clear_error", gettext("Goal given"), "required"),
      ];
    }
    if (category === "penalty" && incident && PENALTY_KINDS.indexOf(kind) !== -1) {
      return [choice("stands", "", gettext("Penalty stands"))].concat(
        overturns(gettext("Penalty cancelled"), ["no_foul", "offside", "clear_error"])
      );
    }
    if (category === "penalty") {
      return [choice("stands", "", gettext("No penalty: decision stands"))].concat(
        overturns(gettext("Penalty awarded"), ["foul_in_the_area", "handball"], "optional")
      );
    }
    if (category === "red_card" && kind === "yellow_card") {
      return [choice("stands", "", gettext("Yellow card stands"))].concat(
        overturns(gettext("Upgraded to a red card"), ["serious_foul_play", "violent_conduct", "denial_of_goal"])
      );
    }
    if (category === "red_card" && incident) {
      return [
        choice("stands", "", gettext("Red card stands")),
        choice("overturned", "not_a_red_card", gettext("Red card rescinded: not a red-card offence")),
      ];
    }
    if (category === "red_card") {
      return [choice("stands", "", gettext("No red card: decision stands"))].concat(
        overturns(gettext("Red card given"), ["serious_foul_play", "violent_conduct", "denial_of_goal"], "required")
      );
    }
    if (category === "mistaken_identity") {
      return [
        choice("stands", "", gettext("Card stands")),
        choice("overturned", "mistaken_identity", gettext("Card moved to the right player"), "required"),
      ];
    }
    return [
      choice("stands", "", gettext("Decision stands")),
      choice("overturned", "clear_error", gettext("Decision overturned"), "optional"),
    ];
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
      var players = [new Option(pgettext("no player", "None"), "")];
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
      $("var-player-label").textContent = need === "required" ? gettext("Player (required)") : gettext("Player (optional)");
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
      var category = check.var_category_label || gettext("The decision");
      // Translators: the VAR dialog's line under its title: what is checked, and the incident ("Goal / no goal:
      // 23' Goal — Dries Mertens (NAP)").
      var checking = incident
        ? interpolate(gettext("%(category)s: %(incident)s"), { category: category, incident: eventSummary(incident) })
        : interpolate(gettext("%(category)s: a missed incident"), { category: category });
      $("var-dialog-check").textContent = checking + (check.var_reason ? " (" + check.var_reason + ")" : "");
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
        say(gettext("No VAR check to decide: record one first (v)."));
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
        showError(gettext("Choose the decision."));
        return;
      }
      var player = MC.EditorApi.intOrNull(picker.value());
      if (current.player === "required" && !player) {
        showError(gettext("Name the player: type part of the name or the number."));
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
            say(interpolate(gettext("VAR: %(decision)s."), { decision: current.label }));
            close();
            return;
          }
          var error = MC.EditorApi.describeError(result.status, result.data);
          var text = interpolate(gettext("Not recorded. %(reason)s"), { reason: error.message });
          if (result.status === 409 && result.data && result.data.current) {
            varCheck = result.data.current;
            view.events.set(varCheck.id, varCheck);
            text = interpolate(gettext("Changed by someone else: it now reads “%(event)s”. Check it and decide again."), {
              event: eventSummary(varCheck),
            });
          }
          showError(text);
        })
        .catch(function () {
          showError(gettext("Not recorded: no answer from the server. Try again."));
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
