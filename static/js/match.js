/* match.js: the public match page. Wires live.js to the page and runs the clock. */
(function () {
  "use strict";
  var MC = window.Matchcentre;
  var snapshot = MC.readJson("snapshot");
  if (!snapshot) return;

  var view = new MC.MatchView({ updateTitle: true });
  view.init(snapshot);
  view.startClock();

  MC.live = view.connect(document.body.dataset.wsPath, document.body.dataset.matchId);
  MC.view = view;
})();
