// The Belonging Guide: copy buttons for "Cite this page". No third-party code.
document.addEventListener("click", function (event) {
  var button = event.target.closest(".cite-copy");
  if (!button) return;
  var target = document.getElementById(button.getAttribute("data-copy-target"));
  if (!target || !navigator.clipboard) return;
  var label = button.textContent;
  navigator.clipboard.writeText(target.textContent.trim()).then(function () {
    button.textContent = "Copied";
    setTimeout(function () { button.textContent = label; }, 2000);
  });
});
