/*
 * live.js: Matchcentre's live connection and the code every live page shares.
 *
 *   connectLive({path, getSeq, onSnapshot, onChange, onTable, onStatus, matchId, useSince, getTableVersion})
 *     opens ws(s)://host{path}?v=2&since={seq}&table={version}, speaking version 2 of the live
 *     protocol (docs/protocol.md), reconnects with exponential backoff and
 *     jitter, drops duplicates, reconnects on a gap so the server replays what was
 *     missed, and reports "connecting" / "live" / "reconnecting" / "interrupted".
 *   connectGroup({path, seqs, onSnapshot, onChange})
 *     the same for the group socket, with seq kept per match (group.js, matchday.js).
 *   MatchView
 *     the state of one match page (seq, score, period, clock, pitch, events) and
 *     how a snapshot or a change is applied to the DOM: the timeline, the score
 *     header (scorers and running scores included), the lineups, the group table and
 *     the corrections; view.connect(path, matchId) keeps it live. While the page is not
 *     connected its clock stands still and the header says the score may be stale.
 *     Shared by match.js and console.js.
 *
 * Markup comes from the server (html.timeline, html.event, the table's html): this file
 * never builds event or table markup, it only places what it is sent. A table's live
 * updates are compact rows (a "table" message): applyTable patches the server's table
 * in place (figures, order, zones), with the server's markup for a row's notes and form.
 *
 * A classic script (no modules, no build): everything hangs off window.Matchcentre.
 */
