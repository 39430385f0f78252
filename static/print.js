// Buttons marked data-print print the page: a script file, since the Content-Security-Policy
// refuses inline handlers such as onclick.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () {
    window.print();
  });
});
