// Ask /api/v1/classify as the clinician types, and show what the product is and where it goes.
(function () {
  "use strict";
  const form = document.getElementById("classify-form");
  const output = document.getElementById("classification");
  if (!form || !output) return;
  let timer = null;
  let sequence = 0;

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  async function classify() {
    const name = form.querySelector("[name=product_name]").value.trim();
    const eventKind = form.querySelector("[name=event_kind]").value;
    if (!name) { output.hidden = true; return; }
    const mine = ++sequence;
    const response = await fetch(form.dataset.classifyUrl || "/api/v1/classify", {
      method: "POST",
      headers: {"Content-Type": "application/json", "Accept-Language": document.documentElement.lang},
      body: JSON.stringify({event_kind: eventKind, product: {name: name}}),
    });
    if (mine !== sequence) return;  // an older answer arriving late must not overwrite a newer one
    const body = await response.json();
    output.replaceChildren();
    if (!response.ok) {
      output.append(element("p", body.message || "Erreur", "error"));
    } else {
      output.dataset.category = body.category;
      output.append(element("p", body.category_label, "category"));
      output.append(element("p", body.queues.join(", "), "queues"));
      const steps = element("ol", null, "explanation");
      body.explanation.forEach(function (step) { steps.append(element("li", step)); });
      output.append(steps);
    }
    output.hidden = false;
    document.dispatchEvent(new CustomEvent("classified", {detail: body}));
  }

  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(classify, 250);
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); classify(); });
})();
