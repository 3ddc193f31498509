/* match.js: the public match page. Wires live.js to the page and runs the clock. */
(function () {
  "use strict";
  var MC = window.Matchcentre;
  var snapshot = MC.readJson("snapshot");
  if (!snapshot) return;

  var view = new MC.MatchView({ updateTitle: true });
  view.init(snapshot);
  view.startClock();

  var body = document.body;
  MC.live = MC.connectLive({
    path: body.dataset.wsPath,
    matchId: body.dataset.matchId,
    getSeq: function () {
      return view.seq;
    },
    onSnapshot: function (message) {
      view.applySnapshot(message);
    },
    onChange: function (message) {
      view.applyChange(message);
    },
    onStatus: function (status, detail) {
      MC.showStatus(status, detail);
    },
  });
  MC.view = view;
})();
