/*
 * Notifications of the followed teams' matches: goals, red cards, VAR decisions, kick-off, half-time and full time.
 *
 * Two levels. While any page of the site is open, over a socket (/ws/notifications/?teams=…), shown with the
 * Notifications API. With the site closed, by Web Push: the browser's subscription is sent to the server
 * (/api/push/subscriptions) and the service worker (/sw.js) shows what arrives. Either way a notification carries a
 * tag (event-<id>): a later one with the same tag (a goal disallowed) replaces it, and the same one shown by two
 * tabs, or by a tab and the service worker, shows once.
 *
 * Each is held back by the viewer's spoiler delay (spoiler.js) before it shows, as the page's live parts are; Web
 * Push deliveries wait the same delay on the server (the subscription says it).
 *
 * The "Notify me" buttons (data-notify-toggle, beside Follow and on My teams) ask the browser's permission. The
 * choice and the followed teams are kept in this browser (localStorage, as follow.js keeps the teams).
 */
(function (global) {
  "use strict";

  var ON_KEY = "matchcentre:notifications";
  var TEAMS_KEY = "matchcentre:followed-teams";
  // What the server was last told of this browser's subscription: a page sends it again only when it changed.
  var SYNCED_KEY = "matchcentre:push-synced";
  var PROTOCOL_VERSION = 2;
  var MAX_TEAMS = 50;
  // The page's strings in its language, from Django's JavaScriptCatalog when the page loads it (after this file).
  // Named gettext so that makemessages puts them in the djangojs catalog.
  function gettext(text) {
    return typeof global.gettext === "function" ? global.gettext(text) : text;
  }
  var socket = null;
  var socketTeams = "";
  var retries = 0;
  var seen = {};

  function supported() {
    return "Notification" in global;
  }

  function storage(key, value) {
    try {
      if (value === undefined) return global.localStorage.getItem(key);
      if (value === null) global.localStorage.removeItem(key);
      else global.localStorage.setItem(key, value);
    } catch (error) {
      /* storage refused: for this page only */
    }
    return null;
  }

  function teams() {
    try {
      var ids = JSON.parse(storage(TEAMS_KEY) || "[]");
      return Array.isArray(ids)
        ? ids.filter(function (id) { return Number.isInteger(id) && id > 0; }).slice(0, MAX_TEAMS)
        : [];
    } catch (error) {
      return [];
    }
  }

  function wanted() {
    return storage(ON_KEY) === "1";
  }

  function enabled() {
    return supported() && wanted() && global.Notification.permission === "granted";
  }

  function delayMs() {
    var matchcentre = global.Matchcentre || {};
    return typeof matchcentre.spoilerDelayMs === "function" ? matchcentre.spoilerDelayMs() : 0;
  }

  // --- in-page: the socket --------------------------------------------------------------------------------------

  function show(data) {
    if (!data || data.type !== "notification" || seen[data.id]) return;
    seen[data.id] = true; // one page following both teams of a match gets it from each team's feed
    global.setTimeout(function () {
      if (!enabled()) return;
      var notification = new global.Notification(data.title, {
        body: data.body,
        tag: data.tag,
        renotify: data.kind === "goal_disallowed",
        data: { url: data.url },
      });
      notification.onclick = function () {
        global.focus();
        global.location.assign(data.url);
      };
    }, delayMs());
  }

  function connect() {
    var ids = enabled() ? teams() : [];
    var key = ids.join(",");
    if (socket && socketTeams === key) return;
    if (socket) {
      socket.onclose = null;
      socket.close(1000);
      socket = null;
    }
    socketTeams = key;
    if (!ids.length) return;
    var scheme = global.location.protocol === "https:" ? "wss:" : "ws:";
    socket = new global.WebSocket(
      scheme + "//" + global.location.host + "/ws/notifications/?teams=" + key + "&v=" + PROTOCOL_VERSION +
        "&lang=" + encodeURIComponent(global.document.documentElement.lang || "")
    );
    socket.onopen = function () {
      retries = 0;
    };
    socket.onmessage = function (event) {
      try {
        show(JSON.parse(event.data));
      } catch (error) {
        /* not a message of ours */
      }
    };
    socket.onclose = function (event) {
      socket = null;
      socketTeams = "";
      if (event.code === 4400 || event.code === 4426) return; // nothing a retry would change
      // Back again with jittered backoff: after a server restart, fans must not all return at once.
      var wait = Math.min(30000, 1000 * Math.pow(2, retries++)) * (0.5 + Math.random());
      global.setTimeout(connect, wait);
    };
  }

  // --- Web Push: the browser's subscription ---------------------------------------------------------------------

  function base64UrlToBytes(text) {
    var padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = global.atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function pushSupported() {
    return "serviceWorker" in global.navigator && "PushManager" in global && global.isSecureContext;
  }

  function request(method, body) {
    return global.fetch("/api/push/subscriptions", {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    });
  }

  /** Subscribe this browser (or bring its subscription up to date: teams, delay, language). */
  function syncPush() {
    if (!pushSupported() || !enabled()) return Promise.resolve(null);
    var ids = teams();
    return global.navigator.serviceWorker
      .register("/sw.js", { scope: "/" })
      .then(function (registration) {
        return registration.pushManager.getSubscription().then(function (existing) {
          if (existing) return existing;
          if (!ids.length) return null;
          return global
            .fetch("/api/push/key", { headers: { Accept: "application/json" } })
            .then(function (response) {
              if (!response.ok) throw new Error("HTTP " + response.status);
              return response.json();
            })
            .then(function (key) {
              return registration.pushManager.subscribe({
                userVisibleOnly: true,
                applicationServerKey: base64UrlToBytes(key.public_key),
              });
            });
        });
      })
      .then(function (subscription) {
        if (!subscription) return null;
        var body = subscription.toJSON();
        body.teams = ids;
        body.delay = Math.round(delayMs() / 1000);
        body.language = global.document.documentElement.lang || "";
        var said = JSON.stringify([body.endpoint, ids, body.delay, body.language]);
        if (storage(SYNCED_KEY) === said) return null;
        var sent = ids.length ? request("POST", body) : request("DELETE", { endpoint: body.endpoint });
        return sent.then(function (response) {
          if (response.ok || response.status === 404) storage(SYNCED_KEY, said);
          return response;
        });
      })
      .catch(function (error) {
        // No push service in this browser (or it refused): notifications still come while a page is open.
        console.warn("Matchcentre: notifications with the site closed are not available here", error);
        return null;
      });
  }

  function unsubscribePush() {
    if (!pushSupported()) return Promise.resolve();
    return global.navigator.serviceWorker.getRegistration("/").then(function (registration) {
      if (!registration) return null;
      return registration.pushManager.getSubscription().then(function (subscription) {
        if (!subscription) return null;
        var endpoint = subscription.endpoint;
        storage(SYNCED_KEY, null);
        return subscription.unsubscribe().then(function () {
          return request("DELETE", { endpoint: endpoint });
        });
      });
    }).catch(function (error) {
      console.warn("Matchcentre: could not cancel notifications with the site closed", error);
    });
  }

  // --- the "Notify me" buttons ----------------------------------------------------------------------------------

  var buttons = [];

  function describe(button) {
    var on = enabled();
    var denied = supported() && global.Notification.permission === "denied";
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.textContent = on ? gettext("Notifying") : gettext("Notify me");
    button.disabled = denied;
    button.title = denied
      ? gettext("Notifications are blocked for this site in your browser's settings")
      : on
        ? gettext("Stop notifications of your teams' goals, red cards and results")
        : gettext("Notify me of my teams' goals, red cards, VAR decisions, kick-off, half-time and full time");
  }

  function refresh() {
    buttons.forEach(describe);
    connect();
  }

  function toggle() {
    if (enabled()) {
      storage(ON_KEY, null);
      unsubscribePush();
      refresh();
      return;
    }
    global.Notification.requestPermission().then(function (permission) {
      if (permission === "granted") {
        storage(ON_KEY, "1");
        syncPush();
      }
      refresh();
    });
  }

  function start() {
    if (!supported()) return;
    global.document.querySelectorAll("[data-notify-toggle]").forEach(function (button) {
      button.addEventListener("click", toggle);
      buttons.push(button);
      button.hidden = false;
    });
    // Following or unfollowing a team (on this page: follow.js writes the list as the button is clicked; in
    // another tab: a storage event) changes which feeds this page listens to, and what the subscription names.
    global.document.addEventListener("click", function (event) {
      if (event.target.closest && event.target.closest("[data-follow-team], .my-team button")) {
        global.setTimeout(function () {
          refresh();
          syncPush();
        }, 0);
      }
    });
    global.addEventListener("storage", function (event) {
      if (event.key === TEAMS_KEY || event.key === ON_KEY) refresh();
    });
    refresh();
    if (enabled()) syncPush();
  }

  global.Matchcentre = Object.assign(global.Matchcentre || {}, { notifications: { enabled: enabled } });
  if (global.document.readyState === "loading") global.document.addEventListener("DOMContentLoaded", start);
  else start();
})(window);
