// The segment rule builder: fields, operators and values picked from lists, nested all/any/not
// groups. It edits the same JSON the "Rule as JSON" box holds (the server validates and compiles
// it; see rapport/segments/rules.py) and asks for the live member count after every change.
(function () {
  "use strict";
  const root = document.getElementById("rule-builder");
  const specNode = document.getElementById("rule-builder-fields");
  if (!root || !specNode) return;
  const textarea = document.getElementById(root.dataset.target);
  const spec = JSON.parse(specNode.textContent);
  const words = spec.words;
  const fields = Object.fromEntries(spec.fields.map((f) => [f.name, f]));

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value);
    }
    children.forEach((child) => child && node.append(child));
    return node;
  }

  // JSON tree <-> builder model: a group {kind: "all"|"any", negated, children} or a condition
  // {field, op, value, negated}. Returns null for what the builder cannot show.
  function fromJson(node) {
    if (!node || typeof node !== "object" || Array.isArray(node)) return null;
    const keys = Object.keys(node);
    if (keys.length === 1 && keys[0] === "not") {
      const inner = fromJson(node.not);
      if (!inner || inner.negated) return null;
      inner.negated = true;
      return inner;
    }
    if (keys.length === 1 && (keys[0] === "all" || keys[0] === "any")) {
      if (!Array.isArray(node[keys[0]])) return null;
      const children = node[keys[0]].map(fromJson);
      if (children.some((c) => c === null)) return null;
      return { kind: keys[0], negated: false, children };
    }
    if (keys.length === 3 && fields[node.field]) {
      return { field: node.field, op: node.op, value: node.value, negated: false };
    }
    return null;
  }

  function toJson(item) {
    let node;
    if (item.children) node = { [item.kind]: item.children.map(toJson) };
    else node = { field: item.field, op: item.op, value: item.value };
    return item.negated ? { not: node } : node;
  }

  function newCondition() {
    const field = spec.fields[0];
    return { field: field.name, op: field.ops[0][0], value: defaultValue(field), negated: false };
  }

  function defaultValue(field) {
    if (field.kind === "list") return field.choices && field.choices.length ? [field.choices[0][0]] : [];
    if (field.kind === "score") return 3;
    if (field.kind === "days") return 30;
    return 0;
  }

  let model;

  function changed() {
    textarea.value = JSON.stringify(toJson(model), null, 2);
    textarea.dispatchEvent(new Event("keyup"));
    render();
  }

  function valueEditor(cond, field) {
    if (field.kind === "list" && field.choices) {
      const box = el("span", { class: "rule-choices" });
      field.choices.forEach(([value, label]) => {
        const input = el("input", { type: "checkbox", value });
        input.checked = Array.isArray(cond.value) && cond.value.includes(value);
        input.addEventListener("change", () => {
          const picked = new Set(cond.value || []);
          input.checked ? picked.add(value) : picked.delete(value);
          cond.value = field.choices.map((c) => c[0]).filter((v) => picked.has(v));
          changed();
        });
        box.append(el("label", { class: "chip" }, input, " " + label));
      });
      return box;
    }
    if (field.kind === "list") {
      const input = el("input", { type: "text", placeholder: words.list_hint, "aria-label": field.label });
      input.value = (cond.value || []).join(", ");
      input.addEventListener("change", () => {
        cond.value = input.value.split(",").map((v) => v.trim()).filter(Boolean);
        changed();
      });
      return input;
    }
    if (field.kind === "score") {
      const select = el("select", { "aria-label": field.label });
      [1, 2, 3, 4, 5].forEach((n) => select.append(el("option", { value: n, text: n })));
      select.value = cond.value;
      select.addEventListener("change", () => { cond.value = Number(select.value); changed(); });
      return select;
    }
    const input = el("input", { type: "number", step: field.kind === "days" ? "1" : "any", min: field.kind === "days" ? "1" : "0", "aria-label": field.label });
    input.value = cond.value;
    input.addEventListener("change", () => { cond.value = Number(input.value); changed(); });
    return input;
  }

  function notToggle(item) {
    const box = el("input", { type: "checkbox" });
    box.checked = item.negated;
    box.addEventListener("change", () => { item.negated = box.checked; changed(); });
    return el("label", { class: "rule-not" }, box, " " + words.not);
  }

  function renderCondition(cond, parent) {
    const field = fields[cond.field];
    const fieldSelect = el("select", { "aria-label": "field" });
    spec.fields.forEach((f) => fieldSelect.append(el("option", { value: f.name, text: f.label })));
    fieldSelect.value = cond.field;
    fieldSelect.addEventListener("change", () => {
      const next = fields[fieldSelect.value];
      Object.assign(cond, { field: next.name, op: next.ops[0][0], value: defaultValue(next) });
      changed();
    });
    const opSelect = el("select", { "aria-label": "operator" });
    field.ops.forEach(([op, label]) => opSelect.append(el("option", { value: op, text: label })));
    opSelect.value = cond.op;
    opSelect.addEventListener("change", () => { cond.op = opSelect.value; changed(); });
    const remove = el("button", { type: "button", class: "link-button", text: words.remove, onclick: () => {
      parent.children.splice(parent.children.indexOf(cond), 1);
      changed();
    } });
    return el("li", { class: "rule-condition" }, notToggle(cond), fieldSelect, opSelect, valueEditor(cond, field), remove);
  }

  function renderGroup(group, parent) {
    const kind = el("select", { "aria-label": "match" });
    kind.append(el("option", { value: "all", text: words.all }), el("option", { value: "any", text: words.any }));
    kind.value = group.kind;
    kind.addEventListener("change", () => { group.kind = kind.value; changed(); });
    const list = el("ul", { class: "rule-children" });
    group.children.forEach((child) => list.append(child.children ? renderGroup(child, group) : renderCondition(child, group)));
    const actions = el("p", { class: "rule-actions" },
      el("button", { type: "button", class: "link-button", text: words.add_condition, onclick: () => { group.children.push(newCondition()); changed(); } }),
      " · ",
      el("button", { type: "button", class: "link-button", text: words.add_group, onclick: () => { group.children.push({ kind: "all", negated: false, children: [newCondition()] }); changed(); } }),
      parent ? " · " : null,
      parent ? el("button", { type: "button", class: "link-button", text: words.remove, onclick: () => { parent.children.splice(parent.children.indexOf(group), 1); changed(); } }) : null,
    );
    return el(parent ? "li" : "div", { class: "rule-group" }, el("p", { class: "rule-head" }, notToggle(group), kind), list, actions);
  }

  function render() {
    root.replaceChildren(renderGroup(model, null));
  }

  let parsed = null;
  try { parsed = fromJson(JSON.parse(textarea.value || "{}")); } catch (e) { parsed = null; }
  if (parsed && !parsed.children) parsed = { kind: "all", negated: false, children: [parsed] };
  if (!parsed && (textarea.value || "").trim()) {
    root.replaceChildren(el("p", { class: "message", text: words.json_only }));
    root.hidden = false;
    return;
  }
  model = parsed || { kind: "all", negated: false, children: [newCondition()] };
  root.hidden = false;
  render();
  // Typing in the JSON box redraws the builder when the JSON is one it can show.
  textarea.addEventListener("input", () => {
    try {
      const next = fromJson(JSON.parse(textarea.value));
      if (next) { model = next.children ? next : { kind: "all", negated: false, children: [next] }; render(); }
    } catch (e) { /* keep the builder as it was until the JSON parses */ }
  });
})();
