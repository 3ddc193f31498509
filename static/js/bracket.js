/*
 * bracket.js: the bracket page and the tournament page. The bracket socket sends a snapshot of the whole
 * bracket, then, for each change of a tie's leg, a league-phase match or a match of a group stage that
 * leads into the bracket, that part of the bracket whole: its server markup, the match's seq and the
 * part's version (docs/protocol.md, "The bracket socket"). A group-stage change also brings its group's
 * table, compact, which the tournament page shows with every other group's.
 *
 * A knockout match of such a competition may move the path to the final as well: that part comes in the
 * change's `also`, applied by the same rules.
 *
 * Seq is kept per match: a duplicate is dropped and a gap reconnects for a fresh snapshot (live.js).
 * A part is replaced only by a higher version: of two changes built one after the other, the later
 * one holds both, so the page ends right whatever order they arrive in. A group's table is kept at its
 * own highest version in the same way (two groups' changes may arrive in either order).
 *
 * A group-stage change may instead carry only the pieces of the part it moved (`pieces`, by element id) and
 * `base`, the version they apply to: placed only on that version, else the page starts again.
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
  var versions = new Map(); // part ("tie-9", "league-phase", "group-stage") -> version shown
  var tables = new Map(); // group id -> version of its table shown (the tournament page's groups)
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

  /** A group's table, compact, where the page shows it: when it is newer than the one shown (a change), or
   * other than it (`whatever`: a snapshot, which is the state as it is). */
  function placeTable(groupId, version, html, whatever) {
    var shown = tables.get(Number(groupId));
    if (shown !== undefined && (whatever ? version === shown : version <= shown)) return null;
    var element = document.getElementById("tournament-group-" + groupId);
    var fresh = element ? MC.fromHtml(html) : null;
    if (!fresh) return null;
    tables.set(Number(groupId), version);
    element.replaceWith(fresh);
    return fresh;
  }

  function takeTables(message) {
    var html = message.tables_html || {};
    Object.keys(message.tables || {}).forEach(function (groupId) {
      if (html[groupId]) placeTable(groupId, message.tables[groupId], html[groupId], true);
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

  /** The pieces of a part that a change moved (`base`: the version they apply to). Applied only on top of
   * that version: a page that missed the change before starts again from a snapshot. */
  function placePieces(change) {
    var shown = versions.get(change.part);
    if (shown !== undefined && change.version <= shown) return; // built before what the page shows
    if (shown !== change.base) {
      MC.live.resync();
      return;
    }
    var root = document.getElementById(change.part);
    if (!root) {
      MC.live.resync();
      return;
    }
    versions.set(change.part, change.version);
    if (change.root) {
      root.dataset.provisional = String(change.root.provisional);
      root.dataset.qualifying = change.root.qualifying;
      root.classList.toggle("league-feed--provisional", change.root.provisional);
    }
    Object.keys(change.pieces).forEach(function (id) {
      var element = document.getElementById(id);
      var fresh = MC.fromHtml(change.pieces[id]);
      if (!element || !fresh) return;
      element.replaceWith(fresh);
      localise(fresh);
      if (id !== "group-stage-basis") MC.flash(fresh, "league-feed--changed", 3000);
      else announce(fresh.textContent.replace(/\s+/g, " ").trim());
    });
  }

  /** A part of a change (the change itself, or one of its `also`), when it is newer than the one shown. */
  function placePart(change) {
    var part = change.part;
    if (!part) return; // the change moved nothing the bracket shows
    if (change.pieces) {
      placePieces(change);
      return;
    }
    var shown = versions.get(part);
    if (shown !== undefined && change.version <= shown) return; // built before what the page shows
    var element = document.getElementById(part);
    var fresh = MC.fromHtml(change.html);
    if (!element || !fresh) {
      MC.live.resync(); // a part this page does not have (a tie added since): start again
      return;
    }
    versions.set(part, change.version);
    element.replaceWith(fresh);
    localise(fresh);
    MC.flash(fresh, change.tie ? "tie--changed" : "league-feed--changed", 3000);
    if (change.tie) announce(change.tie.problem || (change.tie.state && change.tie.state.sentence));
    else if (change.group_stage) {
      var basis = fresh.querySelector("[data-announce]");
      if (basis) announce(basis.textContent.replace(/\s+/g, " ").trim());
    }
  }

  take(state);
  Object.keys(state.tables || {}).forEach(function (groupId) {
    tables.set(Number(groupId), state.tables[groupId]);
  });

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
      takeTables(message);
    },
    onChange: function (message) {
      seqs.set(Number(message.match_id), message.seq);
      var table = message.table;
      var changedTable = table ? placeTable(table.group_id, table.version, table.html) : null;
      if (changedTable) MC.flash(changedTable, "tournament-group--changed", 3000);
      [message].concat(message.also || []).forEach(placePart);
    },
    onStatus: function (status, detail) {
      MC.showStatus(status, detail);
    },
  });
})();
