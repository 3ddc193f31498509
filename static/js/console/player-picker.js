/*
 * console/player-picker.js: a player chosen by typing part of the name or the shirt number.
 *
 * Turns a <select> of players into a combobox (WAI-ARIA 1.2, the "list autocomplete" pattern of the
 * ARIA Authoring Practices): a text input with a listbox of matching players, each shown with
 * number, name and team. The <select> stays the value: it is hidden, the picker sets it and fires
 * its "change", so the form reads and posts it as before, and whoever refills the select's options
 * is followed (a MutationObserver).
 *
 * Keys in the input: type digits or letters to filter; Down / Up move through the list; Enter and
 * Tab take the highlighted player (Enter then goes on to the form, which records); Esc closes the
 * list and puts back the choice. Digits that can only mean one player take him at once and move on
 * (autoAdvance), so "9" is Firmino when no one else's number starts with 9.
 *
 *   MC.PlayerPicker.enhance(select, options) -> picker
 *     options.describe(id)   {number, name, team, side, onPitch} for a player id (else the option text)
 *     options.preferredSide() "home" / "away": on a tie, that side's players come first (the last team used)
 *     options.autoAdvance     take a player as soon as the digits typed fit only him
 *     options.onCommit(id, how) after a choice; how.advance is true when it was taken by autoAdvance
 *   picker
 *     input, select, value(), setValue(id), refresh(), focus(), isOpen(), close()
 *   MC.PlayerPicker.rank(entries, query, preferredSide)  the matching entries in order (pure; exported
 *     for its own sake: the order is the feature)
 */
