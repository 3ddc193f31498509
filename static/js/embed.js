/*
 * embed.js: inside a widget (templates/embed/base.html). Its <base target="_blank"> opens every link in a new
 * tab, the server's pushed markup included; this adds rel="noopener" to each as it is followed, so that the full
 * page never gets a handle on the publisher's frame, in browsers that do not imply it for target="_blank".
 */
(function () {
  "use strict";
  function guard(event) {
    var link = event.target.closest ? event.target.closest("a[href]") : null;
    if (link && !/\bnoopener\b/.test(link.rel)) link.rel = (link.rel + " noopener").trim();
  }
  // Before the browser follows the link: a click, a key press on it (which is a click) or a middle click.
  document.addEventListener("click", guard, true);
  document.addEventListener("auxclick", guard, true);
})();
