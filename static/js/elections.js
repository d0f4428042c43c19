// Where-to-vote: choosing a tổ dân phố shows the result at once (the button still works without JS).
document.querySelectorAll("form.js-autosubmit select").forEach((select) => {
  select.addEventListener("change", () => {
    if (select.value) select.form.submit();
  });
});