(function () {
  "use strict";
  var MC = window.Matchcentre;
  // The console's words in the page's language (live.js's helpers over Django's JavaScriptCatalog, /jsi18n/).
  var gettext = MC.gettext;
  var NAME_OR_NUMBER = gettext("Name or number");
  var counter = 0;

  function fold(text) {
    return String(text || "")
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase();
  }

  /** Players on the pitch first, then the preferred side's, then by number. */
  function baseOrder(a, b, preferredSide) {
    if (a.onPitch !== b.onPitch) return a.onPitch ? -1 : 1;
    if (preferredSide && a.side !== b.side) return a.side === preferredSide ? -1 : b.side === preferredSide ? 1 : 0;
    return (a.number || 0) - (b.number || 0);
  }

  /** How well an entry fits the query: 0 best; -1 not at all. */
  function fit(entry, query) {
    if (!query) return 1;
    if (/^[0-9]+$/.test(query)) {
      var number = String(entry.number);
      if (number === query) return 0;
      return number.indexOf(query) === 0 ? 1 : -1;
    }
    var name = fold(entry.name);
    var wanted = fold(query);
    if (name.indexOf(wanted) === 0) return 0;
    if (name.split(/[\s\-']+/).some(function (word) { return word.indexOf(wanted) === 0; })) return 1;
    return name.indexOf(wanted) !== -1 ? 2 : -1;
  }

  function rank(entries, query, preferredSide) {
    query = String(query || "").trim();
    return entries
      .map(function (entry) {
        return { entry: entry, fit: fit(entry, query) };
      })
      .filter(function (item) {
        return item.fit !== -1;
      })
      .sort(function (a, b) {
        return a.fit - b.fit || baseOrder(a.entry, b.entry, preferredSide);
      })
      .map(function (item) {
        return item.entry;
      });
  }

  /** "14 Dries Mertens (NAP)": how a chosen player reads in the input. */
  function labelOf(entry) {
    return (entry.number !== undefined && entry.number !== null ? entry.number + " " : "") + entry.name + (entry.team ? " (" + entry.team + ")" : "");
  }

  function enhance(select, options) {
    options = options || {};
    counter += 1;
    var baseId = select.id || "player-picker-" + counter;
    var listId = baseId + "-listbox";
    var wrapper = document.createElement("div");
    wrapper.className = "picker";
    var input = document.createElement("input");
    input.type = "text";
    input.id = baseId + "-search";
    input.className = "picker__input";
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    input.setAttribute("autocomplete", "off");
    input.setAttribute("spellcheck", "false");
    input.setAttribute("placeholder", NAME_OR_NUMBER);
    if (select.getAttribute("aria-describedby")) input.setAttribute("aria-describedby", select.getAttribute("aria-describedby"));
    if (select.required) input.required = true;
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "picker__list";
    list.setAttribute("role", "listbox");
    list.hidden = true;

    // The visible label now names the input; the hidden select keeps the value.
    var label = select.id ? (select.form || document).querySelector('label[for="' + select.id + '"]') : null;
    if (label) {
      label.htmlFor = input.id;
      if (!label.id) label.id = baseId + "-label";
      list.setAttribute("aria-labelledby", label.id);
    } else {
      list.setAttribute("aria-label", gettext("Players"));
    }
    select.hidden = true;
    select.tabIndex = -1;
    select.classList.add("picker__select");
    select.parentNode.insertBefore(wrapper, select);
    wrapper.append(input, list, select);

    var entries = [];
    var shown = [];
    var active = -1;

    function describe(option) {
      var id = Number(option.value);
      var described = options.describe ? options.describe(id) : null;
      if (described) return Object.assign({ id: id }, described);
      var text = option.textContent.trim();
      var match = /^([0-9]+)\s+(.*)$/.exec(text);
      return { id: id, number: match ? Number(match[1]) : null, name: match ? match[2] : text, onPitch: true, side: null };
    }

    function readOptions() {
      entries = Array.from(select.options)
        .filter(function (option) {
          return option.value !== "";
        })
        .map(describe);
    }

    function current() {
      var id = Number(select.value);
      return entries.find(function (entry) { return entry.id === id; }) || null;
    }

    function showChoice() {
      var entry = current();
      input.value = entry ? labelOf(entry) : "";
      var empty = select.options[0] && select.options[0].value === "" ? select.options[0].textContent : NAME_OR_NUMBER;
      input.placeholder = empty === gettext("Choose…") || /^-*$/.test(empty) ? NAME_OR_NUMBER : empty;
    }

    function preferredSide() {
      return options.preferredSide ? options.preferredSide() : null;
    }

    function optionElement(entry, index) {
      var item = document.createElement("li");
      item.id = baseId + "-option-" + entry.id;
      item.className = "picker__option";
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", index === active ? "true" : "false");
      item.dataset.value = String(entry.id);
      var number = document.createElement("span");
      number.className = "picker__number";
      number.textContent = entry.number === null || entry.number === undefined ? "" : entry.number;
      var name = document.createElement("span");
      name.className = "picker__name";
      name.textContent = entry.name;
      item.append(number, " ", name);
      if (entry.team) {
        var team = document.createElement("span");
        team.className = "picker__team";
        team.textContent = entry.team;
        item.append(" ", team);
      }
      if (!entry.onPitch && entry.where) {
        var where = document.createElement("span");
        where.className = "picker__where";
        where.textContent = entry.where;
        item.append(" ", where);
      }
      return item;
    }

    function render() {
      list.replaceChildren.apply(list, shown.map(optionElement));
      if (!shown.length) {
        var none = document.createElement("li");
        none.className = "picker__none";
        none.setAttribute("role", "presentation");
        none.textContent = gettext("No player matches");
        list.appendChild(none);
      }
      if (active >= 0 && shown[active]) {
        var element = list.children[active];
        input.setAttribute("aria-activedescendant", element.id);
        if (element.scrollIntoView) element.scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function open() {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      wrapper.classList.add("picker--open");
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      wrapper.classList.remove("picker--open");
    }

    function filter(query) {
      shown = rank(entries, query, preferredSide());
      active = shown.length ? 0 : -1;
      render();
    }

    function commit(entry, how) {
      var before = select.value;
      select.value = entry ? String(entry.id) : "";
      close();
      showChoice();
      if (select.value !== before) select.dispatchEvent(new Event("change", { bubbles: true }));
      if (options.onCommit) options.onCommit(entry ? entry.id : null, how || {});
    }

    /** The typed digits fit one player only, and typing more could not make them fit another. */
    function onlyFit(query) {
      if (!/^[0-9]+$/.test(query) || shown.length !== 1) return null;
      return String(shown[0].number) === query ? shown[0] : null;
    }

    input.addEventListener("focus", function () {
      input.select();
    });

    input.addEventListener("input", function () {
      var query = input.value.trim();
      if (!query) {
        filter("");
        open();
        return;
      }
      filter(query);
      open();
      var single = options.autoAdvance ? onlyFit(query) : null;
      if (single) commit(single, { advance: true });
    });

    input.addEventListener("keydown", function (event) {
      if (event.isComposing || event.ctrlKey || event.metaKey) return;
      var isOpen = !list.hidden;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (!isOpen) {
          filter(input.value === labelOf(current() || { name: "" }) ? "" : input.value);
          open();
          return;
        }
        if (!shown.length) return;
        active = (active + (event.key === "ArrowDown" ? 1 : shown.length - 1)) % shown.length;
        render();
      } else if (event.key === "Enter" || event.key === "Tab") {
        if (isOpen && active >= 0 && shown[active] && input.value.trim() !== "") commit(shown[active]);
        else if (input.value.trim() === "" && select.value) commit(null);
        else close();
        // Enter goes on to the form (which records); Tab moves on.
      } else if (event.key === "Escape") {
        if (isOpen) {
          event.preventDefault();
          event.stopPropagation();
          close();
          showChoice();
        }
      }
    });

    input.addEventListener("blur", function () {
      // A click on an option keeps the focus (mousedown is cancelled), so a blur means "left".
      if (!list.hidden) close();
      if (input.value.trim() === "" && select.value) commit(null);
      else showChoice();
    });

    input.addEventListener("click", function () {
      if (list.hidden) {
        filter("");
        open();
      }
    });

    list.addEventListener("mousedown", function (event) {
      event.preventDefault();
    });
    list.addEventListener("click", function (event) {
      var item = event.target.closest("[data-value]");
      if (!item) return;
      var id = Number(item.dataset.value);
      commit(entries.find(function (entry) { return entry.id === id; }) || null);
    });

    /** The options changed (the match moved on): the highlighted player stays highlighted if still there. */
    function refresh() {
      readOptions();
      if (document.activeElement !== input || list.hidden) {
        showChoice();
        return;
      }
      var highlighted = active >= 0 && shown[active] ? shown[active].id : null;
      filter(input.value);
      var again = shown.findIndex(function (entry) { return entry.id === highlighted; });
      if (again !== -1 && again !== active) {
        active = again;
        render();
      }
    }

    new MutationObserver(refresh).observe(select, { childList: true, subtree: true });
    select.addEventListener("change", function () {
      if (document.activeElement !== input) showChoice();
    });
    refresh();

    return {
      input: input,
      select: select,
      value: function () {
        return select.value;
      },
      setValue: function (id) {
        select.value = id === null || id === undefined ? "" : String(id);
        showChoice();
      },
      refresh: refresh,
      focus: function () {
        input.focus();
      },
      isOpen: function () {
        return !list.hidden;
      },
      close: close,
    };
  }

  MC.PlayerPicker = { enhance: enhance, rank: rank, labelOf: labelOf };
})();
