// Autosave of review drafts: POSTs the form as JSON to the draft URL a second after the
// last change, with tornado's XSRF token in the X-XSRFToken header. No inline script (CSP).
(function () {
  "use strict";
  var form = document.getElementById("review-form");
  if (!form) { return; }
  var status = document.getElementById("draft-status");
  var timer = null;
  function xsrf() {
    var m = document.cookie.match(/(?:^|;\s*)_xsrf=([^;]*)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function collect() {
    var data = { scores: {}, comments: {}, overall_comment: "" };
    new FormData(form).forEach(function (value, name) {
      if (name.indexOf("score.") === 0) { data.scores[name.slice(6)] = Number(value); }
      else if (name.indexOf("comment.") === 0) { data.comments[name.slice(8)] = value; }
      else if (name === "overall_comment") { data.overall_comment = value; }
    });
    return data;
  }
  function save() {
    return fetch(form.dataset.draftUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-XSRFToken": xsrf() },
      body: JSON.stringify(collect())
    }).then(function (resp) { return resp.json(); }).then(function (body) {
      if (body.saved_at) { status.textContent = status.dataset.saved + " " + body.saved_at; status.className = "ok"; }
      else { status.textContent = body.message || "error"; status.className = "bad"; }
    });
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(save, 1000);
  });
  document.getElementById("save-draft").addEventListener("click", save);
})();
