// The configurator remembers which option group the customer changed last, so "Fix it for me"
// keeps that choice. It runs before htmx sends the form (capture phase on the document).
document.addEventListener(
  "change",
  (event) => {
    const input = event.target;
    const form = input.form;
    if (!form || form.id !== "configurator-form" || !input.dataset.groupCode) return;
    if (form.elements.changed) form.elements.changed.value = input.dataset.groupCode;
  },
  true,
);
