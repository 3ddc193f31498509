/*
 * console/outbox.js: new events wait here until the server has them.
 *
 * Each submission gets an idempotency key when it is added and is stored in localStorage
 * ("matchcentre.console.queue.v1") BEFORE it is sent, so a reload, a dropped connection or
 * a server error never loses it and retries never record it twice. The queue is sent in
 * order, one request at a time; an item leaves it on a 2xx, or on a 4xx (handed to
 * onRefused, to show beside the field at fault). Network errors, 5xx, 401 and CSRF
 * failures keep it queued and retried with backoff, and at once when the browser comes
 * back online. The queue is shared by every console tab of this browser: items of other
 * matches are sent too, and named by their match.
 *
 *   MC.Outbox.create({matchId, url, request, onRefused, onRecorded})
 *     url         where new events are POSTed for this match
 *     request     from MC.EditorApi.requester
 *     onRefused   (item, error) for a refused item of this match that no one is waiting for;
 *                 error as MC.EditorApi.describeError
 *     onRecorded  (item, event) for each event of this match the server has just recorded (201)
 *   returns
 *     add(payload, label)  give payload its idempotency key, store it, send it; returns {key, settled}:
 *                          settled resolves with the first answer, {status: "recorded" | "refused" |
 *                          "queued", error, event} ("queued": kept here to retry later)
 *     detach(key)          no longer wait for that item: a later refusal goes to onRefused
 *     pump()               send the head of the queue now, unless it is waiting out a backoff
 *     render()             redraw the pending list (#pending-list, #pending-count)
 *     items()              what is waiting, oldest first
 *     say(text, aboutQueue) the console's one-line status (#pending-status); aboutQueue: cleared once the
 *                          queue is empty
 *     lastFailed()         the payload of the last refused submission
 *
 * It listens for itself: the list's Retry / Discard buttons, "online", and other tabs'
 * changes to the queue ("storage").
 */
