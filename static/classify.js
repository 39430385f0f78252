// As the clinician types a product, ask /api/v1/classify and show what it is, where the report
// goes and why; when the product is not recognised, show the qualification questions. With
// several product rows (the report form), every product is asked about at once, each with its
// own answers, and each one is shown with its own category (a row not recognised opens its
// questions).
(function () {
  "use strict";
  const form = document.querySelector("form[data-classify-url]");
  const output = document.getElementById("classification");
  if (!form || !output) return;
  const questions = document.getElementById("qualification-questions");
  let timer = null;
  let sequence = 0;

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function value(name) {
    const field = form.querySelector("[name=" + name + "]");
    return field ? field.value : "";
  }

  function answers() {
    const product = {name: value("product_name").trim()};
    if (!questions) return product;
    if (value("origin")) product.origin = value("origin");
    const features = {};
    questions.querySelectorAll("select").forEach(function (select) {
      if (select.name === "origin" || !select.value) return;
      features[select.name] = select.name === "intended_action" ? select.value : select.value === "yes";
    });
    if (Object.keys(features).length) product.features = features;
    return product;
  }

  // The further product rows of the report form (product_name_2 ...), each with the answers to
  // its own questions (origin_2, intended_action_2 ...); the rows given, in the products' order.
  let givenRows = [];
  function others() {
    const products = [];
    givenRows = [];
    form.querySelectorAll("[data-product-row]").forEach(function (row) {
      const suffix = "_" + row.dataset.productRow;
      const input = row.querySelector("input[name=product_name" + suffix + "]");
      if (!input || !input.value.trim()) return;
      const product = {name: input.value.trim()};
      const features = {};
      row.querySelectorAll("select").forEach(function (select) {
        if (!select.value || !select.name.endsWith(suffix)) return;
        const question = select.name.slice(0, -suffix.length);
        if (question === "origin") product.origin = select.value;
        else features[question] = question === "intended_action" ? select.value : select.value === "yes";
      });
      if (Object.keys(features).length) product.features = features;
      products.push(product);
      givenRows.push(row);
    });
    return products;
  }

  async function classify() {
    const product = answers();
    const more = others();
    if (!product.name && !product.origin && !more.length) { output.hidden = true; return; }
    const question = {event_kind: value("event_kind")};
    if (more.length) question.products = [product].concat(more); else question.product = product;
    const mine = ++sequence;
    let response;
    try {
      response = await fetch(form.dataset.classifyUrl, {
        method: "POST",
        headers: {"Content-Type": "application/json", "Accept-Language": document.documentElement.lang},
        body: JSON.stringify(question),
      });
    } catch (error) {
      return;  // offline: the server decides at submission anyway
    }
    if (mine !== sequence) return;  // an older answer arriving late must not overwrite a newer one
    const body = await response.json();
    output.replaceChildren();
    if (!response.ok) {
      output.append(element("p", body.message, "error"));
    } else {
      output.dataset.category = body.category;
      output.append(element("p", body.category_label, "category"));
      output.append(element("p", (body.queue_labels || body.queues).join(", "), "queues"));
      if (body.products && body.products.length > 1) {
        // Each product, qualified on its own: what it is and where it alone would go.
        const list = element("ul", null, "products");
        body.products.forEach(function (each) {
          list.append(element("li", each.name + " — " + each.category_label + " (" + each.queues.join(", ") + ")"));
          // A further row not recognised: its own questions open (the first row's are below). By
          // name: a name holding several products is several entries here.
          if (each.category !== "unclassified") return;
          givenRows.forEach(function (row) {
            const input = row.querySelector("input[name^=product_name_]");
            const details = row.querySelector("details.questions");
            if (details && input.value.trim() === each.name) details.open = true;
          });
        });
        output.append(list);
      }
      const steps = element("ol", null, "explanation");
      body.explanation.forEach(function (step) { steps.append(element("li", step)); });
      output.append(steps);
      if (questions && body.category === "unclassified") questions.hidden = false;
    }
    output.hidden = false;
  }

  form.addEventListener("input", function (event) {
    if (event.target.name === "description" || event.target.name === "lot_number") return;
    clearTimeout(timer);
    timer = setTimeout(classify, 250);
  });
  form.addEventListener("change", function (event) {
    if (event.target.tagName === "SELECT") { clearTimeout(timer); timer = setTimeout(classify, 50); }
  });
  form.addEventListener("submit", function (event) {
    if (!form.method || form.method.toLowerCase() !== "post") { event.preventDefault(); classify(); return; }
    // One report per click: the server also refuses a second one with the same form token.
    const button = form.querySelector("#submit-report") || form.querySelector("button[type=submit]");
    if (button) { setTimeout(function () { button.disabled = true; }, 0); }
  });
  if (value("product_name") || others().length) classify();
})();
