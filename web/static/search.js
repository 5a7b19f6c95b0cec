// Suggestions for the organisation search box, from /api/search. The form works without this.
(function () {
  const input = document.getElementById("org");
  const list = document.getElementById("org-suggestions");
  if (!input || !list) return;
  let pending = null;
  input.addEventListener("input", function () {
    clearTimeout(pending);
    const text = input.value.trim();
    if (text.length < 2) return;
    pending = setTimeout(async function () {
      const response = await fetch("/api/search?q=" + encodeURIComponent(text));
      if (!response.ok) return;
      const found = await response.json();
      list.replaceChildren(...found.flatMap(function (org) {
        if (org.field !== "name" && org.field !== "code") {  // found by postcode, address...: say so
          const option = document.createElement("option");
          option.value = org.label;
          option.label = org.label + " (" + org.field + " " + org.matched + ")";
          return [option];
        }
        return org.names.map(function (name) {
          const option = document.createElement("option");
          option.value = name;
          return option;
        });
      }));
    }, 150);
  });
})();
