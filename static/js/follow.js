/*
 * Following teams, with no account needed: the teams are kept in this browser (localStorage). A signed-in
 * user's choice is kept on the server too (/api/me/followed-teams), so it goes with them to every device:
 * there the server's list is the one that counts, and a browser's own list is sent up only the first time
 * this browser syncs (when the server has none yet).
 *
 * Used by: the team page (its Follow button), the home page (followed teams' matches first) and the
 * "My teams" page (each followed team with its live or next match and its last result).
 */
(function (global) {
  "use strict";
  // The page's strings in its language (Django's JavaScriptCatalog, /jsi18n/, loaded before this file).
  var gettext = typeof window.gettext === "function" ? window.gettext : function (text) { return text; };
  var ngettext = typeof window.ngettext === "function" ? window.ngettext : function (one, many, n) { return n === 1 ? one : many; };
  function interpolate(format, values) {
    return format.replace(/%\((\w+)\)s/g, function (_match, name) { return String(values[name]); });
  }

  var KEY = "matchcentre:followed-teams";
  // Set once this browser has taken a signed-in user's list from the server.
  var SYNCED_KEY = "matchcentre:followed-teams-synced";
  var SERVER_URL = "/api/me/followed-teams";
  var MAX = 50;
  var listeners = [];

  function signedIn() {
    return document.body.hasAttribute("data-signed-in");
  }

  function read() {
    try {
      var ids = JSON.parse(global.localStorage.getItem(KEY) || "[]");
      return Array.isArray(ids) ? ids.filter(function (id) { return Number.isInteger(id) && id > 0; }) : [];
    } catch (error) {
      return [];
    }
  }

  function store(ids) {
    try {
      global.localStorage.setItem(KEY, JSON.stringify(ids.slice(0, MAX)));
    } catch (error) {
      /* storage refused: followed for this page only */
    }
    listeners.forEach(function (listener) {
      listener(ids);
    });
  }

  function readFlag() {
    try {
      return global.localStorage.getItem(SYNCED_KEY) === "1";
    } catch (error) {
      return false;
    }
  }

  function writeFlag() {
    try {
      global.localStorage.setItem(SYNCED_KEY, "1");
    } catch (error) {
      /* storage refused: the next page asks the server again */
    }
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function sendToServer(ids) {
    return fetch(SERVER_URL, {
      method: "PUT",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ teams: ids }),
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    });
  }

  /** A signed-in user's list from the server, taken as this browser's (or, the first time, sent up). */
  function syncFromServer() {
    if (!signedIn()) return Promise.resolve(read());
    return fetch(SERVER_URL, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        var local = read();
        var synced = readFlag();
        writeFlag();
        // An empty list on the server means "nothing yet" only to a browser that never synced with it; to
        // one that did, it means everything was unfollowed (on another device, perhaps).
        if (!synced && !data.teams.length && local.length) return sendToServer(local).then(function (saved) {
          return saved.teams;
        });
        store(data.teams);
        return data.teams;
      })
      .catch(function (error) {
        console.warn("Matchcentre: could not read the teams you follow from your account", error);
        return read();
      });
  }

  function isFollowed(teamId) {
    return read().indexOf(Number(teamId)) !== -1;
  }

  function setFollowed(teamId, follow) {
    var id = Number(teamId);
    var ids = read().filter(function (known) { return known !== id; });
    if (follow) ids.push(id);
    store(ids);
    if (signedIn()) {
      sendToServer(ids).catch(function (error) {
        console.warn("Matchcentre: could not save the teams you follow to your account", error);
      });
    }
    return ids;
  }

  // --- the team page's button ----------------------------------------------------------------

  function wireButton(button) {
    var teamId = Number(button.dataset.teamId);
    var name = button.dataset.teamName;
    function show() {
      var on = isFollowed(teamId);
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.textContent = on ? gettext("Following") : gettext("Follow");
      button.title = on ? interpolate(gettext("Stop following %(team)s"), { team: name })
        : interpolate(gettext("Follow %(team)s: their matches first on the home page"), { team: name });
    }
    button.addEventListener("click", function () {
      setFollowed(teamId, !isFollowed(teamId));
      show();
    });
    listeners.push(show);
    show();
    button.hidden = false;
  }

  // --- the home page: followed teams' matches first --------------------------------------------

  /** Competitions with a followed team's match go first, and in each list those matches lead. */
  function placeFollowed() {
    var container = document.getElementById("day-matches");
    if (!container) return;
    var ids = read();
    var sections = Array.prototype.slice.call(container.querySelectorAll(":scope > section.competition"));
    var withFollowed = [];
    sections.forEach(function (section) {
      var found = false;
      section.querySelectorAll("ul.fixtures").forEach(function (list) {
        var items = Array.prototype.slice.call(list.querySelectorAll(":scope > li[data-match-id]"));
        var followed = items.filter(function (item) {
          var mine = ids.indexOf(Number(item.dataset.homeId)) !== -1 || ids.indexOf(Number(item.dataset.awayId)) !== -1;
          item.classList.toggle("fixture--followed", mine);
          return mine;
        });
        followed.reverse().forEach(function (item) {
          list.insertBefore(item, list.firstChild);
        });
        found = found || followed.length > 0;
      });
      section.classList.toggle("competition--followed", found);
      if (found) withFollowed.push(section);
    });
    withFollowed.reverse().forEach(function (section) {
      container.insertBefore(section, container.firstChild);
    });
  }

  // --- the "My teams" page --------------------------------------------------------------------

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function matchLine(label, match) {
    var line = element("p", "my-team__match");
    line.appendChild(element("span", "my-team__label", label + ": "));
    var link = element("a", null, match.home.name + " " + (match.status === "scheduled" || match.status === "postponed"
      ? "v" : match.home_score + "–" + match.away_score) + " " + match.away.name);
    link.href = "/matches/" + match.id + "/";
    line.appendChild(link);
    var when = element("time", "my-team__when");
    when.dateTime = match.kickoff;
    when.textContent = new Date(match.kickoff).toLocaleString(document.documentElement.lang || undefined, {
      weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
    });
    line.appendChild(document.createTextNode(" · "));
    line.appendChild(match.status === "live" ? element("strong", "status status--live", gettext("Live")) : when);
    line.appendChild(document.createTextNode(" · " + match.competition.name));
    return line;
  }

  function renderMyTeams(list, teams) {
    list.replaceChildren();
    teams.forEach(function (entry) {
      var item = element("li", "my-team");
      item.dataset.teamId = entry.team.id;
      var heading = element("h2", "my-team__name");
      var competition = (entry.current || entry.last || {}).competition;
      if (competition) {
        var link = element("a", null, entry.team.name);
        link.href = "/competitions/" + competition.id + "/teams/" + entry.team.id + "/";
        heading.appendChild(link);
      } else {
        heading.textContent = entry.team.name;
      }
      item.appendChild(heading);
      if (entry.current) {
        item.appendChild(matchLine(entry.current.status === "live" ? gettext("Now") : gettext("Next"), entry.current));
      }
      if (entry.last) item.appendChild(matchLine(gettext("Last"), entry.last));
      if (!entry.current && !entry.last) item.appendChild(element("p", "my-team__match", gettext("No matches yet.")));
      var unfollow = element("button", "button button--quiet", gettext("Unfollow"));
      unfollow.type = "button";
      unfollow.setAttribute("aria-label", "Unfollow " + entry.team.name);
      unfollow.addEventListener("click", function () {
        setFollowed(entry.team.id, false);
        item.remove();
        if (!list.children.length) document.getElementById("my-teams-empty").hidden = false;
      });
      item.appendChild(unfollow);
      list.appendChild(item);
    });
  }

  function showMyTeams(ids) {
    var list = document.getElementById("my-teams");
    var empty = document.getElementById("my-teams-empty");
    if (!list) return;
    empty.hidden = ids.length > 0;
    if (!ids.length) {
      list.replaceChildren();
      return;
    }
    fetch("/api/teams?ids=" + ids.join(","), { headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (teams) {
        renderMyTeams(list, teams);
        empty.hidden = teams.length > 0;
      })
      .catch(function (error) {
        console.warn("Matchcentre: could not load the teams you follow", error);
        document.getElementById("my-teams-error").hidden = false;
      });
  }

  function start() {
    document.querySelectorAll("[data-follow-team]").forEach(wireButton);
    placeFollowed();
    var onMyTeams = Boolean(document.getElementById("my-teams"));
    if (onMyTeams && !signedIn()) showMyTeams(read());
    syncFromServer().then(function (ids) {
      placeFollowed();
      if (onMyTeams && signedIn()) showMyTeams(ids);
    });
  }

  global.Matchcentre = Object.assign(global.Matchcentre || {}, {
    follows: { read: read, isFollowed: isFollowed, setFollowed: setFollowed, placeFollowed: placeFollowed },
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})(window);
