/*
 * console/roster.js: who is in the two lineups (starters and bench), by player id.
 *
 *   new MC.Roster()
 *     roster.load(lineups)  replace it from a snapshot's lineups ({home, away}: {starting, bench})
 *     roster.get(id)        the player dict with its side ("home" / "away"), or undefined
 *     roster.idsOf(side)    that side's player ids, in lineup order (a copy)
 *   MC.Roster.playerLabel(player)
 *     how a player reads in a select: "10  Dries Mertens".
 *
 * Shared by the event form and the VAR dialog; console.js reloads it on every snapshot.
 * Who is on the pitch right now is not here: that is the live view's match.pitch.
 */
(function () {
  "use strict";
  var MC = window.Matchcentre;

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
    return player.number + "  " + player.name;
  };

  MC.Roster = Roster;
})();