(function (global) {
  "use strict";

  // The page's strings in its language, from Django's JavaScriptCatalog (/jsi18n/, loaded before this file);
  // the English text itself where there is no catalog (a test's bare window).
  function gettext(text) {
    return typeof global.gettext === "function" ? global.gettext(text) : text;
  }
  function pgettext(context, text) {
    return typeof global.pgettext === "function" ? global.pgettext(context, text) : text;
  }
  function ngettext(singular, plural, count) {
    return typeof global.ngettext === "function" ? global.ngettext(singular, plural, count) : count === 1 ? singular : plural;
  }
  /** "%(name)s" placeholders filled from `values` (Django's interpolate, named). */
  function interpolate(format, values) {
    return format.replace(/%\((\w+)\)s/g, function (_match, name) {
      return String(values[name]);
    });
  }

  var BACKOFF_MIN_MS = 500;
  var BACKOFF_MAX_MS = 30000;
  var PING_EVERY_MS = 25000;
  // No message (not even a pong) for this long: the socket is dead even if the browser has not noticed.
  var STALE_AFTER_MS = 60000;
  // After this many failed attempts in a row the status says "interrupted" rather than "reconnecting".
  var INTERRUPTED_AFTER = 3;
  // Back online with the socket still open: if nothing answers a ping within this long, reconnect.
  var ONLINE_PROBE_MS = 3000;
  // Close codes (docs/protocol.md).
  var CLOSE_RESUME = 4012; // the server's live feed is back: reconnect and catch up
  var CLOSE_SIGNED_OUT = 4401;
  var CLOSE_FORBIDDEN = 4403;
  var CLOSE_NOT_FOUND = 4404;
  var CLOSE_BAD_REQUEST = 4400;
  var CLOSE_TOO_MANY = 4429;
  var CLOSE_UNAVAILABLE = 4503; // the database did not answer, or the server is full: retry later
  var CLOSE_OLD_PROTOCOL = 4426; // the server speaks another version of the protocol: the page must be reloaded
  // The version of the live protocol this file speaks (docs/protocol.md).
  var PROTOCOL_VERSION = 2;
  // After CLOSE_RESUME every page of a process returns at once: each waits up to this long, at random.
  var RESUME_SPREAD_MS = 3000;
  // Close codes after which reconnecting cannot help: the page says why and stops.
  var FINAL_CLOSES = {};
  // What the spoiler delay holds back: everything the page shows. Pongs, the server's status and errors
  // are about the connection, and are taken at once.
  var DELAYED_TYPES = { snapshot: true, group_snapshot: true, change: true, table: true, resync: true };
  // While a held message is handled: when it arrived (serverOffset counts the clock from there).
  var messageReceivedAt = null;
  FINAL_CLOSES[CLOSE_NOT_FOUND] = "not found";
  FINAL_CLOSES[CLOSE_BAD_REQUEST] = "refused";
  FINAL_CLOSES[CLOSE_SIGNED_OUT] = "signed out";
  FINAL_CLOSES[CLOSE_FORBIDDEN] = "not allowed";
  FINAL_CLOSES[CLOSE_OLD_PROTOCOL] = "out of date";
  // Close codes after which the page retries, and says why while it waits.
  var RETRIED_CLOSES = {};
  RETRIED_CLOSES[CLOSE_UNAVAILABLE] = "unavailable";
  RETRIED_CLOSES[CLOSE_TOO_MANY] = "too many";
  var HIGHLIGHT_MS = 2000;

  // The order periods are played in: sorts the timeline the way the match happened.
  var PERIOD_ORDER = [
    "pre_match", "first_half", "half_time", "second_half", "before_extra_time",
    "extra_time_first_half", "extra_time_half_time", "extra_time_second_half",
    "before_penalties", "penalties", "full_time",
  ];
  // What the clock shows when it is not running.
  var BREAK_LABELS = {
    pre_match: "",
    half_time: pgettext("clock at half-time", "HT"),
    before_extra_time: pgettext("clock before extra time", "ET"),
    extra_time_half_time: pgettext("clock at half-time of extra time", "ET HT"),
    before_penalties: pgettext("shoot-out, as a minute", "Pens"),
    penalties: pgettext("shoot-out, as a minute", "Pens"),
    full_time: pgettext("clock at full time", "FT"),
  };

  // --- sequence numbers and backoff ---------------------------------------------------------

  /** "duplicate" (seen already), "apply" (the next one) or "gap" (some were missed). */
  function classify(current, seq) {
    if (current === null || current === undefined) return "apply";
    if (seq <= current) return "duplicate";
    if (seq === current + 1) return "apply";
    return "gap";
  }

  /** 0.5 s doubling to 30 s; the wait is drawn from the upper half so fans do not return in step. */
  function backoffDelay(attempt, random) {
    var base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * Math.pow(2, Math.max(0, attempt)));
    var r = (random || Math.random)();
    return Math.round(base / 2 + (r * base) / 2);
  }

  /**
   * The wait a refusal asks for (`retry-after=N` in a 4503's reason: the server is full), spread over the N seconds
   * after it, so that a crowd refused at once does not come back at once; 0 when it names none.
   */
  function retryAfterDelay(reason, random) {
    var found = /retry-after=(\d+)/.exec(reason || "");
    if (!found) return 0;
    var seconds = Math.min(Number(found[1]), 300);
    return Math.round(seconds * 1000 * (1 + (random || Math.random)()));
  }

  /** The socket's URL: the protocol version, then `since` and the table version shown, when known. */
  function socketUrl(path, since, loc, tableVersion) {
    loc = loc || global.location;
    var scheme = loc.protocol === "https:" ? "wss:" : "ws:";
    var url = scheme + "//" + loc.host + path + (path.indexOf("?") === -1 ? "?" : "&") + "v=" + PROTOCOL_VERSION;
    if (since !== null && since !== undefined) url += "&since=" + encodeURIComponent(since);
    if (tableVersion !== null && tableVersion !== undefined && !isNaN(tableVersion)) {
      url += "&table=" + encodeURIComponent(tableVersion);
    }
    // A match, group or bracket socket's changes (and its group table's, and its bracket's) come in the
    // page's language (the site's when it says none).
    var lang = global.document && global.document.documentElement ? global.document.documentElement.lang : "";
    if (lang && lang !== "en" && /^\/ws\/(matches\/|groups\/|competitions\/\d+\/bracket\/|editor\/matches\/)/.test(path)) {
      url += "&lang=" + encodeURIComponent(lang);
    }
    return url;
  }

  // --- the connection ---------------------------------------------------------------------

  /**
   * Open a live connection and keep it open.
   *
   * options.path        "/ws/matches/1/"
   * options.getSeq      (matchId) => the last seq applied for that match, or null when unknown
   * options.onSnapshot  (message) => replace all state; called for "snapshot" and "group_snapshot"
   * options.onChange    (message) => apply a change; only called for the next seq in order
   * options.onTable     (message) => a "table" message (the group table, whole or its changed rows)
   * options.getTableVersion () => the version of the group table the page shows, or null
   * options.onStatus    (status, detail) => "connecting" | "live" | "reconnecting" | "interrupted" | "closed"
   * options.matchId     when set, changes of other matches are ignored (the match page)
   * options.useSince    false for sockets that always start with a snapshot (groups)
   *
   * Returns {reconnect, resync, close, status}.
   */
  function connectLive(options) {
    var path = options.path;
    var getSeq = options.getSeq || function () { return null; };
    var onSnapshot = options.onSnapshot || function () {};
    var onChange = options.onChange || function () {};
    var onTable = options.onTable || function () {};
    var getTableVersion = options.getTableVersion || function () { return null; };
    var onStatus = options.onStatus || function () {};
    var matchId = options.matchId === undefined || options.matchId === null ? null : Number(options.matchId);
    var useSince = options.useSince !== false;
    var WebSocketImpl = options.WebSocket || global.WebSocket;

    var socket = null;
    var attempt = 0;
    var reconnectTimer = null;
    var pingTimer = null;
    var lastMessageAt = 0;
    var fresh = false; // next connection asks for a snapshot (after "resync")
    var sinceOverride = null; // next connection asks for the changes after this seq (after a gap)
    var lastGapAt = null; // the seq a gap was last seen at, until a change applies cleanly
    var stopped = false;
    var status = null;
    var statusDetail = null;
    var probeTimer = null;

    function setStatus(next, detail) {
      if (next === status && (detail || null) === statusDetail) return;
      status = next;
      statusDetail = detail || null;
      try {
        onStatus(next, detail);
      } catch (error) {
        console.warn("Matchcentre: status handler failed", error);
      }
    }

    function open() {
      clearTimeout(reconnectTimer);
      reconnectTimer = null;
      if (stopped) return;
      var since = null;
      if (useSince && !fresh) {
        since = sinceOverride !== null ? sinceOverride : getSeq(matchId);
      }
      fresh = false;
      sinceOverride = null;
      if (status === null) setStatus("connecting");
      var ws;
      try {
        ws = new WebSocketImpl(socketUrl(path, since, null, getTableVersion()));
      } catch (error) {
        console.warn("Matchcentre: could not open the live connection", error);
        scheduleReconnect();
        return;
      }
      socket = ws;
      ws.onopen = function () {
        if (socket !== ws) return;
        lastMessageAt = Date.now();
        setStatus("live");
        startPing();
      };
      ws.onmessage = function (event) {
        if (socket !== ws) return; // a message from a socket we already gave up on
        lastMessageAt = Date.now();
        // A message on the open socket proves the connection works again after the browser said it was
        // offline. Not when the server itself said its feed is down: that clears by a reconnect (4012).
        if (status !== "live" && statusDetail !== "server") setStatus("live");
        receive(event.data);
      };
      ws.onerror = function () {
        // A close event follows; nothing to do here (and nothing to log: it is expected when offline).
      };
      ws.onclose = function (event) {
        if (socket !== ws) return;
        socket = null;
        stopPing();
        if (stopped) return;
        var code = event ? event.code : null;
        if (FINAL_CLOSES[code]) {
          stopped = true;
          setStatus("closed", FINAL_CLOSES[code]);
          return;
        }
        if (code === CLOSE_RESUME) {
          attempt = 0;
          scheduleReconnect(Math.round(Math.random() * RESUME_SPREAD_MS), "reconnecting");
          return;
        }
        if (code === CLOSE_TOO_MANY) attempt = Math.max(attempt, INTERRUPTED_AFTER + 2); // back off for longer
        var asked = code === CLOSE_UNAVAILABLE ? retryAfterDelay(event.reason) : 0;
        scheduleReconnect(asked ? Math.max(asked, backoffDelay(attempt)) : undefined, undefined, RETRIED_CLOSES[code]);
      };
    }

    function drop() {
      var ws = socket;
      socket = null;
      stopPing();
      if (ws) {
        ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
        try {
          ws.close(1000);
        } catch (error) {
          /* already closing */
        }
      }
    }

    function scheduleReconnect(delay, nextStatus, detail) {
      if (stopped || reconnectTimer) return;
      var offline = global.navigator && global.navigator.onLine === false;
      setStatus(nextStatus || (offline || attempt >= INTERRUPTED_AFTER ? "interrupted" : "reconnecting"), detail);
      var wait = delay !== undefined ? delay : backoffDelay(attempt);
      attempt += 1;
      reconnectTimer = setTimeout(open, wait);
    }

    /** Close and reopen. The first reconnect after a healthy spell is immediate; repeats back off. */
    function reconnectSoon() {
      drop();
      clearTimeout(reconnectTimer);
      reconnectTimer = null;
      scheduleReconnect(attempt === 0 ? 0 : backoffDelay(attempt));
    }

    // The spoiler delay (spoiler.js): what the page shows waits this long; messages keep their order.
    var held = [];
    var heldTimer = null;

    function receive(text) {
      var message;
      try {
        message = JSON.parse(text);
      } catch (error) {
        console.warn("Matchcentre: ignored a message that is not JSON");
        return;
      }
      if (!message || typeof message !== "object") return;
      var delay = spoilerDelayMs();
      if (delay > 0 && DELAYED_TYPES[message.type]) {
        held.push({ message: message, receivedAt: Date.now() });
        if (!heldTimer) heldTimer = setTimeout(releaseHeld, delay);
        return;
      }
      handle(message); // about the connection itself (pong, status, error): never held

    }

    function releaseHeld() {
      heldTimer = null;
      var delay = spoilerDelayMs();
      while (held.length && Date.now() - held[0].receivedAt >= delay) {
        var item = held.shift();
        messageReceivedAt = item.receivedAt;
        try {
          handle(item.message);
        } finally {
          messageReceivedAt = null;
        }
      }
      if (held.length) heldTimer = setTimeout(releaseHeld, held[0].receivedAt + delay - Date.now());
    }

    function handle(message) {
      switch (message.type) {
        case "snapshot":
        case "group_snapshot":
          attempt = 0;
          lastGapAt = null;
          onSnapshot(message);
          return;
        case "change": {
          if (matchId !== null && Number(message.match_id) !== matchId) return;
          var current = getSeq(message.match_id);
          var verdict = classify(current, message.seq);
          if (verdict === "duplicate") return;
          if (verdict === "gap") {
            // Do not apply it: reconnect and let the server replay from its change log. If the
            // replay itself starts with a gap (the log has a hole, e.g. after a reset), ask for
            // a fresh snapshot instead of asking for the same replay again.
            if (lastGapAt === current) fresh = true;
            else sinceOverride = current;
            lastGapAt = current;
            reconnectSoon();
            return;
          }
          attempt = 0;
          lastGapAt = null;
          onChange(message);
          return;
        }
        case "table":
          onTable(message);
          return;
        case "resync":
          if (matchId !== null && message.match_id !== undefined && Number(message.match_id) !== matchId) return;
          fresh = true;
          reconnectSoon();
          return;
        case "status":
          // The server's own feed of changes is down: the socket is fine, the updates are not coming.
          if (message.live === "interrupted") setStatus("interrupted", "server");
          return;
        case "error":
          // "protocol_version": the close (4426) that follows stops the connection and says so.
          console.warn("Matchcentre live:", message.code, message.detail);
          return;
        case "pong":
          return;
        default:
          console.warn("Matchcentre: unknown live message type", message.type);
      }
    }

    function startPing() {
      stopPing();
      pingTimer = setInterval(function () {
        if (!socket) return;
        if (Date.now() - lastMessageAt > STALE_AFTER_MS) {
          reconnectSoon();
          return;
        }
        try {
          socket.send(JSON.stringify({ type: "ping" }));
        } catch (error) {
          /* the close handler reconnects */
        }
      }, PING_EVERY_MS);
    }

    function stopPing() {
      clearInterval(pingTimer);
      pingTimer = null;
    }

    function onOnline() {
      if (stopped) return;
      if (socket) {
        probe();
        return;
      }
      attempt = 0;
      clearTimeout(reconnectTimer);
      reconnectTimer = null;
      open();
    }

    function onOffline() {
      if (!stopped) setStatus("interrupted");
    }

    /** The socket outlived a spell offline, or seems to: a ping proves it (its answer sets "live"), else reconnect. */
    function probe() {
      var ws = socket;
      var sentAt = Date.now();
      try {
        ws.send(JSON.stringify({ type: "ping" }));
      } catch (error) {
        /* the close handler reconnects */
      }
      clearTimeout(probeTimer);
      probeTimer = setTimeout(function () {
        if (socket === ws && lastMessageAt < sentAt) {
          attempt = 0;
          reconnectSoon();
        }
      }, ONLINE_PROBE_MS);
    }

    function onVisible() {
      if (global.document && global.document.visibilityState === "visible" && !socket && !stopped) onOnline();
    }

    if (global.addEventListener) {
      global.addEventListener("online", onOnline);
      global.addEventListener("offline", onOffline);
    }
    if (global.document && global.document.addEventListener) {
      global.document.addEventListener("visibilitychange", onVisible);
    }

    open();

    return {
      /** Reconnect now, asking for the changes after the current seq. */
      reconnect: function () {
        attempt = 0;
        reconnectSoon();
      },
      /** Reconnect now and ask for a fresh snapshot. */
      resync: function () {
        fresh = true;
        attempt = 0;
        reconnectSoon();
      },
      close: function () {
        stopped = true;
        clearTimeout(reconnectTimer);
        clearTimeout(probeTimer);
        drop();
        setStatus("closed");
      },
      get status() {
        return status;
      },
    };
  }

  /**
   * The group socket, for pages that show several matches: a group_snapshot, then the changes of
   * every match in the group, with seq kept per match (a gap reconnects for a fresh snapshot).
   *
   * options.path        "/ws/groups/1/"
   * options.seqs        the page's Map of match id -> last seq applied (read and kept up to date)
   * options.onSnapshot  (group_snapshot) => the page takes it (and sets seqs as it sees fit)
   * options.onChange    (change) => the page applies it; its match's seq is already recorded
   * options.onTable     (table message) => the page applies it (applyTable); on a gap, live.reconnect()
   * options.getTableVersion () => the version of the table the page shows
   */
  function connectGroup(options) {
    var seqs = options.seqs;
    return connectLive({
      path: options.path,
      useSince: false,
      getSeq: function (matchId) {
        var seq = seqs.get(Number(matchId));
        return seq === undefined ? null : seq;
      },
      onSnapshot: function (message) {
        if (message.type === "group_snapshot") options.onSnapshot(message);
      },
      onChange: function (message) {
        seqs.set(Number(message.match_id), message.seq);
        options.onChange(message);
      },
      onTable: options.onTable,
      getTableVersion: options.getTableVersion,
      onStatus: function (status, detail) {
        showStatus(status, detail);
      },
    });
  }

  // --- the match clock --------------------------------------------------------------------

  /** {minute, added} the clock reads at nowMs (server time), or null when it is not running. */
  function clockReading(clock, nowMs) {
    if (!clock || !clock.running || !clock.period_started_at || clock.start_minute === null) return null;
    var started = Date.parse(clock.period_started_at);
    if (isNaN(started)) return null;
    var elapsedMs = Math.max(0, nowMs - started) * (clock.speed || 1);
    var minute = clock.start_minute + Math.floor(elapsedMs / 60000) + 1;
    var from = clock.added_time_from;
    if (from !== null && from !== undefined && minute > from) return { minute: from, added: minute - from };
    return { minute: minute, added: null };
  }

  function formatReading(reading) {
    return reading.added ? reading.minute + "+" + reading.added + "'" : reading.minute + "'";
  }

  /** What the clock shows: "23'", "45+2'", "HT", "FT" or the period's name. */
  function clockLabel(state, nowMs) {
    if (!state) return "";
    var reading = clockReading(state.clock, nowMs);
    if (reading) return formatReading(reading);
    if (Object.prototype.hasOwnProperty.call(BREAK_LABELS, state.period)) {
      if (state.period === "pre_match" && state.status === "postponed") return "P–P";
      return BREAK_LABELS[state.period];
    }
    return state.period_label || "";
  }

  /** "Kick-off in 1 h 20 min", "Kick-off in 04:59", "Kick-off in 3 days"; past kick-off: "Waiting for kick-off". */
  function countdownText(kickoffMs, nowMs) {
    var left = kickoffMs - nowMs;
    if (isNaN(left)) return "";
    if (left <= 0) return gettext("Waiting for kick-off");
    var seconds = Math.floor(left / 1000);
    var minutes = Math.floor(seconds / 60);
    var hours = Math.floor(minutes / 60);
    var days = Math.floor(hours / 24);
    if (days >= 2) return interpolate(ngettext("Kick-off in %(days)s day", "Kick-off in %(days)s days", days), { days: days });
    if (hours >= 1) {
      return interpolate(gettext("Kick-off in %(hours)s h %(minutes)s min"), { hours: hours, minutes: minutes % 60 });
    }
    return interpolate(gettext("Kick-off in %(time)s"), {
      time: String(minutes).padStart(2, "0") + ":" + String(seconds % 60).padStart(2, "0"),
    });
  }

  /**
   * Milliseconds to add to Date.now() to get the time the page shows, from a message's server_time: the
   * server's time, less the spoiler delay. A held message counts from when it arrived, not from when it is
   * shown, so the clock runs exactly the delay behind.
   */
  function serverOffset(serverTime, receivedAt) {
    var server = Date.parse(serverTime || "");
    if (isNaN(server)) return 0;
    return server - (receivedAt || messageReceivedAt || Date.now()) - spoilerDelayMs();
  }

  function spoilerDelayMs() {
    return global.Matchcentre && global.Matchcentre.spoilerDelayMs ? global.Matchcentre.spoilerDelayMs() : 0;
  }

  // --- DOM helpers ------------------------------------------------------------------------

  function fromHtml(html) {
    var template = document.createElement("template");
    template.innerHTML = (html || "").trim();
    return template.content.firstElementChild;
  }

  function flash(element, className, ms) {
    if (!element) return;
    element.classList.remove(className);
    // Restart the animation when the same element changes twice in a row.
    void element.offsetWidth;
    element.classList.add(className);
    setTimeout(function () {
      element.classList.remove(className);
    }, ms || HIGHLIGHT_MS);
  }

  function prefersReducedMotion() {
    return !!(global.matchMedia && global.matchMedia("(prefers-reduced-motion: reduce)").matches);
  }

  function setText(element, text) {
    if (element && element.textContent !== String(text)) element.textContent = text;
  }

  /** The event id of a timeline item, from its element id ("event-16"): fans are sent no other copy of it. */
  function eventIdOf(element) {
    return Number(element.id.slice("event-".length)) || 0;
  }

  /** The sort key of a timeline item: period, minute, added minute, id. */
  function eventKey(element) {
    var period = PERIOD_ORDER.indexOf(element.dataset.period);
    return [
      period === -1 ? 0 : period,
      Number(element.dataset.minute || 0),
      Number(element.dataset.addedMinute || 0),
      eventIdOf(element),
    ];
  }

  function compareKeys(a, b) {
    for (var i = 0; i < a.length; i += 1) {
      if (a[i] !== b[i]) return a[i] - b[i];
    }
    return 0;
  }

  /** Insert a timeline item where it belongs: newest first, so usually at the top. */
  function insertEvent(timeline, element) {
    var key = eventKey(element);
    var items = timeline.querySelectorAll(":scope > li.event");
    for (var i = 0; i < items.length; i += 1) {
      if (compareKeys(eventKey(items[i]), key) < 0) {
        timeline.insertBefore(element, items[i]);
        return;
      }
    }
    timeline.appendChild(element);
  }

  /** Where each row of a table stands, keyed by team, before it changes: to slide and highlight them after. */
  function measureRows(table) {
    var before = new Map();
    if (!table) return before;
    table.querySelectorAll("tr[data-team-id]").forEach(function (row) {
      before.set(row.dataset.teamId, {
        top: row.getBoundingClientRect().top,
        text: row.textContent.replace(/\s+/g, " ").trim(),
      });
    });
    return before;
  }

  /** Slide moved rows to their new place (FLIP, keyed by data-team-id) and highlight rows that changed. */
  function settleRows(table, before) {
    var animate = !prefersReducedMotion();
    var moved = [];
    table.querySelectorAll("tr[data-team-id]").forEach(function (row) {
      var was = before.get(row.dataset.teamId);
      if (!was) return;
      var dy = was.top - row.getBoundingClientRect().top;
      var changed = Math.abs(dy) > 0.5 || was.text !== row.textContent.replace(/\s+/g, " ").trim();
      if (changed) flash(row, "row--changed", HIGHLIGHT_MS);
      if (animate && Math.abs(dy) > 0.5) {
        row.style.transition = "none";
        row.style.transform = "translateY(" + dy + "px)";
        moved.push(row);
      }
    });
    if (moved.length) {
      // Force the start position to be painted, then let the rows slide home.
      void table.offsetHeight;
      requestAnimationFrame(function () {
        moved.forEach(function (row) {
          row.style.transition = "transform 600ms cubic-bezier(.2,.7,.2,1)";
          row.style.transform = "";
          row.addEventListener(
            "transitionend",
            function () {
              row.style.transition = "";
            },
            { once: true }
          );
        });
      });
    }
  }

  /**
   * Replace a group table with new server markup, sliding moved rows to their new
   * place and highlighting rows whose figures changed.
   */
  function replaceTable(container, html) {
    if (!container || !html) return null;
    var old = container.querySelector("table.standings");
    var before = measureRows(old);
    var table = fromHtml(html);
    if (!table) return null;
    if (old) old.replaceWith(table);
    else container.appendChild(table);
    settleRows(table, before);
    return table;
  }

  /** The version of the live table in `container` (its data-version), or null. */
  function tableVersion(container) {
    var table = container ? container.querySelector("table.standings") : null;
    var version = table ? Number(table.dataset.version) : NaN;
    return table && table.dataset.version !== undefined && !isNaN(version) ? version : null;
  }

  var TABLE_CELLS = ["col-p", "col-w", "col-d", "col-l", "col-gf", "col-ga", "col-gd"];

  function setPosition(row, position) {
    row.dataset.position = position;
    setText(row.querySelector(".pos-number"), position);
  }

  /** A row from a table message's compact row: its figures, order mark, and the server's notes and form. */
  function patchRow(row, data) {
    setPosition(row, data.position);
    var cells = data.cells;
    TABLE_CELLS.forEach(function (name, index) {
      var value = cells[index];
      setText(row.querySelector("td." + name), name === "col-gd" && value > 0 ? "+" + value : value);
    });
    setText(row.querySelector("td.col-pts strong"), cells[7]);
    row.dataset.points = cells[7];
    row.classList.toggle("row--undecided", !!data.undecided);
    var mark = row.querySelector(".undecided-mark");
    if (mark) mark.hidden = !data.undecided;
    if (data.notes) {
      // [the note under the team, the row's title, the organiser's reason when it ordered the row]: the server's words.
      var note = row.querySelector("[data-note]");
      if (note) {
        setText(note, data.notes[0] || "");
        note.hidden = !data.notes[0];
        note.classList.toggle("decided-by--undecided", !!data.undecided);
      }
      if (data.notes[1]) row.title = data.notes[1];
      else row.removeAttribute("title");
      var settled = row.querySelector("[data-settled]");
      if (settled) {
        settled.hidden = !data.notes[2];
        settled.title = data.notes[2] || "";
      }
    }
    if (data.form) {
      var form = fromHtml(data.form);
      var oldForm = row.querySelector("td.col-form");
      if (form && oldForm) oldForm.replaceWith(form);
    }
  }

  /** Each row's zone from its position, as the table's legend places them (data-first, data-last). */
  function placeZones(table) {
    var zones = Array.prototype.map.call(table.querySelectorAll(".zone-legend__item[data-zone]"), function (item) {
      return { key: item.dataset.zone, first: Number(item.dataset.first), last: Number(item.dataset.last),
               label: item.dataset.label || "" };
    });
    if (!zones.length) return;
    table.querySelectorAll("tbody tr[data-team-id]").forEach(function (row) {
      var position = Number(row.dataset.position);
      var zone = zones.filter(function (z) { return position >= z.first && position <= z.last; })[0] || null;
      var current = row.dataset.zone || null;
      if (current === (zone && zone.key)) return;
      if (current) row.classList.remove("zone--" + current);
      if (zone) {
        row.classList.add("zone--" + zone.key);
        row.dataset.zone = zone.key;
      } else {
        delete row.dataset.zone;
      }
      setText(row.querySelector("[data-zone-label]"), zone ? zone.label : "");
    });
  }

  /**
   * Apply a "table" message to the live table in `container` (docs/protocol.md): the whole table
   * (`html`), or the rows a change moved, patched in place. Returns "applied", "stale" (the table
   * shows this version or a later one) or "gap" (a change was missed: take the table again).
   */
  function applyTable(container, message) {
    var table = container ? container.querySelector("table.standings") : null;
    if (!container || !message) return "stale";
    var have = tableVersion(container);
    if (have !== null && message.version <= have) return "stale";
    if (message.html) {
      replaceTable(container, message.html);
      return "applied";
    }
    if (!table || have === null || message.base === null || message.base === undefined || message.base > have) {
      return "gap";
    }
    var body = table.tBodies[0];
    var byTeam = new Map();
    body.querySelectorAll("tr[data-team-id]").forEach(function (row) {
      byTeam.set(Number(row.dataset.teamId), row);
    });
    var missing = (message.rows || []).some(function (data) {
      return !byTeam.has(data.team);
    });
    if (missing) return "gap";
    var before = measureRows(table);
    // Runs of rows that only moved ([first, last, by], by the positions before this change), then the changed rows.
    var changedTeams = new Set((message.rows || []).map(function (data) { return data.team; }));
    var shifts = [];
    byTeam.forEach(function (row, team) {
      if (changedTeams.has(team)) return;
      var position = Number(row.dataset.position);
      (message.moved || []).forEach(function (run) {
        if (position >= run[0] && position <= run[1]) shifts.push([row, position + run[2]]);
      });
    });
    shifts.forEach(function (shift) {
      setPosition(shift[0], shift[1]);
    });
    (message.rows || []).forEach(function (data) {
      patchRow(byTeam.get(data.team), data);
    });
    Array.from(byTeam.values())
      .sort(function (a, b) { return Number(a.dataset.position) - Number(b.dataset.position); })
      .forEach(function (row) { body.appendChild(row); });
    placeZones(table);
    var provisional = !!message.provisional;
    table.classList.toggle("standings--provisional", provisional);
    table.dataset.provisional = provisional ? "true" : "false";
    var note = table.querySelector(".standings__provisional");
    if (note) note.hidden = !provisional;
    table.dataset.version = message.version;
    settleRows(table, before);
    return "applied";
  }

  var STATUS_TEXT = {
    connecting: gettext("Connecting…"),
    live: gettext("Live updates on"),
    reconnecting: gettext("Reconnecting…"),
    interrupted: gettext("Connection interrupted. Retrying…"),
    closed: gettext("Not connected"),
  };
  // The close codes' details as a reader reads them (FINAL_CLOSES' words are the code's, compared above).
  var CLOSE_TEXT = {
    "not found": gettext("not found"),
    refused: gettext("refused"),
    "not allowed": gettext("not allowed"),
  };
  // What the page says while it retries after a close that names a reason (RETRIED_CLOSES). The server's
  // close reason is a short English diagnostic; these are the reader's words, in the page's language.
  var RETRY_TEXT = {
    unavailable: gettext(
      "Live updates are unavailable for a moment (the server's database is away, or the server is full). Retrying shortly…"
    ),
    "too many": gettext("Too many live connections from your network. Retrying in a while…"),
  };

  /** Show the connection status in #live-status (data-state drives the colour). */
  function showStatus(status, detail, root) {
    root = root || document;
    var element = root.getElementById ? root.getElementById("live-status") : null;
    if (!element) return;
    element.hidden = false; // hidden in the markup, so pages without JavaScript do not claim to connect
    element.dataset.state = status;
    var text = STATUS_TEXT[status] || status;
    if (status === "closed" && detail === "signed out") text = gettext("Signed out: sign in again to keep editing");
    else if (status === "closed" && detail === "out of date") {
      text = gettext("This page is out of date: reload it to follow the match live");
    } else if (status === "closed" && detail) {
      text = interpolate(gettext("Not connected (%(reason)s)"), { reason: CLOSE_TEXT[detail] || detail });
    } else if (status === "interrupted" && detail === "server") {
      text = gettext("Live updates interrupted. Catching up when they return…");
    } else if ((status === "reconnecting" || status === "interrupted") && RETRY_TEXT[detail]) {
      text = RETRY_TEXT[detail];
    }
    setText(root.getElementById("live-status-text") || element, text);
  }

  // --- one match page ---------------------------------------------------------------------

  /**
   * The state of one match on a page and how changes reach the DOM.
   *
   * Hooks (all optional): options.onApplied(kind, message) after each snapshot ("snapshot")
   * or change ("change"); options.onMoment({kind: "goal" | "disallowed", event}) when a change
   * brings a goal or takes one away; options.updateTitle to keep the score in document.title
   * (view.titlePrefix goes before it).
   */
  function MatchView(options) {
    options = options || {};
    this.root = options.root || document;
    var onApplied = options.onApplied || function () {};
    // Panels that follow the view without owning it (static/js/stats.js) listen for this DOM event.
    this.onApplied = function (kind, message) {
      onApplied(kind, message);
      var detail = { kind: kind, message: message, view: this };
      if (this.root.dispatchEvent) this.root.dispatchEvent(new CustomEvent("matchcentre:applied", { detail: detail }));
    };
    this.onMoment = options.onMoment || function () {};
    this.updateTitle = !!options.updateTitle;
    this.titlePrefix = "";
    // The server time the clock stopped at when the page lost its connection; null while connected.
    this.frozenAt = null;
    this.seq = null;
    this.match = null;
    this.events = new Map();
    // Event id -> the score that goal made ("1–0"), for the goals that count.
    this.scores = new Map();
    this.offsetMs = 0;
    this.clockTimer = null;
    this.titleTemplate = null;
  }

  /** Keep this view live on the match socket at `path` (the match page and the editor console). */
  MatchView.prototype.connect = function (path, matchId) {
    var view = this;
    var live = connectLive({
      path: path,
      matchId: matchId,
      getSeq: function () {
        return view.seq;
      },
      getTableVersion: function () {
        return tableVersion(view.$("table-container"));
      },
      onTable: function (message) {
        // A table change missed (or one the page cannot place): the reconnect's opening brings the table whole.
        if (applyTable(view.$("table-container"), message) === "gap") live.reconnect();
      },
      onSnapshot: function (message) {
        view.applySnapshot(message);
      },
      onChange: function (message) {
        view.applyChange(message);
      },
      onStatus: function (status, detail) {
        showStatus(status, detail);
        view.setConnection(status);
      },
    });
    return live;
  };

  /**
   * Not connected (reconnecting, interrupted, closed, or the server's feed is down): nothing new can
   * arrive, so the clock stops where it was and the header says the score may be out of date.
   */
  MatchView.prototype.setConnection = function (status) {
    var disconnected = status === "reconnecting" || status === "interrupted" || status === "closed";
    if (disconnected && this.frozenAt === null) this.frozenAt = this.now();
    if (!disconnected) this.frozenAt = null;
    var board = this.$("scoreboard");
    if (board) board.dataset.stale = disconnected ? "true" : "false";
    var note = this.$("stale-note");
    if (note) note.hidden = !disconnected;
    this.tick();
  };

  MatchView.prototype.$ = function (id) {
    return this.root.getElementById(id);
  };

  /** Take the state of a snapshot already rendered into the page (no DOM replacement). */
  MatchView.prototype.init = function (snapshot) {
    this.seq = snapshot.seq;
    this.match = snapshot.match;
    this.setScores(snapshot.match && snapshot.match.goals);
    this.offsetMs = serverOffset(snapshot.server_time);
    this.setEvents(snapshot.events || []);
    this.renderState(false);
    this.onApplied("init", snapshot);
  };

  MatchView.prototype.setEvents = function (events) {
    var map = new Map();
    events.forEach(function (event) {
      map.set(event.id, event);
    });
    this.events = map;
  };

  /** The running score of each goal, from a match's `goals` or a change's `running_scores` ([event, home, away]). */
  MatchView.prototype.setScores = function (goals, running) {
    if (!goals && !running) return;
    var scores = new Map();
    (running || []).forEach(function (item) {
      scores.set(item[0], item[1] + "–" + item[2]);
    });
    (goals || []).forEach(function (goal) {
      scores.set(goal.event, goal.score[0] + "–" + goal.score[1]);
    });
    this.scores = scores;
  };

  MatchView.prototype.timeline = function () {
    return this.$("timeline");
  };

  /** Replace everything: timeline, table, score, clock, pitch. */
  MatchView.prototype.applySnapshot = function (snapshot) {
    if (snapshot.type !== "snapshot") return;
    this.seq = snapshot.seq;
    this.match = snapshot.match;
    this.setScores(snapshot.match && snapshot.match.goals);
    this.offsetMs = serverOffset(snapshot.server_time);
    this.setEvents(snapshot.events || []);
    var html = snapshot.html || {};
    var container = this.$("timeline-container");
    var timeline = this.timeline();
    if (html.timeline) {
      var fresh = fromHtml(html.timeline);
      if (timeline && fresh) timeline.replaceWith(fresh);
      else if (container && fresh) container.replaceChildren(fresh);
    }
    if (html.table) replaceTable(this.$("table-container"), html.table);
    var history = this.$("history");
    if (history && html.history) {
      var freshHistory = fromHtml(html.history);
      if (freshHistory) history.replaceWith(freshHistory);
      if (global.Matchcentre.localise) global.Matchcentre.localise(this.$("history"));
    }
    var historySection = this.$("history-section");
    if (historySection) historySection.hidden = !(snapshot.history && snapshot.history.length);
    this.replaceScorers(html.scorers);
    this.renderState(true);
    this.onApplied("snapshot", snapshot);
  };

  /** Apply one change, already checked to be the next in sequence. */
  MatchView.prototype.applyChange = function (message) {
    var view = this;
    this.seq = message.seq;
    // A fan's change carries only what of the match changed; the console's, all of it.
    if (message.match) this.match = Object.assign({}, this.match, message.match);
    this.setScores(message.match && message.match.goals, message.running_scores);
    var html = message.html || {};
    var related = message.related || [];
    var touched = (message.event ? [message.event] : []).concat(related);
    var stateBefore = new Map();
    touched.forEach(function (event) {
      var known = view.events.get(event.id);
      stateBefore.set(event.id, known ? known.state : null);
    });
    if (message.event) this.placeEvent(message.event, html.event, message.op === "add" ? "event--new" : "event--changed");
    // Events the change also touched (a goal disallowed by a VAR overturn, a card moved…).
    var relatedHtml = html.related || [];
    related.forEach(function (event, index) {
      view.placeEvent(event, relatedHtml[index], "event--changed");
    });
    if (html.history_entry) this.addHistoryEntry(html.history_entry);
    if (global.Matchcentre.localise) global.Matchcentre.localise(this.$("history"));
    this.replaceScorers(html.scorers);
    this.placeScorer(html.scorer);
    this.renderState(true);
    this.onApplied("change", message);
    touched.forEach(function (event) {
      var moment = goalMoment(event, stateBefore.get(event.id));
      if (moment) view.onMoment({ kind: moment, event: event, match: view.match });
    });
  };

  /** "goal" when a goal comes to count (scored, or given after all), "disallowed" when one stops counting. */
  function goalMoment(event, stateBefore) {
    if (!event || !event.is_goal || event.state === stateBefore) return null;
    if (event.state === "active" && (stateBefore === null || stateBefore === "disallowed")) return "goal";
    if (event.state === "disallowed" && stateBefore === "active") return "disallowed";
    return null;
  }

  /**
   * The scorers under the score, as the server rendered them for this change (the fan page has them): the
   * whole list, or one side's (a fan's change sends the side whose goals changed).
   */
  MatchView.prototype.replaceScorers = function (html) {
    var scorers = this.$("scorers");
    var fresh = html ? fromHtml(html) : null;
    if (!scorers || !fresh) return;
    if (fresh.id === "scorers") {
      scorers.replaceWith(fresh);
      return;
    }
    var side = fresh.classList.contains("scorers__side--home") ? "home" : "away";
    var current = scorers.querySelector(".scorers__side--" + side);
    if (current) current.replaceWith(fresh);
    else scorers.appendChild(fresh);
    scorers.hidden = !scorers.querySelector(".scorer");
  };

  /** One scorer's line (a fan's change for a goal after every other): in place, or last on its side's list. */
  MatchView.prototype.placeScorer = function (html) {
    var scorers = this.$("scorers");
    var line = html ? fromHtml(html) : null;
    if (!scorers || !line) return;
    var list = scorers.querySelector(".scorers__side--" + line.dataset.side);
    if (!list) return;
    var existing = Array.prototype.filter.call(list.querySelectorAll("li[data-scorer]"), function (item) {
      return item.dataset.scorer === line.dataset.scorer;
    })[0];
    if (existing) existing.replaceWith(line);
    else list.appendChild(line);
    scorers.hidden = false;
  };

  /** Each goal row's running score: disallowing an earlier goal changes the later ones. */
  MatchView.prototype.renderRunningScores = function () {
    var scores = this.scores;
    var timeline = this.timeline();
    if (!timeline) return;
    timeline.querySelectorAll(".event__score").forEach(function (element) {
      var item = element.closest("li.event");
      var score = item ? scores.get(eventIdOf(item)) : undefined;
      element.hidden = score === undefined;
      if (score !== undefined) setText(element, score);
    });
  };

  /** Put an event's server markup in the timeline: in place when it is there, else where it belongs. */
  MatchView.prototype.placeEvent = function (event, html, highlight) {
    if (!event) return;
    this.events.set(event.id, event);
    var timeline = this.timeline();
    var element = html ? fromHtml(html) : null;
    if (!timeline || !element) return;
    var empty = this.root.getElementById("timeline-empty");
    if (empty) empty.remove();
    var existing = this.root.getElementById("event-" + event.id);
    if (existing && compareKeys(eventKey(existing), eventKey(element)) === 0) {
      existing.replaceWith(element);
    } else {
      if (existing) existing.remove();
      insertEvent(timeline, element);
    }
    flash(element, highlight, 4000);
  };

  /** A correction, newest first, in the match's history list. */
  MatchView.prototype.addHistoryEntry = function (html) {
    var list = this.$("history");
    var entry = fromHtml(html);
    if (!list || !entry) return;
    if (entry.id && this.root.getElementById(entry.id)) return;
    var empty = this.root.getElementById("history-empty");
    if (empty) empty.remove();
    var section = this.$("history-section");
    if (section) section.hidden = false;
    list.insertBefore(entry, list.firstElementChild);
    flash(entry, "event--new", 4000);
  };

  /** Score, period, status, clock and lineups from this.match. */
  MatchView.prototype.renderState = function (highlight) {
    var m = this.match;
    if (!m) return;
    var home = this.$("score-home");
    var away = this.$("score-away");
    [
      [home, m.home_score],
      [away, m.away_score],
    ].forEach(function (pair) {
      var element = pair[0];
      if (!element || pair[1] === undefined) return;
      if (element.textContent !== String(pair[1])) {
        element.textContent = pair[1];
        if (highlight) flash(element, "score--changed", 3000);
      }
    });
    var board = this.$("scoreboard");
    if (board) {
      board.dataset.status = m.status;
      board.dataset.period = m.period;
      board.className = board.className.replace(/\bscoreboard--\S+/g, "").trim() + " scoreboard--" + m.status;
    }
    // Before kick-off the fan page shows when it starts, not a score of 0-0.
    var kickoff = this.$("kickoff-block");
    if (kickoff) {
      var before = m.period === "pre_match";
      kickoff.hidden = !before;
      var score = this.$("score");
      if (score) score.hidden = before;
    }
    setText(this.$("match-period"), m.period_label || "");
    var status = this.$("match-status");
    if (status) {
      setText(status, m.status_label || m.status || "");
      status.className = "status status--" + m.status;
    }
    var added = this.$("match-added-time");
    if (added) {
      var minutes = m.clock && m.clock.running ? m.clock.announced_added_time : null;
      added.hidden = !minutes;
      setText(added, minutes ? "+" + minutes : "");
    }
    var varBanner = this.$("var-banner");
    if (varBanner) {
      var review = m.var || null;
      varBanner.hidden = !review;
      setText(
        this.$("var-banner-text"),
        review ? interpolate(pgettext("VAR banner: what is checked, and how the check stands", "%(category)s: %(outcome)s"),
          { category: review.category_label || gettext("check"), outcome: review.outcome_label || "" }) : ""
      );
    }
    this.tick();
    this.renderPitch();
    this.renderRunningScores();
    this.renderTitle();
  };

  /** "Liverpool 0–1 Napoli · Matchcentre", after titlePrefix (a goal's moment). */
  MatchView.prototype.renderTitle = function () {
    var m = this.match;
    if (!this.updateTitle || !m || !m.home || !m.away) return;
    var played = m.status === "live" || m.status === "finished";
    document.title =
      this.titlePrefix + (m.home.short_name || m.home.name) + " " +
      (played ? m.home_score + "–" + m.away_score : pgettext("versus", "v")) + " " + (m.away.short_name || m.away.name) +
      " · Matchcentre";
  };

  /** Mark lineup players on, off, booked and sent off from match.pitch. */
  MatchView.prototype.renderPitch = function () {
    var m = this.match;
    if (!m || !m.pitch) return;
    var root = this.root;
    ["home", "away"].forEach(function (side) {
      var pitch = m.pitch[side];
      var list = root.querySelector('.lineup[data-side="' + side + '"]');
      if (!pitch || !list) return;
      var on = new Set(pitch.on_pitch || []);
      var booked = new Set(pitch.booked || []);
      var sentOff = new Set(pitch.sent_off || []);
      list.querySelectorAll("li[data-player-id]").forEach(function (item) {
        var id = Number(item.dataset.playerId);
        var starter = item.dataset.starter === "true";
        var isSentOff = sentOff.has(id);
        var isOff = !isSentOff && starter && !on.has(id);
        var cameOn = !isSentOff && !starter && on.has(id);
        var isBooked = booked.has(id) && !isSentOff;
        item.classList.toggle("player--sent-off", isSentOff);
        item.classList.toggle("player--off", isOff);
        item.classList.toggle("player--on", cameOn);
        item.classList.toggle("player--booked", booked.has(id));
        var words = [];
        if (isSentOff) words.push("sent off");
        if (isOff) words.push("substituted");
        if (cameOn) words.push("came on");
        if (isBooked) words.push("booked");
        setText(item.querySelector(".player__status"), words.join(", "));
      });
    });
  };

  MatchView.prototype.now = function () {
    return Date.now() + this.offsetMs;
  };

  /** The minute the live clock reads now, {minute, added}, or null when it is stopped. */
  MatchView.prototype.reading = function () {
    return this.match ? clockReading(this.match.clock, this.now()) : null;
  };

  /** The time the clock shows: now, or when the connection was lost. */
  MatchView.prototype.clockTime = function () {
    return this.frozenAt !== null ? this.frozenAt : this.now();
  };

  MatchView.prototype.tick = function () {
    setText(this.$("match-clock"), clockLabel(this.match, this.clockTime()));
  };

  MatchView.prototype.startClock = function () {
    var view = this;
    clearInterval(this.clockTimer);
    // Twice a second: a compressed replay's clock can move a minute per second.
    this.clockTimer = setInterval(function () {
      view.tick();
    }, 500);
    this.tick();
  };

  // --- small shared helpers ------------------------------------------------------------------

  function readJson(id) {
    var element = document.getElementById(id);
    if (!element) return null;
    try {
      return JSON.parse(element.textContent);
    } catch (error) {
      console.warn("Matchcentre: could not read #" + id, error);
      return null;
    }
  }

  var api = {
    connectLive: connectLive,
    connectGroup: connectGroup,
    classify: classify,
    backoffDelay: backoffDelay,
    retryAfterDelay: retryAfterDelay,
    socketUrl: socketUrl,
    clockReading: clockReading,
    clockLabel: clockLabel,
    countdownText: countdownText,
    formatReading: formatReading,
    serverOffset: serverOffset,
    replaceTable: replaceTable,
    applyTable: applyTable,
    tableVersion: tableVersion,
    PROTOCOL_VERSION: PROTOCOL_VERSION,
    insertEvent: insertEvent,
    fromHtml: fromHtml,
    flash: flash,
    showStatus: showStatus,
    readJson: readJson,
    MatchView: MatchView,
    PERIOD_ORDER: PERIOD_ORDER,
    gettext: gettext,
    pgettext: pgettext,
    ngettext: ngettext,
    interpolate: interpolate,
  };
  global.Matchcentre = Object.assign(global.Matchcentre || {}, api);
  if (typeof module !== "undefined" && module.exports) module.exports = api;
})(typeof window !== "undefined" ? window : globalThis);
