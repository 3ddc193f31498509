/*
 * console.js: the editor console for one match.
 *
 * New events go through a queue kept in localStorage: each submission gets an
 * idempotency key when it is created and is stored BEFORE it is sent, so a reload,
 * a dropped connection or a server error never loses it and retries never record it
 * twice. The queue is sent in order, one request at a time; an item leaves it on a
 * 2xx, or on a 4xx (shown as an error naming the field). Network errors, 5xx, 401
 * and CSRF failures keep it queued and retried with backoff, and at once when the
 * browser comes back online.
 *
 * Edits (PATCH with the version seen) and deletions (DELETE ?version=) are sent
 * directly: a 409 shows the event as someone else left it, ready to redo.
 *
 * The timeline, score, clock and who is on the pitch come over the same live
 * connection as the public page (live.js), so the player lists follow the match.
 */
(function () {
  "use strict";
  var MC = window.Matchcentre;
  var body = document.body;
  var matchId = Number(body.dataset.matchId);
  var CREATE_URL = body.dataset.apiCreate || "/api/matches/" + matchId + "/events";
  var EVENT_URL = body.dataset.apiEvent || "/api/events/";
  var QUEUE_KEY = "matchcentre.console.queue.v1";
  var REQUEST_TIMEOUT_MS = 15000;

  var snapshot = MC.readJson("snapshot");
  if (!snapshot) return;

  function $(id) {
    return document.getElementById(id);
  }

  var form = $("event-form");
  var fields = {
    player: $("field-player"),
    second_player: $("field-second_player"),
    goal_type: $("field-goal_type"),
    injury: $("field-injury"),
    minute: $("field-minute"),
    added_minute: $("field-added_minute"),
    commentary: $("field-commentary"),
    reviewed_event: $("field-reviewed_event"),
    var_category: $("field-var_category"),
    var_reason: $("field-var_reason"),
    reason: $("field-reason"),
  };
  var FIELD_NAMES = [
    "kind", "team", "player", "second_player", "goal_type", "injury", "minute", "added_minute",
    "commentary", "reviewed_event", "var_category", "var_reason",
  ];

  // --- what each kind of event asks for ---------------------------------------------------------
  // player / second: which players the select offers ("on" the pitch, "subs" unused substitutes,
  // "booked"/"unbooked" players on the pitch with or without a yellow card).
  var KINDS = {
    goal: { team: true, player: "on", playerLabel: "Scorer", second: "on", secondLabel: "Assist (optional)", goalType: true, minute: true },
    own_goal: { team: true, player: "on", playerLabel: "Player (own goal)", minute: true, teamHint: true },
    penalty_goal: { team: true, player: "on", playerLabel: "Penalty taker", minute: true },
    missed_penalty: { team: true, player: "on", playerLabel: "Penalty taker", minute: true },
    yellow_card: { team: true, player: "unbooked", playerLabel: "Player booked", minute: true },
    second_yellow: { team: true, player: "booked", playerLabel: "Player (already booked)", minute: true },
    red_card: { team: true, player: "on", playerLabel: "Player sent off", minute: true },
    substitution: { team: true, player: "on", playerLabel: "Player off", second: "subs", secondLabel: "Player on", secondRequired: true, injury: true, minute: true },
    injury: { team: true, player: "on", playerLabel: "Player injured", minute: true },
    penalty_awarded: { team: true, player: "on", playerLabel: "Player fouled (optional)", playerOptional: true, minute: true },
    var_check: { team: true, teamLabel: "Team concerned", var: true, minute: true },
    period_start: {},
    period_end: { added: true, addedLabel: "Added time played (optional)" },
    added_time: { added: true, addedLabel: "Minutes announced", addedRequired: true },
  };
  var NOT_EDITABLE = { period_start: true, period_end: true, added_time: true };
  // Which incidents each kind of VAR check may review (as the server's rules say).
  var VAR_INCIDENT_KINDS = {
    goal: ["goal", "own_goal", "penalty_goal"],
    penalty: ["penalty_awarded", "penalty_goal", "missed_penalty"],
    red_card: ["red_card", "yellow_card"],
    mistaken_identity: ["yellow_card", "second_yellow", "red_card"],
  };
  var CAN_CORRECT = body.dataset.canCorrect === "true";

  // --- players --------------------------------------------------------------------------------
  var players = new Map(); // id -> player dict + side
  var sidePlayers = { home: [], away: [] };

  function loadPlayers(lineups) {
    players = new Map();
    sidePlayers = { home: [], away: [] };
    ["home", "away"].forEach(function (side) {
      var lineup = (lineups && lineups[side]) || {};
      (lineup.starting || []).concat(lineup.bench || []).forEach(function (player) {
        var entry = Object.assign({ side: side }, player);
        players.set(player.id, entry);
        sidePlayers[side].push(player.id);
      });
    });
  }

  // --- the live view ------------------------------------------------------------------------
  var view = new MC.MatchView({
    onApplied: function (kind, message) {
      if (kind === "snapshot" && message.lineups) loadPlayers(message.lineups);
      decorateTimeline();
      refreshChoices();
      if (kind === "change") noticeConcurrentEdit(message);
    },
  });
  loadPlayers(snapshot.lineups);
  view.init(snapshot);
  view.startClock();

  MC.live = view.connect(body.dataset.wsPath, matchId);
  MC.view = view;

  // --- form state ----------------------------------------------------------------------------
  var editing = null; // {id, version, original} while an event is being edited
  var minuteAuto = true; // the minute follows the live clock until the editor types one
  var lastFailed = null; // the payload of the last refused submission, to load back

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

  function setSide(side) {
    var radio = $("team-" + side);
    if (radio) radio.checked = true;
    refreshChoices();
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
    showNeeds("injury", !!s.injury);
    showNeeds("var", !!s.var);
    showNeeds("minute", !!s.minute);
    showNeeds("added_minute", !!(s.minute || s.added));
    $("minute-source").hidden = !s.minute;
    $("hint-team").hidden = !s.teamHint;
    $("label-player").textContent = s.playerLabel || "Player";
    $("field-team").querySelector("legend").firstChild.textContent = (s.teamLabel || "Team") + " ";
    $("label-second_player").textContent = s.secondLabel || "Second player";
    $("label-added_minute").textContent = s.addedLabel || "Added";
    if (currentKind() === "added_time" && !editing) fields.added_minute.value = "";
    clearErrors();
    refreshChoices();
    followClock();
  }

  function playerLabel(player) {
    return player.number + "  " + player.name;
  }

  function fillSelect(select, ids, placeholder) {
    var keep = select.value;
    var options = [new Option(placeholder, "")];
    ids
      .map(function (id) {
        return players.get(id);
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
      ids = sidePlayers[side].slice();
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

  function refreshChoices() {
    var s = spec();
    var side = currentSide();
    if (s.player) {
      var pitch = pitchOf(side);
      var empty = sidePlayers[side].length === 0;
      fillSelect(fields.player, candidates(s.player, side), empty ? "No lineup for this team" : s.playerOptional ? "None" : "Choose…");
      if (!editing && pitch && s.player === "booked" && fields.player.options.length === 1) {
        fields.player.options[0].textContent = "Nobody on the pitch is booked";
      }
    }
    if (s.second) {
      var exclude = Number(fields.player.value) || null;
      fillSelect(fields.second_player, candidates(s.second, side, exclude), s.secondRequired ? "Choose…" : "None");
    }
    if (s.var) fillReviewed();
  }

  function eventSummary(event) {
    if (!event) return "";
    var text = event.minute_label + " " + event.kind_label;
    if (event.player) text += " — " + event.player.name;
    if (event.team) text += " (" + (event.team.short_name || event.team.name) + ")";
    if (event.state && event.state !== "active") text += " [" + event.state + "]";
    return text;
  }

  function fillReviewed() {
    var select = fields.reviewed_event;
    var keep = select.value;
    var options = [new Option("None: a missed incident", "")];
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

  // --- the minute follows the clock ---------------------------------------------------------------

  function followClock() {
    var source = $("minute-source-text");
    var button = $("minute-follow");
    if (editing) {
      source.textContent = "As recorded";
      button.hidden = true;
      return;
    }
    if (!minuteAuto) {
      source.textContent = "Set by hand";
      button.hidden = false;
      return;
    }
    button.hidden = true;
    var reading = view.reading();
    if (!reading) {
      source.textContent = "Clock stopped: enter the minute";
      return;
    }
    source.textContent = "From the live clock";
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

  // --- errors ------------------------------------------------------------------------------------

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
      button.textContent = "Load it back into the form";
      button.addEventListener("click", function () {
        loadPayload(options.reload);
      });
      box.appendChild(button);
    }
    box.hidden = false;
    if (fieldName) showFieldError(fieldName, options.fieldMessage || message);
  }

  /** Turn an API error body into {message, field, errors}. */
  function describeError(status, data) {
    data = data || {};
    var errors = Array.isArray(data.errors) ? data.errors : [];
    var field = data.field || (errors[0] && errors[0].field) || null;
    if (field && field.indexOf(".") !== -1) field = field.split(".").pop();
    var message = data.detail || (errors[0] && errors[0].message) || "The server refused this (HTTP " + status + ").";
    return { message: message, field: field, errors: errors };
  }

  // --- the queue -------------------------------------------------------------------------------

  function readQueue() {
    try {
      var items = JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]");
      return Array.isArray(items) ? items : [];
    } catch (error) {
      return [];
    }
  }

  function writeQueue(items) {
    try {
      localStorage.setItem(QUEUE_KEY, JSON.stringify(items));
      return true;
    } catch (error) {
      console.warn("Matchcentre: could not save the pending queue", error);
      return false;
    }
  }

  function updateItem(key, changes) {
    var items = readQueue();
    items.forEach(function (item) {
      if (item.key === key) Object.assign(item, changes);
    });
    writeQueue(items);
  }

  function removeItem(key) {
    writeQueue(
      readQueue().filter(function (item) {
        return item.key !== key;
      })
    );
  }

  function newKey() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.from(bytes, function (b) {
      return b.toString(16).padStart(2, "0");
    }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var input = form.querySelector('input[name="csrfmiddlewaretoken"]');
    return input ? input.value : "";
  }

  /** fetch with a timeout; resolves {status, data} or rejects on a network failure. */
  function request(method, url, payload) {
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
  }

  /** Kept queued and retried: the network, the server, an expired session or CSRF cookie, rate limits. */
  function isRetryable(result) {
    var status = result.status;
    if (status >= 500 || status === 408 || status === 425 || status === 429 || status === 401) return true;
    // Django's CSRF failure is an HTML 403; the API's own 403s are JSON and final.
    if (status === 403 && !result.json) return true;
    return false;
  }

  var sending = false;
  var pumpTimer = null;
  var lastNotice = "";

  function enqueue(payload, label) {
    var item = {
      key: payload.idempotency_key,
      matchId: matchId,
      url: CREATE_URL,
      body: payload,
      label: label,
      createdAt: new Date().toISOString(),
      attempts: 0,
      nextAt: 0,
      lastError: "",
    };
    var items = readQueue();
    items.push(item);
    if (!writeQueue(items)) {
      // Storage is full or disabled: still send it, but say it will not survive a reload.
      memoryQueue.push(item);
      setPendingStatus("This browser is not keeping a copy: do not reload until it is sent.");
    }
    renderQueue();
    pump();
  }

  var memoryQueue = [];

  function queueItems() {
    return readQueue().concat(memoryQueue);
  }

  function setPendingStatus(text) {
    lastNotice = text;
    $("pending-status").textContent = text;
  }

  /** Send the head of the queue; the rest wait their turn, so events arrive in the order entered. */
  function pump() {
    clearTimeout(pumpTimer);
    pumpTimer = null;
    if (sending) return;
    var items = queueItems();
    if (!items.length) {
      renderQueue();
      return;
    }
    var item = items[0];
    var wait = (item.nextAt || 0) - Date.now();
    if (wait > 0) {
      pumpTimer = setTimeout(pump, Math.min(wait, 30000));
      renderQueue();
      return;
    }
    sending = true;
    updateItem(item.key, { sendingAt: Date.now() });
    renderQueue(item.key);
    request("POST", item.url, item.body)
      .then(function (result) {
        if (result.status >= 200 && result.status < 300) {
          forget(item);
          setPendingStatus((result.status === 201 ? "Recorded: " : "Already recorded: ") + item.label);
        } else if (isRetryable(result)) {
          var info = describeError(result.status, result.data);
          var note = result.status === 401 || result.status === 403
            ? "Not signed in any more: sign in again in another tab; it will be sent then."
            : info.message;
          retryLater(item, note);
        } else {
          forget(item);
          var error = describeError(result.status, result.data);
          lastFailed = item.body;
          if (item.matchId === matchId) {
            clearErrors();
            showError("Not recorded: " + item.label + ". " + error.message, error.field, {
              reload: item.body,
              fieldMessage: error.message,
            });
            error.errors.forEach(function (entry) {
              if (entry.field) showFieldError(entry.field.split(".").pop(), entry.message);
            });
          } else {
            setPendingStatus("Not recorded (match " + item.matchId + "): " + item.label + ". " + error.message);
          }
        }
      })
      .catch(function () {
        retryLater(item, navigator.onLine === false ? "Offline" : "No answer from the server");
      })
      .finally(function () {
        sending = false;
        renderQueue();
        pump();
      });
  }

  function forget(item) {
    removeItem(item.key);
    memoryQueue = memoryQueue.filter(function (other) {
      return other.key !== item.key;
    });
  }

  function retryLater(item, note) {
    var attempts = (item.attempts || 0) + 1;
    var changes = { attempts: attempts, nextAt: Date.now() + MC.backoffDelay(attempts - 1), lastError: note, sendingAt: 0 };
    updateItem(item.key, changes);
    memoryQueue.forEach(function (other) {
      if (other.key === item.key) Object.assign(other, changes);
    });
  }

  function retryAllNow() {
    var items = readQueue();
    items.forEach(function (item) {
      item.nextAt = 0;
    });
    writeQueue(items);
    memoryQueue.forEach(function (item) {
      item.nextAt = 0;
    });
    pump();
  }

  function discard(key) {
    var item = queueItems().find(function (other) {
      return other.key === key;
    });
    if (!item) return;
    if (!window.confirm("Discard “" + item.label + "”? It may already have reached the server if it was being sent.")) return;
    forget(item);
    renderQueue();
  }

  function describeWait(item, now) {
    if (item.sendingAt && sending) return "sending…";
    var wait = Math.ceil(((item.nextAt || 0) - now) / 1000);
    var base = item.attempts ? "pending, attempt " + (item.attempts + 1) : "pending";
    if (wait > 0) base += ", retry in " + wait + " s";
    return item.lastError ? base + " (" + item.lastError + ")" : base;
  }

  /** The pending list: plain text built with textContent (editor-typed labels are never parsed as HTML). */
  function renderQueue() {
    var items = queueItems();
    var list = $("pending-list");
    var count = $("pending-count");
    count.textContent = items.length;
    count.dataset.count = items.length;
    $("pending").classList.toggle("pending--has-items", items.length > 0);
    var now = Date.now();
    var rows = items.map(function (item) {
      var row = document.createElement("li");
      row.className = "pending__item";
      row.dataset.key = item.key;
      var label = document.createElement("span");
      label.className = "pending__label";
      label.textContent = item.label + (item.matchId !== matchId ? " (match " + item.matchId + ")" : "");
      var state = document.createElement("span");
      state.className = "pending__state";
      state.textContent = describeWait(item, now);
      var actions = document.createElement("span");
      actions.className = "pending__actions";
      var retry = document.createElement("button");
      retry.type = "button";
      retry.className = "button button--small";
      retry.dataset.action = "retry";
      retry.textContent = "Retry now";
      var drop = document.createElement("button");
      drop.type = "button";
      drop.className = "button button--small button--quiet";
      drop.dataset.action = "discard";
      drop.textContent = "Discard";
      actions.append(retry, drop);
      row.append(label, state, actions);
      return row;
    });
    list.replaceChildren.apply(list, rows);
    if (!items.length && lastNotice.indexOf("pending") !== -1) setPendingStatus("");
  }

  $("pending-list").addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    if (!button) return;
    var key = button.closest("[data-key]").dataset.key;
    if (button.dataset.action === "discard") discard(key);
    else retryAllNow();
  });

  window.addEventListener("online", retryAllNow);
  window.addEventListener("storage", function (event) {
    if (event.key === QUEUE_KEY) {
      renderQueue();
      pump();
    }
  });
  setInterval(function () {
    if (queueItems().length) renderQueue();
  }, 1000);

  // --- building a submission -------------------------------------------------------------------

  function intOrNull(value) {
    if (value === "" || value === null || value === undefined) return null;
    var number = parseInt(value, 10);
    return isNaN(number) ? null : number;
  }

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

  /** Catch the obvious before queueing; the server checks everything again. */
  function checkForm(data) {
    var s = KINDS[data.kind] || {};
    if (s.player && !s.playerOptional && !data.player) return ["player", "Choose the player."];
    if (s.var && data.var_category === "mistaken_identity" && !data.reviewed_event) {
      return ["reviewed_event", "Choose the card shown to the wrong player."];
    }
    if (s.secondRequired && !data.second_player) return ["second_player", "Choose the player coming on."];
    if (s.minute && data.minute === null) return ["minute", "Give the minute."];
    if (s.addedRequired && !data.added_minute) return ["added_minute", "Give the minutes announced."];
    return null;
  }

  function describePayload(data) {
    var kindInput = $("kind-" + data.kind);
    var kindLabel = kindInput ? kindInput.closest("label").querySelector(".kind-option__label").textContent : data.kind;
    var parts = [kindLabel];
    var player = data.player ? players.get(data.player) : null;
    if (player) parts.push(player.name);
    if (data.kind === "substitution" && data.second_player && players.get(data.second_player)) {
      parts.push("for " + players.get(data.second_player).name);
    }
    if (data.kind === "added_time" && data.added_minute) parts.push("+" + data.added_minute);
    else if (data.minute !== null) parts.push(data.minute + (data.added_minute ? "+" + data.added_minute : "") + "'");
    return parts.join(" · ");
  }

  function submitNew() {
    var data = readForm();
    var problem = checkForm(data);
    clearErrors();
    if (problem) {
      showFieldError(problem[0], problem[1]);
      var input = fieldElement(problem[0]);
      if (input) input.focus();
      return;
    }
    data.idempotency_key = newKey();
    enqueue(data, describePayload(data));
    resetForNext();
  }

  /** After a submission: keep the kind and team, clear the rest, follow the clock again. */
  function resetForNext() {
    fields.player.value = "";
    fields.second_player.value = "";
    fields.goal_type.value = "";
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
  }

  /** Make sure a select can show a value (a player no longer on the pitch, an event not listed). */
  function ensureOption(select, id) {
    var value = String(id);
    for (var i = 0; i < select.options.length; i += 1) {
      if (select.options[i].value === value) return;
    }
    var player = players.get(Number(id));
    var event = view.events.get(Number(id));
    var text = select === fields.reviewed_event ? eventSummary(event) || "#" + id : player ? playerLabel(player) : "#" + id;
    select.add(new Option(text, value));
  }

  // --- editing and deleting ----------------------------------------------------------------------

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
      showError("Period and added-time events cannot be edited: delete it and record it again.");
      return;
    }
    if (event.state !== "active") {
      clearErrors();
      showError("A removed or disallowed event cannot be edited.");
      return;
    }
    editing = { id: event.id, version: event.version, original: eventToForm(event) };
    form.dataset.mode = "edit";
    form.dataset.eventId = event.id;
    $("edit-banner").hidden = false;
    $("edit-banner-text").textContent = eventSummary(event);
    $("form-mode-label").textContent = "Edit event";
    $("event-submit").firstChild.textContent = "Save changes ";
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
    var first = fields.player.closest("[hidden]") ? fields.minute : fields.player;
    (first.closest("[hidden]") ? fields.commentary : first).focus();
  }

  function exitEdit() {
    if (!editing) return;
    editing = null;
    form.dataset.mode = "create";
    delete form.dataset.eventId;
    $("edit-banner").hidden = true;
    $("form-mode-label").textContent = "New event";
    $("event-submit").firstChild.textContent = "Record event ";
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
      showError("Nothing has changed.");
      return;
    }
    changes.version = editing.version;
    var reason = fields.reason.value.trim();
    if (reason) changes.reason = reason;
    var id = editing.id;
    var button = $("event-submit");
    button.disabled = true;
    request("PATCH", EVENT_URL + id, changes)
      .then(function (result) {
        if (result.status >= 200 && result.status < 300) {
          if (result.data && result.data.event) view.events.set(id, result.data.event);
          setPendingStatus("Saved: " + eventSummary(result.data && result.data.event));
          exitEdit();
        } else if (result.status === 409) {
          showConflict(result.data, id);
        } else {
          var error = describeError(result.status, result.data);
          showError("Not saved. " + error.message, error.field);
          error.errors.forEach(function (entry) {
            if (entry.field) showFieldError(entry.field.split(".").pop(), entry.message);
          });
        }
      })
      .catch(function () {
        showError("Not saved: no answer from the server. Your changes are still in the form; try again.");
      })
      .finally(function () {
        button.disabled = false;
      });
  }

  function deleteEvent(event) {
    if (!event) return;
    if (!window.confirm("Delete “" + eventSummary(event) + "”?\nFans will see it struck out.")) return;
    var url = EVENT_URL + event.id + "?version=" + encodeURIComponent(event.version);
    request("DELETE", url)
      .then(function (result) {
        if (result.status >= 200 && result.status < 300) {
          if (result.data && result.data.event) view.events.set(event.id, result.data.event);
          setPendingStatus("Deleted: " + eventSummary(event));
          if (editing && editing.id === event.id) exitEdit();
        } else if (result.status === 409) {
          showConflict(result.data, event.id);
        } else {
          var error = describeError(result.status, result.data);
          clearErrors();
          showError("Not deleted. " + error.message);
        }
      })
      .catch(function () {
        clearErrors();
        showError("Not deleted: no answer from the server. Try again.");
      });
  }

  var conflictEvent = null;

  function showConflict(data, id) {
    data = data || {};
    var current = data.current || view.events.get(id) || null;
    if (current) view.events.set(current.id, current);
    conflictEvent = current;
    $("conflict-detail").textContent = data.detail || "This event was changed by someone else.";
    $("conflict-current").textContent = current ? eventSummary(current) + (current.commentary ? ": “" + current.commentary + "”" : "") : "(unknown)";
    $("conflict-redo").hidden = !current || current.state !== "active" || !!NOT_EDITABLE[current.kind];
    var dialog = $("conflict-dialog");
    if (typeof dialog.showModal === "function") {
      if (!dialog.open) dialog.showModal();
    } else {
      dialog.setAttribute("open", "");
    }
  }

  function closeConflict() {
    var dialog = $("conflict-dialog");
    if (typeof dialog.close === "function" && dialog.open) dialog.close();
    else dialog.removeAttribute("open");
  }

  $("conflict-redo").addEventListener("click", function () {
    closeConflict();
    editing = null;
    startEdit(conflictEvent);
  });
  $("conflict-close").addEventListener("click", closeConflict);

  /** Someone else changed the event being edited: say so before a save is refused. */
  function noticeConcurrentEdit(message) {
    if (!editing || !message.event || message.event.id !== editing.id) return;
    if (message.event.version === editing.version) return;
    var text = $("edit-banner-text");
    text.textContent = eventSummary(message.event) + " (just changed by someone else: saving will be refused; reload it to redo)";
    highlightEditing();
  }

  // --- Edit / Delete buttons on the timeline ----------------------------------------------------

  function decorateTimeline() {
    var timeline = $("timeline");
    if (!timeline) return;
    timeline.querySelectorAll("li.event").forEach(function (item) {
      if (item.querySelector(".event__actions")) return;
      var id = Number(item.dataset.eventId);
      var state = item.dataset.state || (item.classList.contains("event--removed") ? "removed" : "active");
      var kind = item.dataset.kind;
      var actions = document.createElement("div");
      actions.className = "event__actions";
      if (state === "active" && !NOT_EDITABLE[kind]) {
        var edit = document.createElement("button");
        edit.type = "button";
        edit.className = "button button--small";
        edit.dataset.action = "edit";
        edit.dataset.eventId = id;
        edit.textContent = "Edit";
        actions.appendChild(edit);
      }
      if (state !== "removed") {
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "button button--small button--danger";
        remove.dataset.action = "delete";
        remove.dataset.eventId = id;
        remove.textContent = "Delete";
        actions.appendChild(remove);
      }
      if (kind === "var_check" && state === "active") {
        var outcome = item.dataset.varOutcome || "in_progress";
        if (outcome === "in_progress") actions.appendChild(actionButton("ofr", id, "On-field review"));
        if (outcome === "in_progress" || outcome === "on_field_review") {
          actions.appendChild(actionButton("var", id, "Decide…", "button--primary"));
        } else if (CAN_CORRECT) {
          actions.appendChild(actionButton("var", id, "Change decision…"));
        }
      }
      if (actions.childElementCount) item.appendChild(actions);
    });
    highlightEditing();
  }

  function actionButton(action, id, text, extraClass) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button--small" + (extraClass ? " " + extraClass : "");
    button.dataset.action = action;
    button.dataset.eventId = id;
    button.textContent = text;
    return button;
  }

  $("timeline-container").addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    if (!button) return;
    var record = view.events.get(Number(button.dataset.eventId));
    var action = button.dataset.action;
    if (action === "edit") startEdit(record);
    else if (action === "delete") deleteEvent(record);
    else if (action === "ofr") startOnFieldReview(record, button);
    else if (action === "var") openVarDialog(record);
  });

  // --- VAR: on-field review and decisions ----------------------------------------------------------

  var varCheck = null;

  function startOnFieldReview(check, button) {
    if (!check) return;
    button.disabled = true;
    request("POST", EVENT_URL + check.id + "/on-field-review?version=" + encodeURIComponent(check.version))
      .then(function (result) {
        if (result.status >= 200 && result.status < 300) {
          if (result.data && result.data.event) view.events.set(check.id, result.data.event);
          setPendingStatus("On-field review: " + eventSummary(check));
        } else if (result.status === 409) {
          showConflict(result.data, check.id);
        } else {
          clearErrors();
          showError("Not recorded. " + describeError(result.status, result.data).message);
        }
      })
      .catch(function () {
        clearErrors();
        showError("Not recorded: no answer from the server. Try again.");
      })
      .finally(function () {
        button.disabled = false;
      });
  }

  function fillVarPlayers(check) {
    var select = $("var-player");
    var groups = [new Option("None", "")];
    ["home", "away"].forEach(function (side) {
      var group = document.createElement("optgroup");
      var radio = $("team-" + side);
      group.label = radio ? radio.closest("label").textContent.trim() : side;
      sidePlayers[side]
        .map(function (id) { return players.get(id); })
        .sort(function (a, b) { return a.number - b.number; })
        .forEach(function (player) {
          group.appendChild(new Option(playerLabel(player), String(player.id)));
        });
      if (group.childElementCount) groups.push(group);
    });
    select.replaceChildren.apply(select, groups);
    select.value = "";
  }

  function openVarDialog(check) {
    if (!check) return;
    varCheck = check;
    $("var-dialog-check").textContent = eventSummary(check) + (check.var_reason ? ": " + check.var_reason : "");
    $("var-error").hidden = true;
    $("var-decision-stands").checked = true;
    $("var-decision_reason").value = check.decision_reason || "";
    $("var-reason").value = "";
    $("var-reason-wrap").hidden = !(check.var_outcome === "stands" || check.var_outcome === "overturned");
    fillVarPlayers(check);
    var dialog = $("var-dialog");
    if (typeof dialog.showModal === "function") dialog.showModal();
    else dialog.setAttribute("open", "");
    $("var-decision-stands").focus();
  }

  function closeVarDialog() {
    var dialog = $("var-dialog");
    if (typeof dialog.close === "function" && dialog.open) dialog.close();
    else dialog.removeAttribute("open");
  }

  $("var-cancel").addEventListener("click", closeVarDialog);
  $("var-form").addEventListener("submit", function (event) {
    event.preventDefault();
    if (!varCheck) return;
    var check = varCheck;
    var decision = $("var-form").querySelector('input[name="decision"]:checked');
    var payload = {
      decision: decision ? decision.value : "stands",
      decision_reason: $("var-decision_reason").value,
      player: intOrNull($("var-player").value),
      reason: $("var-reason").value.trim(),
      version: check.version,
    };
    var button = $("var-submit");
    button.disabled = true;
    request("POST", EVENT_URL + check.id + "/var-decision", payload)
      .then(function (result) {
        if (result.status >= 200 && result.status < 300) {
          if (result.data && result.data.event) view.events.set(check.id, result.data.event);
          setPendingStatus("VAR decision recorded: " + eventSummary((result.data && result.data.event) || check));
          closeVarDialog();
          return;
        }
        var error = describeError(result.status, result.data);
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

  // --- keyboard ----------------------------------------------------------------------------------

  var shortcuts = {};
  form.querySelectorAll('input[name="kind"][data-shortcut]').forEach(function (radio) {
    if (radio.dataset.shortcut) shortcuts[radio.dataset.shortcut] = radio.value;
  });

  function isTyping(target) {
    if (!target || !target.closest) return false;
    if (target.isContentEditable) return true;
    var tag = target.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    if (tag === "INPUT") return ["radio", "checkbox", "button", "submit", "reset"].indexOf(target.type) === -1;
    return false;
  }

  /** After a kind is picked by key: on to the first thing it needs. */
  function focusAfterKind() {
    var s = spec();
    var target = null;
    if (s.team) target = form.querySelector('input[name="team"]:checked');
    else if (s.added) target = fields.added_minute;
    else if (s.var) target = fields.reviewed_event;
    else target = $("event-submit");
    if (target) target.focus();
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if ($("conflict-dialog").open || $("var-dialog").open) return;
    if (event.key === "Escape") {
      if (editing) {
        event.preventDefault();
        exitEdit();
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
      if (!spec().team) return;
      event.preventDefault();
      setSide(currentSide() === "home" ? "away" : "home");
      var team = form.querySelector('input[name="team"]:checked');
      if (team) team.focus();
      return;
    }
    var kind = shortcuts[event.key.toLowerCase()];
    if (kind) {
      var radio = $("kind-" + kind);
      if (!radio || radio.disabled) return;
      event.preventDefault();
      setKind(kind);
      focusAfterKind();
    }
  });

  // Enter records from anywhere in the form; in the commentary Shift+Enter is a new line.
  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.isComposing || event.ctrlKey || event.altKey || event.metaKey) return;
    var target = event.target;
    if (target.tagName === "BUTTON") return;
    if (target.tagName === "TEXTAREA" && event.shiftKey) return;
    event.preventDefault();
    form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit", { cancelable: true }));
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (editing) submitEdit();
    else submitNew();
  });

  form.addEventListener("change", function (event) {
    var name = event.target.name;
    if (name === "kind") applyKind();
    else if (name === "team") refreshChoices();
    else if (name === "player" && spec().second) refreshChoices();
    else if (name === "var_category") fillReviewed();
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

  function toggleHelp(force) {
    var help = $("shortcuts-help");
    var show = force === undefined ? help.hidden : force;
    help.hidden = !show;
    $("shortcuts-toggle").setAttribute("aria-expanded", String(show));
  }
  $("shortcuts-toggle").addEventListener("click", function () {
    toggleHelp();
  });

  // --- start ---------------------------------------------------------------------------------------
  applyKind();
  decorateTimeline();
  renderQueue();
  pump();

  MC.console = {
    queue: queueItems,
    pump: pump,
    startEdit: function (id) {
      startEdit(view.events.get(Number(id)));
    },
    lastFailed: function () {
      return lastFailed;
    },
  };
})();
