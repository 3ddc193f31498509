/*
 * embed-share.js: the "Embed" disclosure on match and group pages (templates/embed/_share.html). Shows the theme
 * choice, which puts that theme's snippet (the server's markup, from the radio's data-snippet) in the code box,
 * and a button that copies it. Without this file the code is still there to select and copy by hand.
 */
(function () {
  "use strict";
  // The page's strings in its language (Django's JavaScriptCatalog, /jsi18n/, loaded before this file).
  var gettext = typeof window.gettext === "function" ? window.gettext : function (text) { return text; };
  var ngettext = typeof window.ngettext === "function" ? window.ngettext : function (one, many, n) { return n === 1 ? one : many; };
  function interpolate(format, values) {
    return format.replace(/%\((\w+)\)s/g, function (_match, name) { return String(values[name]); });
  }
  var share = document.getElementById("embed-share");
  if (!share) return;
  var code = document.getElementById("embed-code");
  var themes = document.getElementById("embed-themes");
  var button = document.getElementById("embed-copy");
  var said = document.getElementById("embed-copied");
  var sayTimer = null;

  function say(text) {
    said.textContent = text;
    clearTimeout(sayTimer);
    sayTimer = setTimeout(function () {
      said.textContent = "";
    }, 4000);
  }

  themes.hidden = false;
  themes.addEventListener("change", function (event) {
    if (event.target.name === "embed-theme") code.value = event.target.dataset.snippet;
  });

  // Selecting the whole code on focus: one key press (Ctrl+C) copies it without the button.
  code.addEventListener("focus", function () {
    code.select();
  });

  function copiedByHand() {
    code.focus();
    code.select();
    say(gettext("Selected: press Ctrl+C (⌘C on a Mac) to copy."));
  }

  button.hidden = false;
  button.addEventListener("click", function () {
    if (!navigator.clipboard || !navigator.clipboard.writeText) {
      copiedByHand();
      return;
    }
    navigator.clipboard.writeText(code.value).then(function () {
      say(gettext("Copied."));
    }, copiedByHand);
  });
})();
