// ipseval's own dashboard script (beside htmx): when a file the page asked for is ready (the
// report's PDF), its link arrives marked data-start and is followed at once, so making and
// downloading it is one click; the link stays on the page in case the browser dropped the download.
document.addEventListener("htmx:afterSwap", function (event) {
  var link = event.target.querySelector ? event.target.querySelector("a.dash-ready[data-start]") : null;
  if (link) {
    link.removeAttribute("data-start");
    link.click();
  }
});
