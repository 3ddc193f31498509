/*
 * console.js: the editor console for one match: reads the page, builds the pieces, wires them.
 *
 * The pieces (each in static/js/console/, each with its own header):
 *   MC.EditorApi        requests to the editor API, and its answers put into words (api.js)
 *   MC.Roster           who is in the two lineups (roster.js)
 *   MC.PlayerPicker     a player picked by name or number (player-picker.js)
 *   MC.Outbox           new events, kept in localStorage until the server has them (outbox.js)
 *   MC.EventForm        recording and editing an event (form.js)
 *   MC.ConflictDialog   a 409: the event as someone else left it (conflict-dialog.js)
 *   MC.VarDialog        the VAR decision (var-dialog.js)
 *   MC.UndoLast         "Undo" for 10 seconds after an event is recorded (undo.js)
 *   MC.TimelineActions  Edit / Delete / VAR buttons on the timeline (timeline-actions.js)
 *   MC.Keyboard         shortcuts (keyboard.js)
 *
 * The timeline, score, clock and who is on the pitch come over the same live connection as
 * the public page (live.js's MatchView), so the player lists follow the match.
 *
 * Page data: body data-match-id, data-ws-path, data-api-create, data-api-event,
 * data-can-correct, and the snapshot in <script id="snapshot">.
 * Exposes MC.view, MC.live and MC.console ({queue, pump, startEdit(id), lastFailed}).
 */
(function () {
  "use strict";
  var MC = window.Matchcentre;
  var body = document.body;
  var matchId = Number(body.dataset.matchId);
  var CREATE_URL = body.dataset.apiCreate || "/api/matches/" + matchId + "/events";
  var EVENT_URL = body.dataset.apiEvent || "/api/events/";

  var snapshot = MC.readJson("snapshot");
  if (!snapshot) return;

  var formElement = document.getElementById("event-form");
  var request = MC.EditorApi.requester(formElement);
  var roster = new MC.Roster();
  roster.load(snapshot.lineups);

  // Built before the pieces it feeds, but only applied (view.init) once they all exist.
  var view = new MC.MatchView({
    onApplied: function (kind, message) {
      if (kind === "snapshot" && message.lineups) roster.load(message.lineups);
      timelineActions.decorate();
      form.refreshChoices();
      if (kind === "change") form.noticeConcurrentEdit(message);
    },
  });

  var outbox = MC.Outbox.create({
    matchId: matchId,
    url: CREATE_URL,
    request: request,
    onRefused: function (item, error) {
      form.showRefusal(item, error);
    },
    onRecorded: function (item, event) {
      undo.offer(event, item.label);
    },
  });
  var conflict = MC.ConflictDialog.create({
    view: view,
    isEditable: MC.EventForm.isEditable,
    onRedo: function (event) {
      form.redoEdit(event);
    },
  });
  var form = MC.EventForm.create({
    element: formElement,
    view: view,
    roster: roster,
    request: request,
    eventUrl: EVENT_URL,
    enqueue: outbox.add,
    detach: outbox.detach,
    say: outbox.say,
    showConflict: conflict.show,
  });
  var varDialog = MC.VarDialog.create({
    view: view,
    roster: roster,
    request: request,
    eventUrl: EVENT_URL,
    say: outbox.say,
  });
  var undo = MC.UndoLast.create({
    request: request,
    eventUrl: EVENT_URL,
    view: view,
    say: outbox.say,
    showError: function (message) {
      form.clearErrors();
      form.showError(message);
    },
    showConflict: conflict.show,
  });
  var timelineActions = MC.TimelineActions.create({
    view: view,
    form: form,
    request: request,
    eventUrl: EVENT_URL,
    canCorrect: body.dataset.canCorrect === "true",
    say: outbox.say,
    showConflict: conflict.show,
    openVarDialog: varDialog.open,
  });
  MC.Keyboard.install({
    form: form,
    dialogs: [conflict, varDialog],
    actions: { d: varDialog.openLatest, u: undo.undo },
  });

  view.init(snapshot);
  view.startClock();
  MC.live = view.connect(body.dataset.wsPath, matchId);
  MC.view = view;

  // --- start ---------------------------------------------------------------------------------------
  form.applyKind();
  timelineActions.decorate();
  outbox.render();
  outbox.pump();

  MC.console = {
    queue: outbox.items,
    pump: outbox.pump,
    startEdit: function (id) {
      form.startEdit(view.events.get(Number(id)));
    },
    lastFailed: outbox.lastFailed,
  };
})();
