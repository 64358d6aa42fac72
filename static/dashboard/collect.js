/* "Collect with your wallet" (issue 28): the gateway built the factory's collect call; the
   merchant's EIP-1193 wallet (window.ethereum) signs and sends it, then the page posts the
   txid back so the collection is recorded and reconciled. Its messages come translated
   from the template's data attributes. */
(function () {
  "use strict";
  document.querySelectorAll("button[data-collect]").forEach(function (button) {
    button.addEventListener("click", async function () {
      var form = button.closest("form");
      var status = form.querySelector(".collect-status");
      var wallet = window.ethereum;
      if (!wallet) { status.textContent = button.dataset.noWallet; return; }
      try {
        button.disabled = true;
        var accounts = await wallet.request({ method: "eth_requestAccounts" });
        var chainId = parseInt(await wallet.request({ method: "eth_chainId" }), 16);
        if (chainId !== parseInt(button.dataset.chainId, 10)) {
          throw new Error(button.dataset.wrongChain);
        }
        var txid = await wallet.request({
          method: "eth_sendTransaction",
          params: [{ from: accounts[0], to: button.dataset.to, data: button.dataset.data }],
        });
        form.querySelector("input[name=txid]").value = txid;
        form.submit();
      } catch (error) {
        status.textContent = error.message || String(error);
        button.disabled = false;
      }
    });
  });
})();
