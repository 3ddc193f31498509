/*
 * console/form.js: the event form (#event-form): recording a new event and editing one.
 *
 * Each kind of event asks for its own fields (KINDS). Players are picked by name or number
 * (MC.PlayerPicker) from both teams: who can take part right now (on the pitch, unused
 * substitutes, booked or not, from the live view's pitch), while an edit offers anyone in the
 * lineup. The team follows the player chosen, and the last team used is remembered for the
 * match (it comes first on a tie). The minute follows the live clock until the editor types one.
 *
 * A new event is checked before anything is cleared (minute and added time, the player on the
 * pitch, the team), then handed to `enqueue` (the outbox). The form stays as it is until the
 * server answers: a refusal leaves it filled, with the reason in words beside the field at
 * fault; only a recorded event, or one kept in the outbox because the server cannot be
 * reached, clears it. An edit is sent at once as a PATCH of the fields that changed, with the
 * version seen, and a 409 goes to `showConflict`.
 *
 * Picking a VAR check preselects the latest goal, penalty or red card as the incident.
 *
 *   MC.EventForm.create({element, view, roster, request, eventUrl, enqueue, detach, say, showConflict})
 *     element       the <form>
 *     view          the live MC.MatchView (clock reading, pitch, events by id)
 *     roster        an MC.Roster
 *     request       from MC.EditorApi.requester
 *     eventUrl      "/api/events/": an event is eventUrl + id
 *     enqueue       (payload, label) takes a new event (MC.Outbox's add): {key, settled}
 *     detach        (key) stop waiting for that submission (MC.Outbox's detach)
 *     say           (text) the console's status line
 *     showConflict  (data, id) a 409's answer, for the event with that id
 *   returns
 *     element, fields              the form and its inputs by field name (for the keyboard layer)
 *     spec(), currentSide()        what the chosen kind asks for; "home" / "away"
 *     setKind(kind), setSide(side) as if the radio were picked
 *     focusFirst()                 the keyboard goes to the first thing the kind needs
 *     pickers                      the MC.PlayerPicker of "player" and "second_player"
 *     applyKind()                  show the fields the chosen kind needs (at start)
 *     refreshChoices()             refill the selects after the match or the lineups changed
 *     startEdit(event), redoEdit(event), exitEdit(), isEditing(), editingId()
 *     highlightEditing()           mark the event being edited in the timeline (after it is redrawn)
 *     noticeConcurrentEdit(change) warn when someone else changes the event being edited
 *     clearErrors(), showError(message, fieldName, options)
 *     showRefusal(item, error)     an outbox item the server refused, with a button to load it back
 *   MC.EventForm.isEditable(kind)
 *     false for period and added-time events, which are deleted and recorded again instead.
 */
