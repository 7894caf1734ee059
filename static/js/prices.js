// A signed-in customer's own prices on product cards. Listings are one cached copy for everyone;
// this asks the store once per page for the cards whose price is lower for this customer (a
// price list) and shows it with the list price struck through, as the product page does.
(() => {
  const hook = document.getElementById("rapport-prices");
  if (!hook) return;
  const show = () => {
    const cards = Array.from(document.querySelectorAll("[data-product-price]:not([data-priced])"));
    const ids = [...new Set(cards.map((el) => el.dataset.productPrice))].slice(0, 60);
    if (!ids.length) return;
    fetch(`${hook.dataset.url}?ids=${ids.join(",")}`, { credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : {}))
      .then((prices) => {
        cards.forEach((el) => {
          el.dataset.priced = "1";
          const price = prices[el.dataset.productPrice];
          if (!price) return;
          const was = document.createElement("s");
          was.className = "list-price";
          was.textContent = price.list_price;
          const now = document.createElement("span");
          now.className = "customer-price";
          now.textContent = price.price;
          el.replaceChildren(was, " ", now);
        });
      })
      .catch(() => {});
  };
  document.addEventListener("DOMContentLoaded", show);
  document.addEventListener("htmx:afterSettle", show); // blocks and pages loaded by htmx
})();
