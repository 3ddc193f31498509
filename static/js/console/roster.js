/*
 * console/roster.js: who is in the two lineups (starters and bench), by player id.
 *
 *   new MC.Roster()
 *     roster.load(lineups)  replace it from a snapshot's lineups ({home, away}: {starting, bench})
 *     roster.get(id)        the player dict with its side ("home" / "away"), or undefined
 *     roster.idsOf(side)    that side's player ids, in lineup order (a copy)
 *   MC.Roster.playerLabel(player)
 *     how a player reads in a select: "10  Dries Mertens".
 *   MC.Roster.describer(roster, match)
 *     returns describe(id) for MC.PlayerPicker: number, name, side, team (short name) and where the
 *     player is now from match().pitch (on the pitch, on the bench, off, sent off).
 *
 * Shared by the event form and the VAR dialog; console.js reloads it on every snapshot.
 * Who is on the pitch right now is not here: that is the live view's match.pitch.
 */
(function () {
  "use strict";
  var MC = window.Matchcentre;
  // The console's words in the page's language (live.js's helpers over Django's JavaScriptCatalog, /jsi18n/).
  var pgettext = MC.pgettext;
  // Where a player not on the pitch is, beside his name in the player picker.
  var WHERE = {
    sent_off: pgettext("where a player is", "sent off"),
    substituted_off: pgettext("where a player is", "off"),
    bench: pgettext("where a player is", "bench"),
  };

  function Roster() {
    this.players = new Map(); // id -> player dict + side
    this.sides = { home: [], away: [] };
  }

  Roster.prototype.load = function (lineups) {
    var players = new Map();
    var sides = { home: [], away: [] };
    ["home", "away"].forEach(function (side) {
      var lineup = (lineups && lineups[side]) || {};
      (lineup.starting || []).concat(lineup.bench || []).forEach(function (player) {
        var entry = Object.assign({ side: side }, player);
        players.set(player.id, entry);
        sides[side].push(player.id);
      });
    });
    this.players = players;
    this.sides = sides;
  };

  Roster.prototype.get = function (id) {
    return this.players.get(id);
  };

  Roster.prototype.idsOf = function (side) {
    return this.sides[side].slice();
  };

  Roster.playerLabel = function (player) {
    return (player.number === null || player.number === undefined ? "" : player.number + "  ") + player.name;
  };

  Roster.describer = function (roster, match) {
    return function (id) {
      var player = roster.get(id);
      if (!player) return null;
      var m = match() || {};
      var team = m[player.side] || {};
      var pitch = (m.pitch && m.pitch[player.side]) || null;
      var has = function (name) {
        return !!pitch && (pitch[name] || []).indexOf(id) !== -1;
      };
      var onPitch = pitch ? has("on_pitch") : true;
      var where = has("sent_off") ? WHERE.sent_off : has("substituted_off") ? WHERE.substituted_off : onPitch ? "" : WHERE.bench;
      return {
        number: player.number,
        name: player.name,
        side: player.side,
        team: team.code || team.short_name || team.name || "",
        onPitch: onPitch,
        where: where,
      };
    };
  };

  MC.Roster = Roster;
})();
