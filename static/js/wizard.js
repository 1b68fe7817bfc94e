// The wizard without this file: each side on the spine diagram is a link to the step with that
// side switched. With it: a side picked on the diagram switches the matching list below, whose
// change sends the whole form: picks made in quick succession all count, where each link alone
// would carry the picks as they were before the other. (The Copy button is js/copy.js.)
(function () {
  "use strict";

  var SWITCHED = {
    L: { "": "L", L: "", R: "B", B: "R" },
    R: { "": "R", R: "", L: "B", B: "L" },
    B: { "": "B", L: "B", R: "B", B: "" },
  };

  // Capturing: before htmx follows the link itself.
  document.addEventListener(
    "click",
    function (event) {
      var link = event.target.closest(".wizard-sites a.facet, .wizard-sites a.spine-body");
      var parts = link && /^edit-(.+)-([LRB])$/.exec(link.id);
      var select = parts && document.getElementById("id-" + parts[1]);
      if (!select || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) {
        return;
      }
      event.preventDefault();
      event.stopPropagation();
      select.value = SWITCHED[parts[2]][select.value];
      var side = select.value;
      [["L", side === "L" || side === "B"], ["R", side === "R" || side === "B"], ["B", side !== ""]]
        .forEach(function (pair) {
          var mark = document.getElementById("edit-" + parts[1] + "-" + pair[0]);
          if (mark) {
            mark.classList.toggle("is-picked", pair[1]);
          }
        });
      select.dispatchEvent(new Event("change", { bubbles: true }));
    },
    true,
  );

  // The spine diagram is one stop for Tab: the arrow keys move between its levels (up and
  // down) and between left, both and right (left and right). It opens at the first level
  // picked, else at the first lumbar level, where most sessions are.
  var DIAGRAM = ".spine a.facet, .spine a.spine-body";

  function rows(root) {
    return Array.prototype.map.call(root.querySelectorAll(".spine-level"), function (level) {
      return Array.prototype.slice.call(level.querySelectorAll("a"));
    });
  }

  function rove(root) {
    var all = rows(root);
    if (!all.length) {
      return;
    }
    var picked = root.querySelector(".spine a.is-picked");
    var lumbar = root.querySelectorAll(".spine-column");
    var start =
      picked ||
      (lumbar.length ? lumbar[lumbar.length - 1].querySelector("a.spine-body") : null) ||
      all[0][1];
    root.querySelectorAll(DIAGRAM).forEach(function (link) {
      link.tabIndex = link === start ? 0 : -1;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    rove(document);
  });
  document.addEventListener("htmx:load", function (event) {
    if (event.target.querySelector && event.target.querySelector(".spine")) {
      rove(event.target);
    }
  });

  var MOVES = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };

  document.addEventListener("keydown", function (event) {
    var move = MOVES[event.key];
    var link = move && event.target.closest && event.target.closest(DIAGRAM);
    if (!link) {
      return;
    }
    var all = rows(document);
    for (var row = 0; row < all.length; row += 1) {
      var column = all[row].indexOf(link);
      if (column >= 0) {
        var next = row + move[0];
        var place = column + move[1];
        if (next >= 0 && next < all.length && place >= 0 && place < all[next].length) {
          event.preventDefault();
          link.tabIndex = -1;
          all[next][place].tabIndex = 0;
          all[next][place].focus();
        }
        return;
      }
    }
  });
})();
