/*
 * bracket.js: the bracket page. The bracket socket sends a snapshot of the whole bracket, then, for
 * each change of a tie's leg or of a league-phase match, that part of the bracket whole: its server
 * markup, the match's seq and the part's version (docs/protocol.md, "The bracket socket").
 *
 * Seq is kept per match: a duplicate is dropped and a gap reconnects for a fresh snapshot (live.js).
 * A part is replaced only by a higher version: of two changes built one after the other, the later
 * one holds both, so the page ends right whatever order they arrive in.
 *
 * Markup comes from the server: this file only places it.
 */
(function () {
  "use strict";
  var MC = window.Matchcentre;
  var state = MC.readJson("bracket-state");
  var path = document.body.dataset.wsPath;
  if (!state || !path) return;

  var seqs = new Map(); // match id -> last seq applied
  var versions = new Map(); // part ("tie-9", "league-phase") -> version shown
  var announcer = document.getElementById("bracket-announcer");

  function take(message) {
    seqs.clear();
    versions.clear();
    Object.keys(message.seqs || {}).forEach(function (id) {
      seqs.set(Number(id), message.seqs[id]);
    });
    Object.keys(message.versions || {}).forEach(function (part) {
      versions.set(part, message.versions[part]);
    });
  }

  /** Does the snapshot show anything other than the page does? (Then it replaces the whole bracket.) */
  function differs(message) {
    var given = message.versions || {};
    var parts = Object.keys(given);
    if (parts.length !== versions.size) return true;
    return parts.some(function (part) {
      return versions.get(part) !== given[part];
    });
  }

  function localise(root) {
    if (MC.localise) MC.localise(root);
  }

  function announce(text) {
    if (announcer && text) announcer.textContent = text;
  }

  take(state);

  MC.live = MC.connectLive({
    path: path,
    useSince: false, // every (re)connection starts from a snapshot: there is no single seq to resume from
    getSeq: function (matchId) {
      var seq = seqs.get(Number(matchId));
      return seq === undefined ? null : seq;
    },
    onSnapshot: function (message) {
      if (!message.bracket) return;
      var changed = differs(message);
      take(message);
      var body = document.getElementById("bracket-body");
      var fresh = changed ? MC.fromHtml(message.html) : null;
      if (body && fresh) {
        body.replaceWith(fresh);
        localise(fresh);
      }
    },
    onChange: function (message) {
      seqs.set(Number(message.match_id), message.seq);
      var part = message.part;
      if (!part) return;
      var shown = versions.get(part);
      if (shown !== undefined && message.version <= shown) return; // built before what the page shows
      var element = document.getElementById(part);
      var fresh = MC.fromHtml(message.html);
      if (!element || !fresh) {
        MC.live.resync(); // a part this page does not have (a tie added since): start again
        return;
      }
      versions.set(part, message.version);
      element.replaceWith(fresh);
      localise(fresh);
      MC.flash(fresh, message.tie ? "tie--changed" : "league-feed--changed", 3000);
      if (message.tie) announce(message.tie.problem || (message.tie.state && message.tie.state.sentence));
    },
    onStatus: function (status, detail) {
      MC.showStatus(status, detail);
    },
  });
})();
