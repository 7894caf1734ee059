// The staff entrance must not come back with the browser's back button: a page reached by
// history navigation (or restored from the back-forward cache) is replaced by the storefront.
(function () {
  var entries = window.performance && performance.getEntriesByType
    ? performance.getEntriesByType("navigation") : [];
  if (entries.length && entries[0].type === "back_forward") {
    window.location.replace("/");
  }
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      window.location.replace("/");
    }
  });
})();
