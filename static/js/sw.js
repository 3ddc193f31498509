/*
 * The service worker: shows the Web Push notifications of followed teams' matches with the site closed, and opens
 * the match's page when one is clicked. Each notification carries its tag (event-<id>): a later one with the same
 * tag (a goal disallowed) replaces it, and one received twice (a retried send) shows once.
 */
"use strict";

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("push", function (event) {
  var data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    return;
  }
  if (data.type !== "notification") return;
  event.waitUntil(
    self.registration.showNotification(data.title, {
      body: data.body,
      tag: data.tag,
      // A replacement (a goal disallowed) alerts again; a repeat of the same notification does not.
      renotify: data.kind === "goal_disallowed",
      data: { url: data.url, id: data.id },
      icon: "/static/favicon.svg",
    })
  );
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (clients) {
      for (var i = 0; i < clients.length; i++) {
        if (clients[i].url === url && "focus" in clients[i]) return clients[i].focus();
      }
      return self.clients.openWindow(url);
    })
  );
});