(function () {
  "use strict";
  var MC = window.Matchcentre;
  // The console's words in the page's language (live.js's helpers over Django's JavaScriptCatalog, /jsi18n/).
  var gettext = MC.gettext;
  var ngettext = MC.ngettext;
  var interpolate = MC.interpolate;
  var QUEUE_KEY = "matchcentre.console.queue.v1";

  var $ = MC.EditorApi.byId;

  // --- the stored queue ----------------------------------------------------------------------

  function readQueue() {
    try {
      var items = JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]");
      return Array.isArray(items) ? items : [];
    } catch (error) {
      return [];
    }
  }

  function writeQueue(items) {
    try {
      localStorage.setItem(QUEUE_KEY, JSON.stringify(items));
      return true;
    } catch (error) {
      console.warn("Matchcentre: could not save the pending queue", error);
      return false;
    }
  }

  function updateItem(key, changes) {
    var items = readQueue();
    items.forEach(function (item) {
      if (item.key === key) Object.assign(item, changes);
    });
    writeQueue(items);
  }

  function removeItem(key) {
    writeQueue(
      readQueue().filter(function (item) {
        return item.key !== key;
      })
    );
  }

  function newKey() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.from(bytes, function (b) {
      return b.toString(16).padStart(2, "0");
    }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  /** Kept queued and retried: the network, the server, an expired session or CSRF cookie, rate limits. */
  function isRetryable(result) {
    var status = result.status;
    if (status >= 500 || status === 408 || status === 425 || status === 429 || status === 401) return true;
    // A refused CSRF token (Django's HTML 403, or the API's JSON one) is cured by signing in again;
    // the API's other 403s (no permission, a decision that is final) are final.
    if (status === 403 && (!result.json || (result.data && result.data.code === "csrf_failed"))) return true;
    return false;
  }

  // --- the outbox ------------------------------------------------------------------------------

  function create(options) {
    var matchId = options.matchId;
    var url = options.url;
    var request = options.request;
    var onRefused = options.onRefused;
    var onRecorded = options.onRecorded || function () {};
    var waiters = {}; // key -> resolve, for the submissions a form is waiting for

    var sending = false;
    var pumpTimer = null;
    var queueNotice = false; // the status line speaks of the queue: cleared once the queue is empty
    var lastFailed = null; // the payload of the last refused submission, to load back
    // Items localStorage would not take (full or disabled): still sent, but lost on a reload.
    var memoryQueue = [];

    function add(payload, label) {
      payload.idempotency_key = newKey();
      var item = {
        key: payload.idempotency_key,
        matchId: matchId,
        url: url,
        body: payload,
        label: label,
        createdAt: new Date().toISOString(),
        attempts: 0,
        nextAt: 0,
        lastError: "",
      };
      var settled = new Promise(function (resolve) {
        waiters[item.key] = resolve;
      });
      var items = readQueue();
      var waitingAhead = queueItems().length > 0;
      items.push(item);
      if (!writeQueue(items)) {
        // Storage is full or disabled: still send it, but say it will not survive a reload.
        memoryQueue.push(item);
        say(gettext("This browser is not keeping a copy: do not reload until it is sent."), true);
      }
      render();
      // Others are ahead of it (sent one at a time, in order): no quick answer to wait for.
      if (waitingAhead) settle(item.key, { status: "queued" });
      pump();
      return { key: item.key, settled: settled };
    }

    /** Tell whoever waits for this item; true if someone was. */
    function settle(key, outcome) {
      var resolve = waiters[key];
      if (!resolve) return false;
      delete waiters[key];
      resolve(outcome);
      return true;
    }

    function detach(key) {
      delete waiters[key];
    }

    function queueItems() {
      return readQueue().concat(memoryQueue);
    }

    function say(text, aboutQueue) {
      queueNotice = !!aboutQueue;
      $("pending-status").textContent = text;
    }

    /** Send the head of the queue; the rest wait their turn, so events arrive in the order entered. */
    function pump() {
      clearTimeout(pumpTimer);
      pumpTimer = null;
      if (sending) return;
      var items = queueItems();
      if (!items.length) {
        render();
        return;
      }
      var item = items[0];
      var wait = (item.nextAt || 0) - Date.now();
      if (wait > 0) {
        pumpTimer = setTimeout(pump, Math.min(wait, 30000));
        render();
        return;
      }
      sending = true;
      updateItem(item.key, { sendingAt: Date.now() });
      render();
      request("POST", item.url, item.body)
        .then(function (result) {
          if (result.status >= 200 && result.status < 300) {
            forget(item);
            var event = result.data && result.data.event;
            var done = result.status === 201 ? gettext("Recorded: %(event)s") : gettext("Already recorded: %(event)s");
            say(interpolate(done, { event: item.label }));
            settle(item.key, { status: "recorded", event: event });
            if (event && result.status === 201 && item.matchId === matchId) onRecorded(item, event);
          } else if (isRetryable(result)) {
            var info = MC.EditorApi.describeError(result.status, result.data);
            var note = result.status === 401 || result.status === 403
              ? gettext("Not signed in any more: sign in again in another tab; it will be sent then.")
              : info.message;
            retryLater(item, note);
            settle(item.key, { status: "queued" });
          } else {
            forget(item);
            var error = MC.EditorApi.describeError(result.status, result.data);
            lastFailed = item.body;
            if (settle(item.key, { status: "refused", error: error })) say("");
            else if (item.matchId === matchId) onRefused(item, error);
            else {
              say(interpolate(gettext("Not recorded (match %(match)s): %(event)s. %(reason)s"), {
                match: item.matchId, event: item.label, reason: error.message,
              }));
            }
          }
        })
        .catch(function () {
          retryLater(item, navigator.onLine === false ? gettext("Offline") : gettext("No answer from the server"));
          settle(item.key, { status: "queued" });
        })
        .finally(function () {
          sending = false;
          render();
          pump();
        });
    }

    function forget(item) {
      removeItem(item.key);
      memoryQueue = memoryQueue.filter(function (other) {
        return other.key !== item.key;
      });
    }

    function retryLater(item, note) {
      var attempts = (item.attempts || 0) + 1;
      var changes = { attempts: attempts, nextAt: Date.now() + MC.backoffDelay(attempts - 1), lastError: note, sendingAt: 0 };
      updateItem(item.key, changes);
      memoryQueue.forEach(function (other) {
        if (other.key === item.key) Object.assign(other, changes);
      });
    }

    function retryAllNow() {
      var items = readQueue();
      items.forEach(function (item) {
        item.nextAt = 0;
      });
      writeQueue(items);
      memoryQueue.forEach(function (item) {
        item.nextAt = 0;
      });
      pump();
    }

    function discard(key) {
      var item = queueItems().find(function (other) {
        return other.key === key;
      });
      if (!item) return;
      var question = gettext("Discard “%(event)s”? It may already have reached the server if it was being sent.");
      if (!window.confirm(interpolate(question, { event: item.label }))) return;
      forget(item);
      render();
    }

    function describeWait(item, now) {
      if (item.sendingAt && sending) return gettext("sending…");
      var wait = Math.ceil(((item.nextAt || 0) - now) / 1000);
      var base = item.attempts ? interpolate(gettext("pending, attempt %(attempt)s"), { attempt: item.attempts + 1 }) : gettext("pending");
      if (wait > 0) base = interpolate(ngettext("%(state)s, retry in %(seconds)s s", "%(state)s, retry in %(seconds)s s", wait), { state: base, seconds: wait });
      return item.lastError ? interpolate(gettext("%(state)s (%(error)s)"), { state: base, error: item.lastError }) : base;
    }

    /** The pending list: plain text built with textContent (editor-typed labels are never parsed as HTML). */
    function render() {
      var items = queueItems();
      var list = $("pending-list");
      var count = $("pending-count");
      count.textContent = items.length;
      count.dataset.count = items.length;
      $("pending").classList.toggle("pending--has-items", items.length > 0);
      var now = Date.now();
      var rows = items.map(function (item) {
        var row = document.createElement("li");
        row.className = "pending__item";
        row.dataset.key = item.key;
        var label = document.createElement("span");
        label.className = "pending__label";
        label.textContent = item.matchId !== matchId
          ? interpolate(gettext("%(event)s (match %(match)s)"), { event: item.label, match: item.matchId })
          : item.label;
        var state = document.createElement("span");
        state.className = "pending__state";
        state.textContent = describeWait(item, now);
        var actions = document.createElement("span");
        actions.className = "pending__actions";
        var retry = document.createElement("button");
        retry.type = "button";
        retry.className = "button button--small";
        retry.dataset.action = "retry";
        retry.textContent = gettext("Retry now");
        var drop = document.createElement("button");
        drop.type = "button";
        drop.className = "button button--small button--quiet";
        drop.dataset.action = "discard";
        drop.textContent = gettext("Discard");
        actions.append(retry, drop);
        row.append(label, state, actions);
        return row;
      });
      list.replaceChildren.apply(list, rows);
      if (!items.length && queueNotice) say("");
    }

    $("pending-list").addEventListener("click", function (event) {
      var button = event.target.closest("button[data-action]");
      if (!button) return;
      var key = button.closest("[data-key]").dataset.key;
      if (button.dataset.action === "discard") discard(key);
      else retryAllNow();
    });

    window.addEventListener("online", retryAllNow);
    window.addEventListener("storage", function (event) {
      if (event.key === QUEUE_KEY) {
        render();
        pump();
      }
    });
    // The "retry in N s" countdown.
    setInterval(function () {
      if (queueItems().length) render();
    }, 1000);

    return {
      add: add,
      detach: detach,
      pump: pump,
      render: render,
      items: queueItems,
      say: say,
      lastFailed: function () {
        return lastFailed;
      },
    };
  }

  MC.Outbox = { create: create };
})();
