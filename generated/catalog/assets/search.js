// Offline search of the index: every word typed must occur in an event's name, title,
// description or owner. The index is embedded in the page; nothing is fetched.
(function () {
  const input = document.getElementById("search");
  const status = document.getElementById("search-status");
  const index = JSON.parse(document.getElementById("search-index").textContent);
  const text = new Map(index.map((e) => [e.key, [e.key, e.title, e.description, e.owner].join(" ").toLowerCase()]));
  const rows = Array.from(document.querySelectorAll("tr.event-row"));
  function apply() {
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const row of rows) {
      const haystack = text.get(row.dataset.key) || "";
      const match = words.every((w) => haystack.includes(w));
      row.hidden = !match;
      if (match) shown++;
    }
    for (const section of document.querySelectorAll("section.domain")) {
      section.hidden = section.querySelectorAll("tr.event-row:not([hidden])").length === 0;
    }
    status.textContent = words.length ? `${shown} of ${rows.length} events match` : "";
  }
  input.addEventListener("input", apply);
  apply();
})();