(function () {
  "use strict";
  var MC = window.Matchcentre;
  // The console's words in the page's language (live.js's helpers over Django's JavaScriptCatalog, /jsi18n/).
  var gettext = MC.gettext;
  var pgettext = MC.pgettext;
  var interpolate = MC.interpolate;
  var eventSummary = MC.EditorApi.eventSummary;
  var intOrNull = MC.EditorApi.intOrNull;
  var playerLabel = MC.Roster.playerLabel;

  var FIELD_NAMES = [
    "kind", "team", "player", "second_player", "goal_type", "injury", "minute", "added_minute",
    "commentary", "reviewed_event", "var_category", "var_reason", "kick_outcome",
  ];

  // --- what each kind of event asks for ---------------------------------------------------------
  // player / second: which players the select offers ("on" the pitch, "subs" unused substitutes,
  // "booked"/"unbooked" players on the pitch with or without a yellow card).
  var KINDS = {
    goal: { team: true, player: "on", playerLabel: gettext("Scorer"), second: "on", secondLabel: gettext("Assist (optional)"), goalType: true, minute: true },
    own_goal: { team: true, player: "on", playerLabel: gettext("Player (own goal)"), minute: true, teamHint: true },
    penalty_goal: { team: true, player: "on", playerLabel: gettext("Penalty taker"), minute: true },
    missed_penalty: { team: true, player: "on", playerLabel: gettext("Penalty taker"), minute: true },
    yellow_card: { team: true, player: "unbooked", playerLabel: gettext("Player booked"), minute: true },
    second_yellow: { team: true, player: "booked", playerLabel: gettext("Player (already booked)"), minute: true },
    red_card: { team: true, player: "on", playerLabel: gettext("Player sent off"), minute: true },
    substitution: { team: true, player: "on", playerLabel: gettext("Player off"), second: "subs", secondLabel: gettext("Player on"), secondRequired: true, injury: true, minute: true },
    injury: { team: true, player: "on", playerLabel: gettext("Player injured"), minute: true },
    penalty_awarded: { team: true, player: "on", playerLabel: gettext("Player fouled (optional)"), playerOptional: true, minute: true },
    var_check: { team: true, teamLabel: gettext("Team concerned"), var: true, minute: true },
    period_start: {},
    period_end: { added: true, addedLabel: gettext("Added time played (optional)") },
    added_time: { added: true, addedLabel: gettext("Minutes announced"), addedRequired: true },
    // The shoot-out: no minute (the server records it at 120'), the taker and what became of the kick.
    shootout_kick: { team: true, player: "on", playerLabel: gettext("Penalty taker"), playerOptional: true, kickOutcome: true },
    // The match statistics (also entered with a key each in the statistics panel).
    shot: { team: true, player: "on", playerLabel: gettext("Player (optional)"), playerOptional: true, minute: true },
    shot_on_target: { team: true, player: "on", playerLabel: gettext("Player (optional)"), playerOptional: true, minute: true },
    corner: { team: true, player: "on", playerLabel: gettext("Player (optional)"), playerOptional: true, minute: true },
    foul: { team: true, player: "on", playerLabel: gettext("Player (optional)"), playerOptional: true, minute: true },
    offside: { team: true, player: "on", playerLabel: gettext("Player (optional)"), playerOptional: true, minute: true },
  };
  // A kick is not edited: it is removed and taken again, or ordered retaken.
  var NOT_EDITABLE = { period_start: true, period_end: true, added_time: true, shootout_kick: true };
  // Which incidents each kind of VAR check may review (as the server's rules say).
  var VAR_INCIDENT_KINDS = {
    goal: ["goal", "own_goal", "penalty_goal"],
    penalty: ["penalty_awarded", "penalty_goal", "missed_penalty"],
    red_card: ["red_card", "yellow_card"],
    mistaken_identity: ["yellow_card", "second_yellow", "red_card"],
  };

  // The incident a new VAR check most likely reviews, by kind, and the check's category for it.
  var INCIDENT_CATEGORY = {
    goal: "goal",
    own_goal: "goal",
    penalty_goal: "goal",
    penalty_awarded: "penalty",
    missed_penalty: "penalty",
    red_card: "red_card",
  };
  // The regular minutes of each timed period (as events/periods.py has them), the minutes added time
  // is counted from, and what a minute in it is told before the period has started.
  var TIMED_PERIODS = [
    { period: "first_half", first: 1, last: 45, notStarted: gettext("Minute %(minute)s is in the first half, which has not started.") },
    { period: "second_half", first: 46, last: 90, notStarted: gettext("Minute %(minute)s is in the second half, which has not started.") },
    {
      period: "extra_time_first_half", first: 91, last: 105,
      notStarted: gettext("Minute %(minute)s is in the first half of extra time, which has not started."),
    },
    {
      period: "extra_time_second_half", first: 106, last: 120,
      notStarted: gettext("Minute %(minute)s is in the second half of extra time, which has not started."),
    },
  ];
  var MAX_ADDED_MINUTES = 30;
  // How long a new event keeps the form waiting for the server's answer before the outbox takes it over.
  var HAND_OFF_MS = 2000;
  var SIDE_KEY = "matchcentre.console.team.";

  function isEditable(kind) {
    return !NOT_EDITABLE[kind];
  }

  var $ = MC.EditorApi.byId;

  function create(options) {
    var form = options.element;
    var view = options.view;
    var roster = options.roster;
    var request = options.request;
    var eventUrl = options.eventUrl;
    var enqueue = options.enqueue;
    var detach = options.detach || function () {};
    var say = options.say;
    var showConflict = options.showConflict;

    var fields = {
      player: $("field-player"),
      second_player: $("field-second_player"),
      goal_type: $("field-goal_type"),
      kick_outcome: $("field-kick_outcome"),
      injury: $("field-injury"),
      minute: $("field-minute"),
      added_minute: $("field-added_minute"),
      commentary: $("field-commentary"),
      reviewed_event: $("field-reviewed_event"),
      var_category: $("field-var_category"),
      var_reason: $("field-var_reason"),
      reason: $("field-reason"),
    };

    // --- form state --------------------------------------------------------------------------
    var editing = null; // {id, version, original} while an event is being edited
    var minuteAuto = true; // the minute follows the live clock until the editor types one
    var waiting = null; // the key of a new event whose answer the form is waiting for
    var matchId = view.match ? view.match.id : Number(document.body.dataset.matchId);

    var describePlayer = MC.Roster.describer(roster, function () {
      return view.match;
    });
    var pickers = {
      player: MC.PlayerPicker.enhance(fields.player, {
        describe: describePlayer,
        preferredSide: currentSide,
        autoAdvance: true,
        onCommit: function (id, how) {
          playerChosen("player", id, how);
        },
      }),
      second_player: MC.PlayerPicker.enhance(fields.second_player, {
        describe: describePlayer,
        preferredSide: currentSide,
        autoAdvance: true,
        onCommit: function (id, how) {
          playerChosen("second_player", id, how);
        },
      }),
    };

    function rememberedSide() {
      try {
        return localStorage.getItem(SIDE_KEY + matchId);
      } catch (error) {
        return null;
      }
    }

    function rememberSide(side) {
      try {
        localStorage.setItem(SIDE_KEY + matchId, side);
      } catch (error) {
        // Not kept across reloads; nothing else depends on it.
      }
    }

    function currentKind() {
      var checked = form.querySelector('input[name="kind"]:checked');
      return checked ? checked.value : "goal";
    }

    function currentSide() {
      var checked = form.querySelector('input[name="team"]:checked');
      return checked ? checked.dataset.side : "home";
    }

    function teamId(side) {
      var radio = $("team-" + side);
      return radio ? Number(radio.value) : null;
    }

    function sideOfTeam(id) {
      if (id === teamId("home")) return "home";
      if (id === teamId("away")) return "away";
      return null;
    }

    function spec() {
      return KINDS[currentKind()] || {};
    }

    function setKind(kind) {
      var radio = $("kind-" + kind);
      if (radio) radio.checked = true;
      applyKind();
    }

    /** The team radio; a player already chosen from the other team is let go. */
    function setSide(side) {
      var radio = $("team-" + side);
      if (radio) radio.checked = true;
      var chosen = roster.get(Number(fields.player.value));
      if (chosen && chosen.side !== side) {
        pickers.player.setValue("");
        pickers.second_player.setValue("");
      }
      refreshChoices();
    }

    function isShown(name) {
      var holder = form.querySelector('[data-needs="' + name + '"]');
      return !!holder && !holder.hidden;
    }

    /** The team follows the player; a player chosen by his digits alone moves the keyboard on. */
    function playerChosen(name, id, how) {
      var player = id ? roster.get(id) : null;
      if (name === "player" && player && player.side !== currentSide()) {
        var radio = $("team-" + player.side);
        if (radio) radio.checked = true;
      }
      if (name === "player") refreshChoices();
      if (how && how.advance) advanceFrom(name);
    }

    var ADVANCE_ORDER = ["player", "second_player", "goal_type"];

    function advanceFrom(name) {
      var next = ADVANCE_ORDER.slice(ADVANCE_ORDER.indexOf(name) + 1).find(function (other) {
        return isShown(other);
      });
      if (next && pickers[next]) pickers[next].focus();
      else if (next) fields[next].focus();
      else $("event-submit").focus();
    }

    /** After a kind is picked: the keyboard goes to the first thing it needs. */
    function focusFirst() {
      var s = spec();
      if (s.player) pickers.player.focus();
      else if (s.var) fields.reviewed_event.focus();
      else if (s.team) {
        var team = form.querySelector('input[name="team"]:checked');
        if (team) team.focus();
      } else if (s.added) fields.added_minute.focus();
      else $("event-submit").focus();
    }

    function showNeeds(name, visible) {
      form.querySelectorAll('[data-needs="' + name + '"]').forEach(function (element) {
        element.hidden = !visible;
      });
    }

    /** Show the fields the chosen kind needs, with the right labels and player lists. */
    function applyKind() {
      var s = spec();
      showNeeds("team", !!s.team);
      showNeeds("player", !!s.player);
      showNeeds("second_player", !!s.second);
      showNeeds("goal_type", !!s.goalType);
      showNeeds("kick_outcome", !!s.kickOutcome);
      showNeeds("injury", !!s.injury);
      showNeeds("var", !!s.var);
      showNeeds("minute", !!s.minute);
      showNeeds("added_minute", !!(s.minute || s.added));
      $("minute-source").hidden = !s.minute;
      $("hint-team").hidden = !s.teamHint;
      $("label-player").textContent = s.playerLabel || gettext("Player");
      $("field-team").querySelector("legend").firstChild.textContent = (s.teamLabel || gettext("Team")) + " ";
      $("label-second_player").textContent = s.secondLabel || gettext("Second player");
      $("label-added_minute").textContent = s.addedLabel || pgettext("added time, beside the minute", "Added");
      if (currentKind() === "added_time" && !editing) fields.added_minute.value = "";
      clearErrors();
      refreshChoices();
      if (s.var && !editing) preselectIncident();
      followClock();
    }

    /** A new VAR check: the latest goal, penalty or red card still standing, with its category. */
    function preselectIncident() {
      var latest = Array.from(view.events.values())
        .filter(function (event) {
          return event.state === "active" && INCIDENT_CATEGORY[event.kind];
        })
        .sort(function (a, b) {
          return b.id - a.id;
        })[0];
      if (!latest) return;
      fields.var_category.value = INCIDENT_CATEGORY[latest.kind];
      fillReviewed();
      fields.reviewed_event.value = String(latest.id);
      var side = latest.team ? sideOfTeam(latest.team.id) : null;
      if (side) {
        var radio = $("team-" + side);
        if (radio) radio.checked = true;
      }
    }

    // --- players and incidents to choose from ------------------------------------------------

    function fillSelect(select, ids, placeholder) {
      var keep = select.value;
      var options = [new Option(placeholder, "")];
      ids
        .map(function (id) {
          return roster.get(id);
        })
        .filter(Boolean)
        .sort(function (a, b) {
          return a.number - b.number;
        })
        .forEach(function (player) {
          options.push(new Option(playerLabel(player), String(player.id)));
        });
      select.replaceChildren.apply(select, options);
      select.value = ids.indexOf(Number(keep)) !== -1 ? keep : "";
      if (select.value !== keep && keep) select.value = "";
    }

    function pitchOf(side) {
      var pitch = view.match && view.match.pitch && view.match.pitch[side];
      return pitch || null;
    }

    /** The players a select may offer for this kind and side; in an edit, anyone in the lineup. */
    function candidates(filter, side, exclude) {
      var pitch = pitchOf(side);
      var ids;
      if (editing || !pitch) {
        ids = roster.idsOf(side);
      } else {
        var on = pitch.on_pitch || [];
        var booked = new Set(pitch.booked || []);
        if (filter === "subs") ids = (pitch.unused_substitutes || []).slice();
        else if (filter === "booked") ids = on.filter(function (id) { return booked.has(id); });
        else if (filter === "unbooked") ids = on.filter(function (id) { return !booked.has(id); });
        else ids = on.slice();
      }
      return ids.filter(function (id) {
        return id !== exclude;
      });
    }

    /** Refill the player lists: both teams for the player (the team follows him), his team for the second. */
    function refreshChoices() {
      var s = spec();
      if (s.player) {
        var ids = candidates(s.player, "home").concat(candidates(s.player, "away"));
        var empty = roster.idsOf("home").length + roster.idsOf("away").length === 0;
        var placeholder = empty ? gettext("No lineups yet") : s.playerOptional ? pgettext("no player", "None") : gettext("Choose…");
        if (!empty && !ids.length && s.player === "booked" && !editing) placeholder = gettext("Nobody on the pitch is booked");
        fillSelect(fields.player, ids, placeholder);
      }
      if (s.second) {
        var chosen = roster.get(Number(fields.player.value));
        var side = chosen ? chosen.side : currentSide();
        var exclude = Number(fields.player.value) || null;
        fillSelect(fields.second_player, candidates(s.second, side, exclude), s.secondRequired ? gettext("Choose…") : pgettext("no player", "None"));
      }
      if (s.var) fillReviewed();
      pickers.player.refresh();
      pickers.second_player.refresh();
    }

    function fillReviewed() {
      var select = fields.reviewed_event;
      var keep = select.value;
      var options = [new Option(gettext("None: a missed incident"), "")];
      var allowed = VAR_INCIDENT_KINDS[fields.var_category.value] || [];
      Array.from(view.events.values())
        .filter(function (event) {
          return event.state === "active" && allowed.indexOf(event.kind) !== -1;
        })
        .sort(function (a, b) {
          return b.id - a.id;
        })
        .forEach(function (event) {
          options.push(new Option(eventSummary(event), String(event.id)));
        });
      select.replaceChildren.apply(select, options);
      select.value = keep;
      if (select.value !== keep) select.value = "";
    }

    // --- the minute follows the clock -------------------------------------------------------------

    function followClock() {
      var source = $("minute-source-text");
      var button = $("minute-follow");
      if (editing) {
        source.textContent = gettext("As recorded");
        button.hidden = true;
        return;
      }
      if (!minuteAuto) {
        source.textContent = gettext("Set by hand");
        button.hidden = false;
        return;
      }
      button.hidden = true;
      var reading = view.reading();
      if (!reading) {
        source.textContent = gettext("Clock stopped: enter the minute");
        return;
      }
      source.textContent = gettext("From the live clock");
      var minute = String(reading.minute);
      if (fields.minute.value !== minute) fields.minute.value = minute;
      if (currentKind() !== "added_time") {
        var added = reading.added ? String(reading.added) : "";
        if (fields.added_minute.value !== added) fields.added_minute.value = added;
      }
    }

    setInterval(followClock, 500);

    [fields.minute, fields.added_minute].forEach(function (input) {
      input.addEventListener("input", function () {
        if (input === fields.added_minute && currentKind() === "added_time") return;
        minuteAuto = false;
        followClock();
      });
    });
    $("minute-follow").addEventListener("click", function () {
      minuteAuto = true;
      followClock();
    });

    // --- errors ----------------------------------------------------------------------------------

    function clearErrors() {
      form.querySelectorAll(".field__error").forEach(function (element) {
        element.hidden = true;
        element.textContent = "";
      });
      form.querySelectorAll("[aria-invalid]").forEach(function (element) {
        element.removeAttribute("aria-invalid");
      });
      var box = $("form-error");
      box.hidden = true;
      box.replaceChildren();
    }

    function fieldElement(name) {
      if (name === "kind") return form.querySelector('input[name="kind"]:checked');
      if (name === "team") return form.querySelector('input[name="team"]:checked');
      if (pickers[name]) return pickers[name].input;
      return fields[name] || null;
    }

    function showFieldError(name, message) {
      var target = $("error-" + name);
      if (!target) return false;
      target.textContent = message;
      target.hidden = false;
      var input = fieldElement(name);
      if (input) input.setAttribute("aria-invalid", "true");
      return true;
    }

    /** Beside each field the server named (its "errors" list); "player.id" is the player field. */
    function showFieldErrors(errors) {
      errors.forEach(function (entry) {
        if (entry.field) showFieldError(entry.field.split(".").pop(), entry.message);
      });
    }

    /** Show a refusal: the message on top, and beside the field at fault when there is one. */
    function showError(message, fieldName, options) {
      options = options || {};
      var box = $("form-error");
      var text = document.createElement("p");
      text.textContent = message;
      box.replaceChildren(text);
      if (options.reload) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "button button--small";
        button.textContent = gettext("Load it back into the form");
        button.addEventListener("click", function () {
          loadPayload(options.reload);
        });
        box.appendChild(button);
      }
      box.hidden = false;
      if (fieldName) showFieldError(fieldName, options.fieldMessage || message);
    }

    /** An outbox item the server refused (4xx): it has left the queue, so offer to load it back. */
    function showRefusal(item, error) {
      clearErrors();
      showError(interpolate(gettext("Not recorded: %(event)s. %(reason)s"), { event: item.label, reason: error.message }), error.field, {
        reload: item.body,
        fieldMessage: error.message,
      });
      showFieldErrors(error.errors);
    }

    // --- building a submission -------------------------------------------------------------------

    /** The form's values for the chosen kind; fields the kind does not use are left out (null/""). */
    function readForm() {
      var kind = currentKind();
      var s = KINDS[kind] || {};
      var data = {
        kind: kind,
        minute: null,
        added_minute: null,
        team: null,
        player: null,
        second_player: null,
        goal_type: "",
        injury: false,
        commentary: fields.commentary.value.trim(),
      };
      if (s.minute) {
        data.minute = intOrNull(fields.minute.value);
        data.added_minute = intOrNull(fields.added_minute.value);
      }
      if (s.added) data.added_minute = intOrNull(fields.added_minute.value);
      if (kind === "added_time") {
        // The server fixes the minute (the period's last); it still asks for one.
        var reading = view.reading();
        data.minute = reading ? reading.minute : intOrNull(fields.minute.value) || 0;
      }
      if (s.team) data.team = teamId(currentSide());
      if (s.player) data.player = intOrNull(fields.player.value);
      if (s.second) data.second_player = intOrNull(fields.second_player.value);
      if (s.goalType) data.goal_type = fields.goal_type.value;
      if (s.kickOutcome) data.kick_outcome = fields.kick_outcome.value;
      if (s.injury) data.injury = fields.injury.checked;
      if (s.var) {
        data.var_category = fields.var_category.value;
        data.reviewed_event = intOrNull(fields.reviewed_event.value);
        data.var_reason = fields.var_reason.value.trim();
        // A check of a recorded incident concerns that incident's team.
        var reviewed = data.reviewed_event ? view.events.get(data.reviewed_event) : null;
        if (reviewed && reviewed.team) data.team = reviewed.team.id;
      }
      return data;
    }

    /** What can be checked here, before the form is cleared; the server checks everything again. */
    function checkForm(data) {
      var s = KINDS[data.kind] || {};
      if (s.player && !s.playerOptional && !data.player) return ["player", gettext("Choose the player: type part of the name or the number.")];
      if (s.var && data.var_category === "mistaken_identity" && !data.reviewed_event) {
        return ["reviewed_event", gettext("Choose the card shown to the wrong player.")];
      }
      if (s.secondRequired && !data.second_player) return ["second_player", gettext("Choose the player coming on.")];
      var minuteProblem = s.minute ? checkMinute(data.minute, data.added_minute) : null;
      if (minuteProblem) return minuteProblem;
      if ((s.added || s.addedRequired) && data.added_minute !== null && !(data.added_minute >= 1 && data.added_minute <= MAX_ADDED_MINUTES)) {
        return ["added_minute", addedTimeRange()];
      }
      if (s.addedRequired && !data.added_minute) return ["added_minute", gettext("Give the minutes announced.")];
      return checkPeople(data, s);
    }

    function addedTimeRange() {
      return interpolate(gettext("Added time runs from 1 to %(most)s minutes."), { most: MAX_ADDED_MINUTES });
    }

    /** The minute as the server's rules have it: 1-120, added time from the end of a half, no half not yet started. */
    function checkMinute(minute, added) {
      if (minute === null) return ["minute", gettext("Give the minute.")];
      var first = TIMED_PERIODS[0].first;
      var last = TIMED_PERIODS[TIMED_PERIODS.length - 1].last;
      if (minute < first || minute > last) {
        return ["minute", interpolate(
          gettext("The minute runs from %(first)s to %(last)s; added time goes in “Added” (45+2 is minute 45, added 2)."),
          { first: first, last: last }
        )];
      }
      var period = TIMED_PERIODS.find(function (p) { return minute >= p.first && minute <= p.last; });
      if (added !== null && added !== 0) {
        if (!(added >= 1 && added <= MAX_ADDED_MINUTES)) return ["added_minute", addedTimeRange()];
        if (minute !== period.last) {
          return ["added_minute", interpolate(
            gettext("Added time counts from the end of a half: %(last)s+%(added)s, not %(minute)s+%(added)s."),
            { last: period.last, added: added, minute: minute }
          )];
        }
      }
      var order = MC.PERIOD_ORDER || [];
      var now = view.match ? order.indexOf(view.match.period) : -1;
      if (now !== -1 && order.indexOf(period.period) > now) {
        return ["minute", interpolate(period.notStarted, { minute: minute })];
      }
      return null;
    }

    /** The players are where the kind needs them, and the team is theirs. */
    function checkPeople(data, s) {
      var player = data.player ? roster.get(data.player) : null;
      var second = data.second_player ? roster.get(data.second_player) : null;
      var otherTeam = gettext("%(player)s plays for the other team.");
      var notOn = gettext("%(player)s is not on the pitch.");
      if (s.team && data.team !== teamId("home") && data.team !== teamId("away")) return ["team", gettext("Choose the team.")];
      if (player && teamId(player.side) !== data.team && !s.var) {
        return ["team", interpolate(otherTeam, { player: player.name })];
      }
      if (!editing && player && s.player && candidates(s.player, player.side).indexOf(player.id) === -1) {
        var why = s.player === "booked" ? gettext("%(player)s has no yellow card yet.")
          : s.player === "unbooked" ? gettext("%(player)s is already booked, or not on the pitch.") : notOn;
        return ["player", interpolate(why, { player: player.name })];
      }
      if (second && player && second.id === player.id) return ["second_player", gettext("The second player must be someone else.")];
      if (second && player && second.side !== player.side) return ["second_player", interpolate(otherTeam, { player: second.name })];
      if (!editing && second && s.second && candidates(s.second, second.side, data.player).indexOf(second.id) === -1) {
        var whySecond = s.second === "subs" ? gettext("%(player)s is not an unused substitute.") : notOn;
        return ["second_player", interpolate(whySecond, { player: second.name })];
      }
      return null;
    }

    /** The pending list's label for a submission: "Goal · Dries Mertens · 23'". */
    function describePayload(data) {
      var kindInput = $("kind-" + data.kind);
      var kindLabel = kindInput ? kindInput.closest("label").querySelector(".kind-option__label").textContent : data.kind;
      var parts = [kindLabel];
      var player = data.player ? roster.get(data.player) : null;
      if (player) parts.push(player.name);
      if (data.kind === "substitution" && data.second_player && roster.get(data.second_player)) {
        // Translators: in a substitution's summary ("Substitution · Fabinho · for Lallana · 20'"), the player coming on.
        parts.push(interpolate(gettext("for %(player)s"), { player: roster.get(data.second_player).name }));
      }
      if (data.kind === "added_time" && data.added_minute) parts.push("+" + data.added_minute);
      else if (data.minute !== null) parts.push(data.minute + (data.added_minute ? "+" + data.added_minute : "") + "'");
      return parts.join(" · ");
    }

    function submitNew() {
      if (waiting) return;
      var data = readForm();
      var problem = checkForm(data);
      clearErrors();
      if (problem) {
        showFieldError(problem[0], problem[1]);
        var input = fieldElement(problem[0]);
        if (input) input.focus();
        return;
      }
      var label = describePayload(data);
      var side = sideOfTeam(data.team);
      var submission = enqueue(data, label);
      var key = submission.key;
      waiting = key;
      setBusy(true);
      // A slow or absent server: the outbox keeps it (and retries), the form moves on to the next event.
      var handOff = setTimeout(function () {
        if (waiting !== key) return;
        detach(key);
        finish(true);
      }, HAND_OFF_MS);

      function finish(cleared) {
        clearTimeout(handOff);
        waiting = null;
        setBusy(false);
        if (!cleared) return;
        if (side) rememberSide(side);
        resetForNext();
      }

      submission.settled.then(function (outcome) {
        if (waiting !== key) return;
        if (outcome.status !== "refused") {
          finish(true);
          return;
        }
        finish(false);
        showError(interpolate(gettext("Not recorded: %(reason)s"), { reason: outcome.error.message }), outcome.error.field, {
          fieldMessage: outcome.error.message,
        });
        showFieldErrors(outcome.error.errors);
        var at = outcome.error.field ? fieldElement(outcome.error.field) : null;
        (at && !at.closest("[hidden]") ? at : $("event-submit")).focus();
      });
    }

    function setBusy(busy) {
      form.setAttribute("aria-busy", busy ? "true" : "false");
      $("event-submit").disabled = busy;
    }

    /** After a submission: keep the kind and team, clear the rest, follow the clock again. */
    function resetForNext() {
      pickers.player.setValue("");
      pickers.second_player.setValue("");
      fields.goal_type.value = "";
      fields.kick_outcome.value = "scored";
      fields.injury.checked = false;
      fields.commentary.value = "";
      fields.var_reason.value = "";
      fields.reviewed_event.value = "";
      if (currentKind() === "added_time") fields.added_minute.value = "";
      minuteAuto = true;
      refreshChoices();
      followClock();
      focusKind();
    }

    function focusKind() {
      var checked = form.querySelector('input[name="kind"]:checked');
      if (checked) checked.focus();
    }

    // The last team used for this match comes back with the page.
    var remembered = rememberedSide();
    if (remembered === "home" || remembered === "away") {
      var rememberedRadio = $("team-" + remembered);
      if (rememberedRadio) rememberedRadio.checked = true;
    }

    /** Put a refused submission back in the form, to fix and send again (with a new key). */
    function loadPayload(data) {
      exitEdit();
      setKind(data.kind);
      var side = sideOfTeam(data.team);
      if (side) setSide(side);
      fillValues(data);
      minuteAuto = false;
      followClock();
    }

    function fillValues(data) {
      refreshChoices();
      if (data.player) ensureOption(fields.player, data.player);
      fields.player.value = data.player ? String(data.player) : "";
      refreshChoices();
      if (data.second_player) ensureOption(fields.second_player, data.second_player);
      fields.second_player.value = data.second_player ? String(data.second_player) : "";
      fields.goal_type.value = data.goal_type || "";
      fields.kick_outcome.value = data.kick_outcome || "scored";
      fields.injury.checked = !!data.injury;
      fields.minute.value = data.minute === null || data.minute === undefined ? "" : data.minute;
      fields.added_minute.value = data.added_minute ? data.added_minute : "";
      fields.commentary.value = data.commentary || "";
      if (data.var_category) {
        fields.var_category.value = data.var_category;
        fillReviewed();
      }
      if (data.reviewed_event) ensureOption(fields.reviewed_event, data.reviewed_event);
      fields.reviewed_event.value = data.reviewed_event ? String(data.reviewed_event) : "";
      if (data.var_category) fields.var_category.value = data.var_category;
      fields.var_reason.value = data.var_reason || "";
      pickers.player.refresh();
      pickers.second_player.refresh();
    }

    /** Make sure a select can show a value (a player no longer on the pitch, an event not listed). */
    function ensureOption(select, id) {
      var value = String(id);
      for (var i = 0; i < select.options.length; i += 1) {
        if (select.options[i].value === value) return;
      }
      var player = roster.get(Number(id));
      var event = view.events.get(Number(id));
      var text = select === fields.reviewed_event ? eventSummary(event) || "#" + id : player ? playerLabel(player) : "#" + id;
      select.add(new Option(text, value));
    }

    // --- editing -----------------------------------------------------------------------------------

    function eventToForm(event) {
      return {
        kind: event.kind,
        team: event.team ? event.team.id : null,
        player: event.player ? event.player.id : null,
        second_player: event.second_player ? event.second_player.id : null,
        goal_type: event.goal_type || "",
        injury: !!event.injury,
        minute: event.minute,
        added_minute: event.added_minute || null,
        commentary: event.commentary || "",
        reviewed_event: event.reviewed_event || null,
        var_category: event.var_category || "",
        var_reason: event.var_reason || "",
      };
    }

    function startEdit(event) {
      if (!event) return;
      if (NOT_EDITABLE[event.kind]) {
        clearErrors();
        showError(gettext("Period and added-time events cannot be edited: delete it and record it again."));
        return;
      }
      if (event.state !== "active") {
        clearErrors();
        showError(gettext("A removed or disallowed event cannot be edited."));
        return;
      }
      editing = { id: event.id, version: event.version, original: eventToForm(event) };
      form.dataset.mode = "edit";
      form.dataset.eventId = event.id;
      $("edit-banner").hidden = false;
      $("edit-banner-text").textContent = eventSummary(event);
      $("form-mode-label").textContent = gettext("Edit event");
      $("event-submit").firstChild.textContent = gettext("Save changes") + " ";
      $("field-reason-wrap").hidden = false;
      fields.reason.value = "";
      form.querySelectorAll('input[name="kind"]').forEach(function (radio) {
        radio.disabled = !!NOT_EDITABLE[radio.value];
      });
      setKind(event.kind);
      var side = sideOfTeam(event.team && event.team.id);
      if (side) setSide(side);
      fillValues(editing.original);
      clearErrors();
      followClock();
      highlightEditing();
      if (isShown("player")) pickers.player.focus();
      else if (isShown("minute")) fields.minute.focus();
      else fields.commentary.focus();
    }

    /** Start over on an event as someone else left it: the stale edit is dropped first. */
    function redoEdit(event) {
      editing = null;
      startEdit(event);
    }

    function exitEdit() {
      if (!editing) return;
      editing = null;
      form.dataset.mode = "create";
      delete form.dataset.eventId;
      $("edit-banner").hidden = true;
      $("form-mode-label").textContent = gettext("New event");
      $("event-submit").firstChild.textContent = gettext("Record event") + " ";
      $("field-reason-wrap").hidden = true;
      form.querySelectorAll('input[name="kind"]').forEach(function (radio) {
        radio.disabled = false;
      });
      highlightEditing();
      resetForNext();
    }

    function highlightEditing() {
      document.querySelectorAll(".event--editing").forEach(function (element) {
        element.classList.remove("event--editing");
      });
      if (editing) {
        var element = $("event-" + editing.id);
        if (element) element.classList.add("event--editing");
      }
    }

    /** The fields that differ from the event as loaded, as the PATCH body wants them. */
    function changedFields(data) {
      var original = editing.original;
      var changes = {};
      FIELD_NAMES.forEach(function (name) {
        if (!(name in data)) return;
        var now = data[name];
        var was = original[name];
        var same = (now === null || now === "" || now === false ? null : now) === (was === null || was === "" || was === false ? null : was);
        if (!same) changes[name] = now;
      });
      return changes;
    }

    function submitEdit() {
      var data = readForm();
      var problem = checkForm(data);
      clearErrors();
      if (problem) {
        showFieldError(problem[0], problem[1]);
        return;
      }
      var changes = changedFields(data);
      if (!Object.keys(changes).length) {
        showError(gettext("Nothing has changed."));
        return;
      }
      changes.version = editing.version;
      var reason = fields.reason.value.trim();
      if (reason) changes.reason = reason;
      var id = editing.id;
      var button = $("event-submit");
      button.disabled = true;
      request("PATCH", eventUrl + id, changes)
        .then(function (result) {
          if (result.status >= 200 && result.status < 300) {
            if (result.data && result.data.event) view.events.set(id, result.data.event);
            say(interpolate(gettext("Saved: %(event)s"), { event: eventSummary(result.data && result.data.event) }));
            exitEdit();
          } else if (result.status === 409) {
            showConflict(result.data, id);
          } else {
            var error = MC.EditorApi.describeError(result.status, result.data);
            showError(interpolate(gettext("Not saved. %(reason)s"), { reason: error.message }), error.field);
            showFieldErrors(error.errors);
          }
        })
        .catch(function () {
          showError(gettext("Not saved: no answer from the server. Your changes are still in the form; try again."));
        })
        .finally(function () {
          button.disabled = false;
        });
    }

    /** Someone else changed the event being edited: say so before a save is refused. */
    function noticeConcurrentEdit(message) {
      if (!editing || !message.event || message.event.id !== editing.id) return;
      if (message.event.version === editing.version) return;
      var text = $("edit-banner-text");
      text.textContent = interpolate(
        gettext("%(event)s (just changed by someone else: saving will be refused; reload it to redo)"),
        { event: eventSummary(message.event) }
      );
      highlightEditing();
    }

    // --- the form's own controls -------------------------------------------------------------------

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (editing) submitEdit();
      else submitNew();
    });

    form.addEventListener("change", function (event) {
      var name = event.target.name;
      if (name === "kind") applyKind();
      else if (name === "team") setSide(currentSide());
      else if (name === "var_category") {
        fillReviewed();
        var latest = fields.reviewed_event.options[1];
        if (latest && !editing && !fields.reviewed_event.value) fields.reviewed_event.value = latest.value;
      }
      else if (name === "reviewed_event") {
        var reviewed = view.events.get(Number(fields.reviewed_event.value));
        var side = reviewed && reviewed.team ? sideOfTeam(reviewed.team.id) : null;
        if (side && side !== currentSide()) setSide(side);
      }
    });

    $("event-reset").addEventListener("click", function () {
      clearErrors();
      if (editing) exitEdit();
      else resetForNext();
    });
    $("edit-cancel").addEventListener("click", exitEdit);

    return {
      element: form,
      fields: fields,
      spec: spec,
      currentSide: currentSide,
      setKind: setKind,
      setSide: setSide,
      focusFirst: focusFirst,
      pickers: pickers,
      applyKind: applyKind,
      refreshChoices: refreshChoices,
      startEdit: startEdit,
      redoEdit: redoEdit,
      exitEdit: exitEdit,
      isEditing: function () {
        return !!editing;
      },
      editingId: function () {
        return editing ? editing.id : null;
      },
      highlightEditing: highlightEditing,
      noticeConcurrentEdit: noticeConcurrentEdit,
      clearErrors: clearErrors,
      showError: showError,
      showRefusal: showRefusal,
    };
  }

  MC.EventForm = { create: create, isEditable: isEditable };
})();
