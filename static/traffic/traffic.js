// The upload progress bar of the traffic pages: htmx fires htmx:xhr:progress while it sends the form.
// Nothing else happens here; the pages work as plain form posts without it.
(function () {
  "use strict";
  function bar(event) {
    var form = event.target.closest ? event.target.closest("form.traffic-form") : null;
    return form ? form.querySelector("progress.upload-progress") : null;
  }
  document.addEventListener("htmx:xhr:progress", function (event) {
    var progress = bar(event);
    if (!progress || !event.detail.total) return;
    progress.hidden = false;
    progress.value = Math.round((event.detail.loaded / event.detail.total) * 100);
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var progress = bar(event);
    if (progress) { progress.hidden = true; progress.value = 0; }
  });
})();
